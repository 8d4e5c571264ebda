"""A cross-validated λ path on breast_cancer, reglab against scikit-learn, measured in the same run through
``reglab.sklearn.versus_gridsearch`` (the sides ``reglab demo tabular`` compares) at issue 12's size: a
``StandardScaler`` + 128 x 128 MLP pipeline, Adam(0.001), batch 32, 200 epochs (scikit-learn with ``tol=0`` and no early
stop, so both run every epoch), 16 alphas from 1e-5 to 10 (scikit-learn's convention; reglab trains the equal ones) x
the same 5 stratified folds; scikit-learn runs ``GridSearchCV(n_jobs=2)``, reglab one ``MLPClassifierCV``. The sides
alternate which goes first from round to round (the machine's speed drifts, and slows under a minute of full load);
prints each round's wall seconds and ratio, the median ratio, the chosen alphas and the cross-validated accuracies.

    python benchmarks/cv_path.py [--rounds 2] [--alphas 16] [--epochs 200]
"""

import argparse
import statistics

import numpy as np

from reglab.sklearn.versus_gridsearch import grid_search, path


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--alphas", type=int, default=16)
    parser.add_argument("--epochs", type=int, default=200)
    args = parser.parse_args()
    grid = np.geomspace(1e-5, 10, args.alphas)
    common = {"hidden_layer_sizes": (128, 128), "batch_size": 32, "learning_rate_init": 0.001,
              "max_iter": args.epochs, "random_state": 0}
    sides = [lambda: grid_search("breast_cancer", grid, 5, common), lambda: path("breast_cancer", grid, 5, common)]
    print(f"breast_cancer, {args.alphas} alphas x 5 folds, {args.epochs} epochs, 128 x 128, batch 32")
    ratios = []
    for r in range(args.rounds):
        order = sides if r % 2 == 0 else sides[::-1]
        theirs, ours = sorted((side() for side in order), key=lambda row: row["method"] != "scikit-learn grid")
        ratios.append(ours["seconds"] / theirs["seconds"])
        for row in (theirs, ours):
            print(f"round {r + 1} {row['method']}: {row['seconds']:.1f} s, best alpha {row['alpha_sklearn']:.3g} "
                  f"(scikit-learn's units), CV accuracy {row['score']:.4f}")
        print(f"round {r + 1} ({'scikit-learn' if r % 2 == 0 else 'reglab'} first): time reglab / scikit-learn "
              f"{ratios[-1]:.3f}", flush=True)
    print(f"median time reglab / scikit-learn over {args.rounds} rounds: {statistics.median(ratios):.3f}")


if __name__ == "__main__":
    main()
