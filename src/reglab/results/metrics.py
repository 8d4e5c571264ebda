"""Figures about trained weights: sparsity and norms per layer. NumPy only."""

from __future__ import annotations

import numpy as np

NEAR_ZERO = (1e-3, 1e-2)  # the thresholds reported beside exact zeros


def live_units(params) -> list[np.ndarray]:
    """For the inputs and each hidden layer, which units still carry signal: a unit is dead when all its incoming
    weights are exactly zero (hidden units only; it then outputs a constant) or all its outgoing weights are."""
    kernels = [np.asarray(layer["kernel"]) for layer in params]
    alive = [np.any(kernels[0] != 0, axis=1)]  # inputs: some outgoing weight
    for i in range(len(kernels) - 1):
        alive.append(np.any(kernels[i] != 0, axis=0) & np.any(kernels[i + 1] != 0, axis=1))
    return alive


def effective_architecture(params) -> list[int]:
    """Live inputs, live units per hidden layer, outputs: for example [2, 37, 12, 1]."""
    return [int(a.sum()) for a in live_units(params)] + [int(np.asarray(params[-1]["kernel"]).shape[1])]


def layer_stats(params) -> list[dict]:
    """Per Dense layer: kernel shape and size, exact zeros, counts with |w| below 1e-3 and 1e-2, kernel L1 and L2
    norms (sum|w| and sqrt(sum w^2)), the bias L1 norm (biases are not penalized unless asked), and the dead units
    among the layer's outputs (see ``live_units``; 0 for the output layer)."""
    alive = live_units(params)
    rows = []
    for i, layer in enumerate(params):
        w, b = np.asarray(layer["kernel"]), np.asarray(layer["bias"])
        a = np.abs(w)
        rows.append({
            "layer": i,
            "shape": list(w.shape),
            "size": int(w.size),
            "zeros": int(np.count_nonzero(w == 0)),
            "below_1e-3": int(np.count_nonzero(a < NEAR_ZERO[0])),
            "below_1e-2": int(np.count_nonzero(a < NEAR_ZERO[1])),
            "l1": float(a.sum()),
            "l2": float(np.sqrt((w.astype(np.float64) ** 2).sum())),
            "bias_l1": float(np.abs(b).sum()),
            "dead_units": int((~alive[i + 1]).sum()) if i + 1 < len(alive) else 0,
        })
    return rows


def kernel_fractions(stats: list[dict]) -> dict:
    """Fractions of all kernel weights that are exactly zero, and below 1e-3, over every layer."""
    size = sum(s["size"] for s in stats)
    return {"zeros": sum(s["zeros"] for s in stats) / size, "below_1e-3": sum(s["below_1e-3"] for s in stats) / size}
