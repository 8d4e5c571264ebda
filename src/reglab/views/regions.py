"""Decision regions of one or many 2-D classifiers, side by side."""

import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import ListedColormap, Normalize
from matplotlib.lines import Line2D

from ..results.boundary import window
from ..vocabulary.errors import ReglabError
from .style import grid

CLASS_COLORS = ["#3b6fb6", "#d1495b", "#2a9d8f", "#e9c46a", "#8d6cab", "#6c757d", "#f4a261", "#264653", "#a3b18a",
                "#bc4749"]


def plot_decision_regions(runs, split, xlim=None, ylim=None, resolution=150, ncols=None, panel=(3.6, 3.2),
                          compact=False, names=None):
    """One panel per run: P(class 1) shaded (binary) or the winning class tinted by its probability (multiclass),
    the 0.5 boundary as a black line, training points as circles and validation points as triangles; ``compact``
    titles (for small panels) give the accuracy as "acc" and the data loss as "loss", and leave out the legend;
    ``names`` title the panels instead of the runs' names.

    ``runs``: a Run or a list of Runs trained on ``split`` (a 2-feature Split). Returns a matplotlib Figure.
    """
    runs = runs if isinstance(runs, (list, tuple)) else [runs]
    if split.X_train.shape[1] != 2:
        raise ReglabError("decision regions", f"{split.X_train.shape[1]} features", "data with exactly 2 features")
    (x0, x1), (y0, y1) = window(split) if xlim is None and ylim is None else (xlim, ylim)
    xx, yy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    grid_points = np.c_[xx.ravel(), yy.ravel()]
    right = 0.95 if split.dataset.n_classes == 2 else 0.2  # room for the probability's colour bar
    fig, axes = grid(len(runs), ncols, panel=panel, sharex=True, sharey=True, left=0.45, bottom=0.35, top=0.5,
                     right=right, wspace=0.3, hspace=0.55)
    k = split.dataset.n_classes
    for ax, run, name in zip(axes, runs, names or [r.name for r in runs]):
        proba = run.predict_proba(grid_points, np.float32)  # float32 halves the cost; a picture needs no more
        if k == 2:
            p1 = proba[:, 1].reshape(xx.shape)
            ax.contourf(xx, yy, p1, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.55, vmin=0, vmax=1)
            ax.contour(xx, yy, p1, levels=[0.5], colors="k", linewidths=1.4)
        else:
            winner = proba.argmax(axis=1).reshape(xx.shape)
            cmap = ListedColormap(CLASS_COLORS[:k])
            ax.imshow(winner, origin="lower", extent=(x0, x1, y0, y1), cmap=cmap, vmin=-0.5, vmax=k - 0.5,
                      alpha=0.25 + 0.35 * (proba.max(axis=1).reshape(xx.shape) - 1 / k) / (1 - 1 / k), aspect="auto")
            ax.contour(xx, yy, winner, levels=np.arange(k) + 0.5, colors="k", linewidths=1.0)
        _points(ax, split, k)
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        part, key = ("val", "val_") if "val_accuracy" in run.final else ("train", "")  # no validation data: train
        acc, loss = run.final[key + "accuracy"], run.final[key + "data_loss"]
        figures = f"acc {acc:.2f}, loss {loss:.3f}" if compact else f"{part} acc {acc:.2f}, {part} data loss {loss:.3f}"
        ax.set_title(f"{name}\n{figures}", fontsize=9)
    marks = [Line2D([], [], ls="", marker=m, color="#888", markeredgecolor=e, markersize=s, label=name)
             for m, e, s, name in (("o", "k", 5, "train"), ("^", "w", 7, "validation"))]  # colour is the class
    if not compact:  # a small panel has no room beside its points: the caption says what the marks mean
        axes[0].legend(handles=marks, loc="lower left", fontsize=8, framealpha=0.8)
    if k == 2:  # a colour bar for P(class 1), in the right margin
        width, height = fig.get_size_inches()
        bar = fig.add_axes([1 - 0.62 / width, 0.35 / height, 0.1 / width, 1 - 0.85 / height])
        fig.colorbar(ScalarMappable(Normalize(0, 1), "RdBu_r"), cax=bar, alpha=0.55)
        bar.set_ylabel(f"P({split.dataset.classes[1]})", fontsize=8)
        bar.tick_params(labelsize=8)
    return fig


def _points(ax, split, k):
    colors = np.array(CLASS_COLORS[:k])
    ax.scatter(*split.X_train.T, c=colors[split.y_train], s=22, edgecolors="k", linewidths=0.6, label="train")
    ax.scatter(*split.X_val.T, c=colors[split.y_val], s=42, marker="^", edgecolors="w", linewidths=0.9,
               label="validation")
