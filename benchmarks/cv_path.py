"""A cross-validated λ path on breast_cancer, reglab against scikit-learn, measured in the same run: a
``StandardScaler`` + 128 x 128 MLP pipeline, Adam(0.001), batch 32, 200 epochs (scikit-learn with ``tol=0`` and
no early stop, so both run every epoch), 16 alphas from 1e-5 to 10 (scikit-learn's convention; reglab's equal ones
are alpha / (2 * 32)) x the same 5 stratified folds. scikit-learn runs ``GridSearchCV(n_jobs=2)``; reglab one
``MLPClassifierCV`` (its folds and alphas in one runner call). Prints wall seconds, the ratio, the best alphas and
the cross-validated accuracies.

    python benchmarks/cv_path.py [--alphas 16] [--epochs 200]
"""

import argparse
import time
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.neural_network import MLPClassifier as SkMLP
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from reglab.sklearn import MLPClassifierCV, from_sklearn_alpha


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--alphas", type=int, default=16)
    parser.add_argument("--epochs", type=int, default=200)
    args = parser.parse_args()
    X, y = load_breast_cancer(return_X_y=True)
    alphas_sk = np.geomspace(1e-5, 10, args.alphas)
    folds = StratifiedKFold(5)
    common = {"hidden_layer_sizes": (128, 128), "batch_size": 32, "learning_rate_init": 0.001,
              "max_iter": args.epochs, "random_state": 0}

    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = GridSearchCV(make_pipeline(StandardScaler(), SkMLP(**common, tol=0, n_iter_no_change=10**9)),
                              {"mlpclassifier__alpha": alphas_sk}, cv=folds, n_jobs=2).fit(X, y)
    sk_seconds = time.perf_counter() - start

    start = time.perf_counter()
    path = make_pipeline(StandardScaler(), MLPClassifierCV(**common, penalty="l2", cv=folds,
                                                           alphas=[from_sklearn_alpha(a, 32) for a in alphas_sk]))
    path.fit(X, y)
    ours_seconds = time.perf_counter() - start
    cv = path[-1]

    print(f"breast_cancer {X.shape}, {args.alphas} alphas x 5 folds, {args.epochs} epochs, 128 x 128, batch 32")
    print(f"scikit-learn GridSearchCV(MLPClassifier, n_jobs=2): {sk_seconds:.1f} s, best alpha "
          f"{search.best_params_['mlpclassifier__alpha']:.3g}, CV accuracy {search.best_score_:.4f}")
    print(f"reglab MLPClassifierCV: {ours_seconds:.1f} s (path {cv.fit_time_:.1f} s), best alpha "
          f"{cv.alpha_:.3g} (scikit-learn's {cv.alpha_ * 64:.3g}), CV accuracy {cv.scores_.mean(axis=1).max():.4f}")
    print(f"time reglab / scikit-learn: {ours_seconds / sk_seconds:.3f}")


if __name__ == "__main__":
    main()
