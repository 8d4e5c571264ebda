"""Figures about trained weights: sparsity and norms per layer. NumPy only."""

import numpy as np

NEAR_ZERO = (1e-3, 1e-2)  # the thresholds reported beside exact zeros


def live_units(params) -> list[np.ndarray]:
    """For the inputs and each hidden layer, which units still carry signal from the inputs to the output through
    non-zero weights. A hidden unit whose incoming weights are all zero outputs a constant, and one whose outgoing
    weights all are (or lead only to dead units) is never heard: both are dead, and an input is unused when none of
    its paths reaches the output."""
    nonzero = [np.asarray(layer["kernel"]) != 0 for layer in params]
    reaches_output = [np.ones(nonzero[-1].shape[1], bool)]
    for k in reversed(nonzero):
        reaches_output.insert(0, np.any(k[:, reaches_output[0]], axis=1))
    reached = [np.ones(nonzero[0].shape[0], bool)]
    for k in nonzero[:-1]:
        reached.append(np.any(k[reached[-1], :], axis=0))
    return [r & b for r, b in zip(reached, reaches_output[:-1])]


def effective_architecture(params) -> list[int]:
    """Live inputs, live units per hidden layer, outputs: for example [2, 37, 12, 1]."""
    return [int(a.sum()) for a in live_units(params)] + [int(np.asarray(params[-1]["kernel"]).shape[1])]


def layer_stats(params) -> list[dict]:
    """Per Dense layer (numbered from 1, as Keras's summary lists them): kernel shape and size, exact zeros, counts
    with |w| below 1e-3 and 1e-2, kernel L1 and L2 norms (sum|w| and sqrt(sum w^2)), the bias L1 norm (biases are
    not penalized unless asked), and the dead units among the layer's outputs (see ``live_units``; 0 for the output
    layer)."""
    alive = live_units(params)
    rows = []
    for i, layer in enumerate(params):
        w, b = np.asarray(layer["kernel"]), np.asarray(layer["bias"])
        a = np.abs(w)
        rows.append({"layer": i + 1, "shape": list(w.shape), "size": int(w.size),
                     "zeros": int(np.count_nonzero(w == 0)),
                     "below_1e-3": int(np.count_nonzero(a < NEAR_ZERO[0])),
                     "below_1e-2": int(np.count_nonzero(a < NEAR_ZERO[1])),
                     "l1": float(a.sum()), "l2": float(np.sqrt((w.astype(np.float64) ** 2).sum())),
                     "bias_l1": float(np.abs(b).sum()),
                     "dead_units": int((~alive[i + 1]).sum()) if i + 1 < len(alive) else 0})
    return rows


def kernel_fractions(stats: list[dict]) -> dict:
    """Fractions of all kernel weights that are exactly zero, and below 1e-3, over every layer."""
    size = sum(s["size"] for s in stats)
    return {"zeros": sum(s["zeros"] for s in stats) / size, "below_1e-3": sum(s["below_1e-3"] for s in stats) / size}
