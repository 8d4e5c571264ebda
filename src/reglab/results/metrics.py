"""Figures about trained weights: sparsity and norms per layer. NumPy only."""

from __future__ import annotations

import numpy as np

NEAR_ZERO = (1e-3, 1e-2)  # the thresholds reported beside exact zeros


def layer_stats(params) -> list[dict]:
    """Per Dense layer: kernel shape and size, exact zeros, counts with |w| below 1e-3 and 1e-2, kernel L1 and L2
    norms (sum|w| and sqrt(sum w^2)), and the bias L1 norm (biases are not penalized unless asked)."""
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
        })
    return rows


def kernel_fractions(stats: list[dict]) -> dict:
    """Fractions of all kernel weights that are exactly zero, and below 1e-3, over every layer."""
    size = sum(s["size"] for s in stats)
    return {"zeros": sum(s["zeros"] for s in stats) / size, "below_1e-3": sum(s["below_1e-3"] for s in stats) / size}
