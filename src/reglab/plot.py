"""Plot helpers for notebooks, each returning a matplotlib Figure: ``reglab.plot.decision_regions(runs, split)``,
``reglab.plot.loss_curves(runs)``, ``reglab.plot.weights(runs)``."""

from .views import plot_decision_regions as decision_regions
from .views import plot_loss_curves as loss_curves
from .views import plot_weight_histograms as weights

__all__ = ["decision_regions", "loss_curves", "weights"]
