"""Results as data: runs with histories, parameters and sparsity figures; sweeps in chunks; saved and loaded
without JAX."""

from .card import Runs
from .metrics import NEAR_ZERO, effective_architecture, kernel_fractions, layer_stats, live_units
from .run import Run
from .store import SweepStore, first_corner, load, load_sweep

__all__ = ["Run", "Runs", "SweepStore", "load", "load_sweep", "first_corner", "layer_stats", "kernel_fractions",
           "effective_architecture", "live_units", "NEAR_ZERO"]
