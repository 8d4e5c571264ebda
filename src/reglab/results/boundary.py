"""How complex a 2-D binary classifier's decision boundary is: the length of its P = 0.5 line inside a plotting
window (in the data's units) and the number of separate pieces it is drawn in. NumPy and contourpy (matplotlib's
contouring) only."""

import numpy as np

SEED_WINDOW = ((-2.0, 3.0), (-1.5, 2.0))  # the lecture's plt.xlim / plt.ylim for moons


def window(split):
    """The lecture's window for moons, else the data's bounding box with a 10% margin: ((x0, x1), (y0, y1))."""
    if split.dataset.name == "moons":
        return SEED_WINDOW
    X = np.r_[split.X_train, split.X_val]
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = 0.1 * (hi - lo) + 1e-9
    return (lo[0] - pad[0], hi[0] + pad[0]), (lo[1] - pad[1], hi[1] + pad[1])


def applies(split) -> bool:
    """Boundary length is measured for binary classifiers of two inputs."""
    return split.X_train.shape[1] == 2 and split.dataset.n_classes == 2


def measure(run, area, resolution=150) -> dict:
    """``{"boundary_length", "boundary_pieces"}`` of ``run``'s logit-0 (P = 0.5) line inside ``area`` ((x0, x1),
    (y0, y1)), traced on a ``resolution`` x ``resolution`` grid (linear interpolation between grid points: about
    0.3% short of the limit at 150 on the lecture's window)."""
    import contourpy

    (x0, x1), (y0, y1) = area
    xx, yy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    z = run.decision_function(np.c_[xx.ravel(), yy.ravel()], np.float32)[:, 0].reshape(xx.shape)
    lines = contourpy.contour_generator(xx, yy, z).lines(0.0)
    return {"boundary_length": sum(float(np.sum(np.hypot(*np.diff(line, axis=0).T))) for line in lines),
            "boundary_pieces": len(lines)}


def measure_params(config, classes, area, params, resolution=150) -> dict:
    """``measure`` of the model ``config`` with weights ``params`` (as the engine returns them)."""
    from .run import Run

    return measure(Run("", config, {}, params, classes), area, resolution)
