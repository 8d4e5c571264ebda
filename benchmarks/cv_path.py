"""A cross-validated λ path on breast_cancer, reglab against scikit-learn, measured in the same run through
``reglab.tabular.compare`` (the comparison ``reglab demo tabular`` makes) at the issue's size: a ``StandardScaler``
+ 128 x 128 MLP pipeline, Adam(0.001), batch 32, 200 epochs (scikit-learn with ``tol=0`` and no early stop, so both
run every epoch), 16 alphas from 1e-5 to 10 (scikit-learn's convention; reglab trains the equal ones) x the same 5
stratified folds; scikit-learn runs ``GridSearchCV(n_jobs=2)``, reglab one ``MLPClassifierCV``. Prints wall seconds,
the ratio, the chosen alphas and the cross-validated accuracies.

    python benchmarks/cv_path.py [--alphas 16] [--epochs 200]
"""

import argparse

from reglab.tabular import compare


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--alphas", type=int, default=16)
    parser.add_argument("--epochs", type=int, default=200)
    args = parser.parse_args()
    theirs, ours = compare(("breast_cancer",), alphas=args.alphas, epochs=args.epochs, hidden=(128, 128))[0]
    print(f"breast_cancer, {args.alphas} alphas x 5 folds, {args.epochs} epochs, 128 x 128, batch 32")
    for row in (theirs, ours):
        print(f"{row['method']}: {row['seconds']:.1f} s, best alpha {row['alpha_sklearn']:.3g} (scikit-learn's "
              f"units), CV accuracy {row['score']:.4f}")
    print(f"time reglab / scikit-learn: {ours['seconds'] / theirs['seconds']:.3f}")


if __name__ == "__main__":
    main()
