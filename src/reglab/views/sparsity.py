"""Figures of where the weights went: kernels as images with exact zeros blank, sorted magnitudes, kernel against
bias norms, and each input feature's outgoing weight norm."""

import numpy as np
from matplotlib.colors import TwoSlopeNorm

from .style import grid, log_y

ZERO_COLOR = "#c0392b"


def plot_weight_matrices(runs, layers=None):
    """A row per run, a column per Dense layer: the kernel [fan_in, fan_out] as an image of its true shape, one
    square per weight (a thin kernel lies down as a strip, its rows drawn at least 0.15 inch tall so that a 2×128 or
    128×1 kernel stays visible as what it is, not a square), coloured by w / max|w| of the panel
    (blue negative, red positive, grey near zero, exact zeros white, one colour bar for all), with the share of
    exact zeros in the title and the model's name above its row. Returns a Figure."""
    runs = runs if isinstance(runs, (list, tuple)) else [runs]
    layers = list(range(len(runs[0].params))) if layers is None else list(layers)
    fig, axes = grid(len(runs) * len(layers), len(layers), panel=(2.6, 2.6), left=0.35, right=1.1, bottom=0.35,
                     top=0.6, wspace=0.2, hspace=0.6)
    for r, run in enumerate(runs):
        for c, i in enumerate(layers):
            ax = axes[r * len(layers) + c]
            w = np.asarray(run.params[i]["kernel"], np.float64)
            rows, cols = "inputs", f"units of layer {i + 1}"
            if w.shape[0] > 8 * w.shape[1]:  # a thin kernel reads better lying down
                w, rows, cols = w.T, cols, "inputs"
            masked = np.ma.masked_where(w == 0, w / max(np.abs(w).max(), 1e-12))
            ax.set_facecolor("white")  # masked (exactly zero) cells show the white background
            # coolwarm is grey at 0, so tiny non-zero weights stay visibly grey and only exact zeros are blank
            cell = ax.get_position().width * fig.get_size_inches()[0] / w.shape[1]  # inches per weight
            image = ax.imshow(masked, cmap="coolwarm", norm=TwoSlopeNorm(0.0, -1.0, 1.0),
                              aspect=max(1.0, 0.15 / cell) if w.shape[0] < 8 else "equal", interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_xlabel(f"{cols} ({w.shape[1]})", fontsize=8, labelpad=2)
            ax.set_ylabel(f"{rows} ({w.shape[0]})", fontsize=8, labelpad=2)
            ax.set_title(f"layer {i + 1}: {float(np.mean(w == 0)):.1%} exactly 0", fontsize=8)
            if c == 0:  # the model's name heads its row, free to run over the row's width
                ax.annotate(run.name, (0, 1), xycoords="axes fraction", xytext=(0, 16), textcoords="offset points",
                            fontsize=9, fontweight="bold", va="bottom")
    width, height = fig.get_size_inches()
    bar = fig.add_axes([1 - 0.85 / width, 0.25, 0.1 / width, 0.5])
    fig.colorbar(image, cax=bar).set_label("w / max|w| of its panel (white: exactly 0)", fontsize=8)
    bar.tick_params(labelsize=8)
    return fig


def plot_magnitude_histogram(runs, layer=1, bins=60):
    """How big one kernel's weights are, per run: a histogram of |w| on a log scale (outlines over shared bins),
    with the exact zeros counted in a bin of their own at the left. L2 moves the whole distribution down smoothly;
    a sparse method moves weights into the zero bin. Returns a Figure."""
    kernels = [np.abs(np.asarray(run.params[layer]["kernel"], np.float64)).ravel() for run in runs]
    logs = np.concatenate([np.log10(k[k > 0]) for k in kernels] + [np.zeros(1)])
    lo, hi = np.floor(logs.min()), np.ceil(logs.max())
    zero_at, width = lo - 2.0, 1.2 / len(runs)
    fig, (ax,) = grid(1, 1, panel=(7.0, 4.2), left=0.8, top=0.2, bottom=0.85 + 0.1 * len(runs))
    for i, (run, k) in enumerate(zip(runs, kernels)):
        share = float(np.mean(k == 0))
        ax.hist(np.log10(k[k > 0]), bins=np.linspace(lo, hi, bins + 1), histtype="step", lw=1.4, color=f"C{i}",
                label=f"{run.name}: {share:.1%} exactly 0")
        if share:
            ax.bar(zero_at + (i - (len(runs) - 1) / 2) * width, np.sum(k == 0), width, color=f"C{i}")
    ax.axvline(lo - 1.0, color="k", lw=0.8, ls=":")  # exact zeros to the left, magnitudes to the right
    step = max(1, int(np.ceil((hi - lo) / 8)))
    ticks = np.arange(lo, hi + 1, step)
    ax.set_xticks([zero_at, *ticks], ["0", *[f"1e{int(t)}" for t in ticks]], fontsize=8)
    log_y(ax)
    ax.set_xlabel(f"|w| of layer {layer + 1}'s kernel (log scale; exact zeros in the bin at the left)", fontsize=9)
    ax.set_ylabel("weights", fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncols=2, frameon=False)  # off the data
    return fig


def plot_kernel_and_bias_norms(runs):
    """Per run, the L2 norm of the kernels and of the biases of the hidden layers, side by side: penalties act on
    kernels only (unless a bias_regularizer is given), so the biases are left alone. Returns a Figure."""
    per_run = max(1.3, 0.07 * max(len(r.name) for r in runs))  # room for the name under its bars, in 8-point type
    fig, (ax,) = grid(1, 1, panel=(per_run * len(runs) + 1.2, 3.6), top=0.45, bottom=0.5, left=0.8)
    x = np.arange(len(runs))

    def norm(run, key):
        return float(np.sqrt(sum(np.sum(np.asarray(layer[key], np.float64) ** 2) for layer in run.params[:-1])))

    ax.bar(x - 0.2, [norm(r, "kernel") for r in runs], 0.4, label="hidden kernels ‖W‖₂", color="#4c72b0")
    ax.bar(x + 0.2, [norm(r, "bias") for r in runs], 0.4, label="hidden biases ‖b‖₂", color="#dd8452")
    ax.set_xticks(x, [r.name for r in runs], fontsize=8)
    ax.set_ylabel("L2 norm", fontsize=9)
    ax.tick_params(axis="y", labelsize=8)
    ax.legend(fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=2, frameon=False)  # off the bars
    ax.grid(alpha=0.3, axis="y")
    return fig


def input_norms(run) -> np.ndarray:
    """Each input feature's outgoing weight norm ||W1[i, :]||_2, counted 0 for an input that reaches the output
    through no live path (see results.live_units)."""
    from ..results import live_units

    norms = np.linalg.norm(np.asarray(run.params[0]["kernel"], np.float64), axis=1)
    return np.where(live_units(run.params)[0], norms, 0.0)


def plot_input_norms(runs, feature_names=None, informative=None):
    """A panel per run: a bar per input feature, its outgoing weight norm (log scale); truly informative features
    (when known) in orange; features the model no longer uses marked ✕ on the axis. Returns a Figure."""
    runs = runs if isinstance(runs, (list, tuple)) else [runs]
    n = np.asarray(runs[0].params[0]["kernel"]).shape[0]
    names = [_short(name) for name in (feature_names or [f"x{i + 1}" for i in range(n)])]
    room = 0.25 + 0.07 * max(len(name) for name in names)  # names run downwards, about 0.07 inch a character at 8 pt
    # the figure grows by the names' room: the panels keep their 2.2 inches however long the names
    fig, axes = grid(len(runs), 1, panel=(7.5, 2.2 + room / len(runs)), sharex=True, left=0.8, hspace=0.45,
                     bottom=room)
    truth = np.zeros(n, bool)
    truth[list(informative or [])] = True
    for ax, run in zip(axes, runs):
        norms = input_norms(run)
        colors = np.where(truth, "#dd8452", "#4c72b0")
        used = norms > 0
        ax.bar(np.flatnonzero(used), norms[used], color=colors[used])
        floor = norms[used].min() / 3 if used.any() else 1e-3
        ax.plot(np.flatnonzero(~used), np.full((~used).sum(), floor), "x", color=ZERO_COLOR, ms=6)
        log_y(ax, 4)
        ax.set_ylim(bottom=floor / 2)
        ax.set_title(f"{run.name}: {used.sum()} of {n} inputs used", fontsize=9)
        ax.set_ylabel("‖W₁[i,:]‖₂", fontsize=8)
    axes[-1].set_xticks(np.arange(n), names, fontsize=8, rotation=90)
    return fig


def _short(name, most=24) -> str:
    """A feature's name for an axis: at most ``most`` characters, the cut marked with an ellipsis."""
    name = str(name)
    return name if len(name) <= most else name[:most - 1] + "…"


def selection_scores(run, informative) -> dict:
    """Precision and recall of the used inputs (non-zero paths to the output) against the informative ones."""
    used = set(np.flatnonzero(input_norms(run) > 0).tolist())
    truth = set(informative)
    hits = len(used & truth)
    return {"selected": len(used), "precision": hits / len(used) if used else 0.0, "recall": hits / len(truth)}
