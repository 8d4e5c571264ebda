"""Weight histograms per layer and the sparsity table beside them."""

from __future__ import annotations

import numpy as np

from .style import grid, log_y


def plot_weight_histograms(runs, bins=61):
    """A row per run, a column per Dense layer: the histogram of the kernel's weights (log counts), with the
    share of exact zeros and of |w| < 1e-3 written on each panel. Returns a Figure."""
    runs = runs if isinstance(runs, (list, tuple)) else [runs]
    n_layers = len(runs[0].params)
    fig, axes = grid(len(runs) * n_layers, n_layers, panel=(3.2, 2.0))
    for r, run in enumerate(runs):
        for i, (layer, stats) in enumerate(zip(run.params, run.layer_stats())):
            ax = axes[r * n_layers + i]
            w = np.asarray(layer["kernel"]).ravel()
            edge = max(float(np.abs(w).max()), 1e-6)
            ax.hist(w, bins=np.linspace(-edge, edge, bins), color="#4c72b0", histtype="stepfilled")
            log_y(ax, 4)
            ax.axvline(0, color="k", lw=0.6)
            ax.text(0.02, 0.95, f"zeros {stats['zeros'] / stats['size']:.0%}\n|w|<1e-3 {stats['below_1e-3'] / stats['size']:.0%}",
                    transform=ax.transAxes, va="top", fontsize=7)
            shape = "×".join(map(str, stats["shape"]))
            ax.set_title(f"{run.name}: layer {i + 1} ({shape})", fontsize=8)
            ax.tick_params(labelsize=7)
    return fig


def sparsity_rows(runs) -> list[dict]:
    """One row per run and layer: the per-layer figures of ``Run.layer_stats`` with the run's name."""
    return [{"model": run.name, **stats} for run in runs for stats in run.layer_stats()]
