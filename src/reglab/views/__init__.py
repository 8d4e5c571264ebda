"""Figures and the HTML report. Views take results (``Run`` objects and a ``Split``), never the engine, so a
saved study can be redrawn without JAX."""

from .curves import plot_loss_curves
from .lambda_paths import best_rows, plot_path, plot_sparsity_path
from .regions import plot_decision_regions
from .weights import plot_weight_histograms, sparsity_rows

__all__ = ["plot_path", "plot_sparsity_path", "best_rows", "plot_decision_regions", "plot_loss_curves",
           "plot_weight_histograms", "sparsity_rows"]
