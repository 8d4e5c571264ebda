"""What the page draws, as JSON-ready dicts: the data and the plane it is drawn on (``scene``), then one message per
trained model (``model``). Everything the sliders need is in these messages, so the page redraws from them alone.

Arrays travel as base64 of little-endian bytes: probabilities as uint8 (0..255 for 0..1), histories and params as
float32.
"""

import base64

import numpy as np

from ..results import Run, live_units
from ..results.boundary import window
from ..vocabulary.history import snapshot_epochs

GRID = 40  # the decision surface's cells a side
SNAPSHOTS = 16  # epochs kept for the epoch slider
BINS = np.linspace(-8.0, 1.0, 37)  # log10 |w| of the weight histogram; smaller non-zero weights count in the first


def _b64(a, dtype) -> str:
    return base64.b64encode(np.ascontiguousarray(a, dtype).tobytes()).decode()


class Plane:
    """The plane the surface is drawn on: the two inputs themselves, or (more inputs) the first two principal
    components through the data's mean. ``to_inputs`` maps plane points [n, 2] to input rows [n, d]."""

    def __init__(self, split):
        X = np.r_[split.X_train, split.X_val].astype(np.float64)
        if X.shape[1] == 2:
            self.mean, self.basis, self.axes = np.zeros(2), np.eye(2), split.dataset.feature_names[:2]
            (x0, x1), (y0, y1) = window(split)
        else:
            self.mean = X.mean(axis=0)
            self.basis = np.linalg.svd(X - self.mean, full_matrices=False)[2][:2].T  # [d, 2]
            self.axes = ("PC 1", "PC 2")
            P = (X - self.mean) @ self.basis
            lo, hi = P.min(axis=0), P.max(axis=0)
            pad = 0.1 * (hi - lo) + 1e-9
            (x0, y0), (x1, y1) = lo - pad, hi + pad
        self.window = ((float(x0), float(x1)), (float(y0), float(y1)))
        xs, ys = np.linspace(x0, x1, GRID), np.linspace(y0, y1, GRID)
        self.cells = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)  # row-major, y from the bottom

    def project(self, X):
        return (np.asarray(X, np.float64) - self.mean) @ self.basis

    def to_inputs(self, P):
        return self.mean + P @ self.basis.T


def scene(split, plane) -> dict:
    """The data as the page draws it: points on the plane with their class, train or validation; with more than
    two inputs, the plane's ``mean`` [d] and ``basis`` [d, 2] (the page draws the first layer's units on it)."""
    d = split.dataset
    out = {"window": plane.window, "axes": list(plane.axes), "grid": GRID, "classes": [str(c) for c in d.classes],
           "train": {"xy": plane.project(split.X_train).round(4).tolist(), "y": split.y_train.tolist()},
           "val": {"xy": plane.project(split.X_val).round(4).tolist(), "y": split.y_val.tolist()},
           "n_inputs": int(split.X_train.shape[1]),
           "data": f"{d.name}: {len(d.y)} samples, {d.X.shape[1]} inputs, {d.n_classes} classes; "
                   f"{len(split.y_train)} train / {len(split.y_val)} validation"
                   + ("; standardized on the training rows" if split.scaler else "")}
    if split.X_train.shape[1] > 2:
        out.update(mean=plane.mean.tolist(), basis=plane.basis.tolist())
    return out


def model(index, strength, seed, run: Run, plane, n_val) -> dict:
    """One trained model: its history, per-snapshot surface and weight histogram, its final params, figures and
    live units. ``n_val``: validation rows (accuracies are also given as counts of them). A run trained with
    SNAPSHOTS snapshots is drawn at each; one without (a sweep's, from its store) at its final epoch only."""
    epochs = len(run.recorded["data_loss"])
    if run.snapshots is None:
        kept, snapshots = [run.final_epoch], [{k: v[None] for k, v in layer.items()} for layer in run.params]
    else:
        kept, snapshots = snapshot_epochs(epochs, SNAPSHOTS), run.snapshots
    inputs = plane.to_inputs(plane.cells).astype(np.float32)
    surfaces, winners, counts, zeros = [], [], [], []
    for j in range(len(kept)):
        params = [{k: v[j] for k, v in layer.items()} for layer in snapshots]
        proba = Run("", run.config, {}, params, run.classes).predict_proba(inputs, np.float32)
        if proba.shape[1] == 2:
            surfaces.append(proba[:, 1])
        else:
            surfaces.append(proba.max(axis=1))
            winners.append(proba.argmax(axis=1))
        w = np.concatenate([np.abs(layer["kernel"]).ravel() for layer in params])
        nonzero = w[w > 0]
        counts.append(np.histogram(np.clip(np.log10(nonzero), BINS[0], BINS[-1]), BINS)[0].tolist())
        zeros.append(int(np.sum(w == 0)))
    surface = np.round(np.clip(np.nan_to_num(np.array(surfaces), nan=0.5), 0, 1) * 255)
    final = {k: _num(v) for k, v in run.final.items()}
    if "val_accuracy" in final:
        final["val_correct"] = int(round(final["val_accuracy"] * n_val))
    fractions = run.kernel_fractions()
    history = {k: _b64(v, "<f4") for k, v in run.history.items()}  # NaN after an early stop
    return {
        "type": "model", "index": index, "strength": strength, "seed": seed, "name": run.name,
        "epochs": epochs, "snapshot_epochs": kept, "history": history,
        "surface": _b64(surface, np.uint8), "winner": _b64(np.array(winners), np.uint8) if winners else None,
        "hist": {"edges": BINS.tolist(), "counts": counts, "zeros": zeros},
        "final": {**final, "zeros": fractions["zeros"], "below_1e-3": fractions["below_1e-3"],
                  "final_epoch": run.final_epoch, **{k: _num(v) for k, v in run.extra.items()}},
        "architecture": run.effective_architecture(),
        "live": [np.asarray(v).astype(int).tolist() for v in live_units(run.params)],
        "params": [{"shape": list(layer["kernel"].shape), "kernel": _b64(layer["kernel"], "<f4"),
                    "bias": _b64(layer["bias"], "<f4")} for layer in run.params],
        "activation": run.config.activation, "train_seconds": run.train_seconds,
    }


def _num(v):
    """A JSON number, or None for NaN and infinities (JSON has neither)."""
    v = float(v)
    return v if np.isfinite(v) else None
