"""scikit-learn-style first fits, each in a fresh process with an empty cache (never run by the tests).

    python benchmarks/first_fit.py
    PYTHONPATH=/path/to/old/src python benchmarks/first_fit.py   # another tree, in the same minute

For iris, wine, breast_cancer and digits (standardized), ``reglab.sklearn.MLPClassifier(hidden_layer_sizes=(64,),
random_state=0)``: the seconds of its first fit, timed after JAX's own start-up, then the programs compiled by
fits with another ``max_iter`` (50), on other rows (a fold of 80%) and, after one with ``early_stopping=True``,
with another ``validation_fraction`` (0.2), and scikit-learn's own ``MLPClassifier`` fit beside it.
"""

import subprocess
import sys
import tempfile

CHILD = r"""
import os, sys, time, warnings
os.environ["REGLAB_CACHE_DIR"] = sys.argv[2]
warnings.simplefilter("ignore")
import jax
jax.numpy.zeros(1).block_until_ready()  # JAX's own start-up, outside the figure
from sklearn import datasets
from sklearn.neural_network import MLPClassifier as Theirs
from sklearn.preprocessing import StandardScaler
from reglab.engine.runner import _COMPILED, _ORDERS
from reglab.sklearn import MLPClassifier

X, y = getattr(datasets, "load_" + sys.argv[1])(return_X_y=True)
X = StandardScaler().fit_transform(X)
began = time.perf_counter()
MLPClassifier(hidden_layer_sizes=(64,), random_state=0).fit(X, y)
first = time.perf_counter() - began
before, shuffles = _COMPILED.compiles, len(_ORDERS)
MLPClassifier(hidden_layer_sizes=(64,), random_state=0, max_iter=50).fit(X, y)
fold = len(y) * 4 // 5
MLPClassifier(hidden_layer_sizes=(64,), random_state=0).fit(X[:fold], y[:fold])
again, shuffles = _COMPILED.compiles - before, len(_ORDERS) - shuffles
MLPClassifier(hidden_layer_sizes=(64,), random_state=0, early_stopping=True).fit(X, y)
before = _COMPILED.compiles
MLPClassifier(hidden_layer_sizes=(64,), random_state=0, early_stopping=True, validation_fraction=0.2).fit(X, y)
validation = _COMPILED.compiles - before
began = time.perf_counter()
Theirs(hidden_layer_sizes=(64,), random_state=0).fit(X, y)
print(f"{sys.argv[1]:14s} first fit {first:.2f} s (scikit-learn {time.perf_counter() - began:.2f} s); "
      f"other max_iter and a fold: {again} programs compiled (+{shuffles} of shuffles); other validation_fraction: "
      f"{validation}")
"""


def main():
    for name in ("iris", "wine", "breast_cancer", "digits"):
        with tempfile.TemporaryDirectory() as cache:
            out = subprocess.run([sys.executable, "-c", CHILD, name, cache], capture_output=True, text=True)
            print(out.stdout.strip() or out.stderr.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
