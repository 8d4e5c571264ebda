"""The issues' speed comparisons, measured at the same minute (not run by the tests):

    pip install "keras>=3.10" && python benchmarks/vs_keras.py            # demo vs one Keras fit
    python benchmarks/vs_keras.py --sweep                                 # also the default sweep vs 4 Keras runs

Each side runs as a fresh process with the same Python: `reglab demo` (and `reglab sweep`) from process start to
report written, and Keras 3 on its JAX backend fitting the lecture's model once (l1(0.001), 2000 epochs,
validation_split=0.2), reported as fit seconds and whole-process seconds. The machine's speed drifts (by a third
within minutes here), so the two sides alternate, --rounds times, and the ratio is taken pair by pair.
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time

KERAS_RUN = r"""
import os, time
start = time.perf_counter()
os.environ["KERAS_BACKEND"] = "jax"
import keras
from sklearn.datasets import make_moons
X, y = make_moons(100, noise=0.25, random_state=2)
reg = keras.regularizers.l1(0.001)
model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(128, activation="relu", kernel_regularizer=reg),
                          keras.layers.Dense(128, activation="relu", kernel_regularizer=reg),
                          keras.layers.Dense(1, activation="sigmoid")])
model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.Adam(0.01), metrics=["accuracy"])
fit_start = time.perf_counter()
model.fit(X, y, epochs=2000, validation_split=0.2, verbose=0)
print(time.perf_counter() - fit_start)
"""


def wall(args, **kwargs):
    start = time.perf_counter()
    done = subprocess.run(args, check=True, capture_output=True, text=True, **kwargs)
    return time.perf_counter() - start, done.stdout


def keras_once():
    seconds, out = wall([sys.executable, "-c", KERAS_RUN])
    return float(out.strip().splitlines()[-1]), seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sweep", action="store_true", help="also time the default sweep against 4 Keras runs")
    parser.add_argument("--rounds", type=int, default=3, help="demo / Keras pairs, alternating (default 3)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as out:
        wall([sys.executable, "-m", "reglab", "demo", "--out", f"{out}/warm"])  # fill the compilation cache
        ratios = []
        for i in range(args.rounds):
            demo, _ = wall([sys.executable, "-m", "reglab", "demo", "--out", f"{out}/demo{i}"])
            fit, process = keras_once()
            ratios.append(demo / fit)
            print(f"reglab demo {demo:.1f} s | Keras/JAX one run: fit {fit:.1f} s, process {process:.1f} s "
                  f"| demo / Keras fit = {demo / fit:.2f}", flush=True)
        print(f"median demo / Keras fit over {args.rounds} pairs: {statistics.median(ratios):.2f}")
        if args.sweep:
            sweep, _ = wall([sys.executable, "-m", "reglab", "sweep", "--out", f"{out}/sweep"])
            runs = [keras_once() for _ in range(4)]
            fits, processes = sum(f for f, _ in runs), sum(p for _, p in runs)
            print(f"reglab sweep (128 models) {sweep:.1f} s | 4 Keras/JAX runs: fits {fits:.1f} s, processes "
                  f"{processes:.1f} s | sweep / 4 Keras fits = {sweep / fits:.2f}, / 4 Keras processes = "
                  f"{sweep / processes:.2f}")

if __name__ == "__main__":
    main()
