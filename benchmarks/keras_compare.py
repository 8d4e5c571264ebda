"""Compare reglab with Keras itself on the lecture's configurations, over several seeds (not run by the tests).

Needs Keras 3 in the environment (a development-only extra, never a reglab dependency), run on its JAX backend:

    pip install "keras>=3.10" && python benchmarks/keras_compare.py --seeds 3

Seeds drive different random streams in the two libraries, so single runs differ; the printed means and spreads
over seeds are what should agree. Keras on JAX clips probabilities at 1e-7 in its cross-entropy (TensorFlow and
reglab do not), which only shows once the unregularized training loss nears 1e-7.
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np  # noqa: E402

import reglab  # noqa: E402
from reglab import data  # noqa: E402

CONFIGS = {"none": None, "l1(0.001)": reglab.l1(0.001), "l2(0.01)": reglab.l2(0.01)}
FIGURES = ("data_loss", "val_data_loss", "val_accuracy", "penalty", "hidden_l1", "hidden_zeros")


def keras_run(split, reg, seed, epochs):
    import keras

    keras.utils.set_random_seed(seed)
    make_reg = (lambda: None) if reg is None else (lambda: keras.regularizers.L1L2(l1=reg.l1, l2=reg.l2))
    model = keras.Sequential([
        keras.Input((2,)),
        keras.layers.Dense(128, activation="relu", kernel_regularizer=make_reg()),
        keras.layers.Dense(128, activation="relu", kernel_regularizer=make_reg()),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.Adam(0.01), metrics=["accuracy"])
    X = np.r_[split.X_train, split.X_val]
    y = np.r_[split.y_train, split.y_val].astype("float32")
    start = time.perf_counter()
    history = model.fit(X, y, epochs=epochs, validation_split=0.2, verbose=0).history
    seconds = time.perf_counter() - start
    kernels = [layer.get_weights()[0] for layer in model.layers[:2]]
    penalty = 0.0 if reg is None else sum(reg.l1 * np.abs(k).sum() + reg.l2 * (k**2).sum() for k in kernels)
    return {
        "data_loss": history["loss"][-1] - penalty,  # Keras's epoch loss includes the (batch-averaged) penalty
        "val_data_loss": history["val_loss"][-1] - penalty,
        "val_accuracy": history["val_accuracy"][-1],
        "penalty": penalty,
        "hidden_l1": float(sum(np.abs(k).sum() for k in kernels)),
        "hidden_zeros": int(sum((k == 0).sum() for k in kernels)),
    }, seconds


def reglab_run(split, reg, seed, epochs):
    run = reglab.fit(split, learning_rate=0.01, epochs=epochs, seed=seed, kernel_regularizer=reg)
    hidden = run.layer_stats()[:2]
    return {**{k: run.final[k] for k in FIGURES[:4]}, "hidden_l1": sum(s["l1"] for s in hidden),
            "hidden_zeros": sum(s["zeros"] for s in hidden)}, run.train_seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=2000)
    args = parser.parse_args()
    split = data.split(data.moons())
    print(f"{'config':10} {'figure':14} {'keras mean ± sd':>24} {'reglab mean ± sd':>24}")
    for name, reg in CONFIGS.items():
        results = {"keras": [], "reglab": []}
        seconds = {"keras": [], "reglab": []}
        for seed in range(args.seeds):
            for lib, fn in (("keras", keras_run), ("reglab", reglab_run)):
                figures, s = fn(split, reg, seed, args.epochs)
                results[lib].append(figures)
                seconds[lib].append(s)
        for fig in FIGURES:
            cells = []
            for lib in ("keras", "reglab"):
                values = [r[fig] for r in results[lib]]
                sd = statistics.stdev(values) if len(values) > 1 else 0.0
                cells.append(f"{statistics.mean(values):11.4g} ± {sd:<10.3g}")
            print(f"{name:10} {fig:14} {cells[0]:>24} {cells[1]:>24}")
        keras_s, reglab_s = statistics.mean(seconds["keras"]), statistics.mean(seconds["reglab"])
        print(f"{name:10} {'fit seconds':14} {keras_s:11.2f}{'':13} {reglab_s:11.2f}")


if __name__ == "__main__":
    main()
