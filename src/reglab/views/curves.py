"""Loss curves with the penalty kept apart from the data loss."""

import numpy as np

from .style import PENALTY_COLOR, TRAIN_COLOR, VAL_COLOR, columns, grid, log_y


def plot_loss_curves(runs, log=True, ncols=None):
    """One panel per run against epochs: training and validation *data* loss (solid), the Keras-comparable totals
    ``loss`` and ``val_loss`` (dotted; they include the penalty) and the penalty itself (grey dashed).

    A log y-axis by default, one per panel: an unregularized model drives its training loss towards 1e-6, which
    would squeeze the regularized models' curves into one decade of a shared axis. Returns a Figure.
    """
    runs = runs if isinstance(runs, (list, tuple)) else [runs]
    n_keys = 5 if any(np.any(run.history["penalty"] > 0) for run in runs) else 2
    panel = (3.6, 3.2)
    ncols = columns(len(runs), panel[0], ncols)
    legend_cols = max(1, min(n_keys, int(panel[0] * ncols / 1.8)))  # ~1.7 inches an entry
    legend_rows = -(-n_keys // legend_cols)
    fig, axes = grid(len(runs), ncols, panel, left=0.8, bottom=0.65 + 0.2 * legend_rows)
    for ax, run in zip(axes, runs):
        h = run.history
        epochs = np.arange(1, len(h["data_loss"]) + 1)
        ax.plot(epochs, h["data_loss"], color=TRAIN_COLOR, lw=1.4, label="train data loss")
        if "val_data_loss" in h:  # a run without validation data has none
            ax.plot(epochs, h["val_data_loss"], color=VAL_COLOR, lw=1.4, label="validation data loss")
        if np.any(h["penalty"] > 0):
            ax.plot(epochs, h["loss"], color=TRAIN_COLOR, lw=1, ls=":", label="train loss (with penalty)")
            if "val_loss" in h:
                ax.plot(epochs, h["val_loss"], color=VAL_COLOR, lw=1, ls=":", label="val loss (with penalty)")
            ax.plot(epochs, h["penalty"], color=PENALTY_COLOR, lw=1.2, ls="--", label="penalty")
        if log:
            log_y(ax)
        ax.set_xlabel("epoch")
        ax.set_title(run.name, fontsize=10)
        ax.grid(alpha=0.3)
    for ax in axes:
        if ax.get_subplotspec().is_first_col():
            ax.set_ylabel("loss")
    handles = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(label, handle)
    fig.legend(handles.values(), handles.keys(), loc="lower center", ncols=legend_cols, fontsize=9, frameon=False)
    return fig
