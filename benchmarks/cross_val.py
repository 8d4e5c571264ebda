"""``cross_val_score`` of an MLPClassifier pipeline (StandardScaler, then scikit-learn's defaults: 100 hidden units,
Adam(0.001), batch "auto", 200 epochs) on breast_cancer, 5 folds fitted one after another: reglab's estimator
against scikit-learn's (``tol=0``, so that both run every epoch), each side in a new process with an empty reglab
cache (so reglab pays its compile), alternating which goes first. Prints each side's wall seconds from its start
to its scores (the import of the estimator included, not Python's own start) and the ratio per round.

    python benchmarks/cross_val.py [--rounds 2]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile

SIDE = """
import time, warnings
began = time.perf_counter()
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
if {ours}:
    from reglab.sklearn import MLPClassifier
    model = MLPClassifier(random_state=0)
else:
    from sklearn.neural_network import MLPClassifier
    model = MLPClassifier(random_state=0, tol=0.0)
X, y = load_breast_cancer(return_X_y=True)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    scores = cross_val_score(make_pipeline(StandardScaler(), model), X, y, cv=5)
print(time.perf_counter() - began, scores.mean())
"""


def side(ours: bool) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as cache:
        done = subprocess.run([sys.executable, "-c", SIDE.format(ours=ours)], capture_output=True, text=True,
                              env={**os.environ, "REGLAB_CACHE_DIR": cache}, check=True)
    seconds, score = map(float, done.stdout.split())
    return seconds, score


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    ratios = []
    for r in range(args.rounds):
        first_ours = r % 2 == 1
        results = {}
        for ours in (first_ours, not first_ours):
            results[ours] = side(ours)
        (ours_s, ours_acc), (theirs_s, theirs_acc) = results[True], results[False]
        ratios.append(ours_s / theirs_s)
        print(f"round {r + 1} ({'reglab' if first_ours else 'scikit-learn'} first): reglab {ours_s:.2f} s "
              f"(accuracy {ours_acc:.4f}), scikit-learn {theirs_s:.2f} s (accuracy {theirs_acc:.4f}), "
              f"ratio {ratios[-1]:.3f}", flush=True)
    print(f"median time reglab / scikit-learn over {args.rounds} rounds: {statistics.median(ratios):.3f}")


if __name__ == "__main__":
    main()
