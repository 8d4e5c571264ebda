"""Weight histograms per layer and the sparsity table beside them."""

import numpy as np

from .style import grid, log_y


def plot_weight_histograms(runs, bins=81):
    """A panel per Dense layer: the histogram of each run's kernel weights drawn as an outline over shared bins
    (log counts), so that widths compare directly; the legend gives each run's share of exact zeros and of
    |w| < 1e-3 in that layer, below the panel, off the spike at zero the figure exists to show. Returns a Figure."""
    runs = runs if isinstance(runs, (list, tuple)) else [runs]
    n_layers = len(runs[0].params)
    fig, axes = grid(n_layers, n_layers, panel=(3.9, 3.4), left=0.75, wspace=0.6, bottom=0.6 + 0.17 * len(runs))
    for i, ax in enumerate(axes):
        kernels = [np.asarray(run.params[i]["kernel"]).ravel() for run in runs]
        edge = max(max(float(np.abs(w).max()) for w in kernels), 1e-6)
        for run, w in zip(runs, kernels):
            stats = run.layer_stats()[i]
            zeros, small = stats["zeros"] / stats["size"], stats["below_1e-3"] / stats["size"]
            label = f"{run.name} ({zeros:.0%} = 0, {small:.0%} < 1e-3)"
            ax.hist(w, bins=np.linspace(-edge, edge, bins), histtype="step", lw=1.3, label=label)
        log_y(ax, 4)
        shape = "×".join(map(str, runs[0].layer_stats()[i]["shape"]))
        ax.set_title(f"layer {i + 1} kernel ({shape})", fontsize=10)
        ax.set_xlabel("weight w", fontsize=9)
        ax.tick_params(labelsize=8)
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16), bbox_transform=ax.transAxes,
                  borderaxespad=1.2, frameon=False, handlelength=1.5)
    axes[0].set_ylabel("count")
    return fig


def sparsity_rows(runs) -> list[dict]:
    """One row per run and layer: the per-layer figures of ``Run.layer_stats`` with the run's name."""
    return [{"model": run.name, **stats} for run in runs for stats in run.layer_stats()]
