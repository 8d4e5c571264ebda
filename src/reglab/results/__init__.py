"""Results as data: runs with histories, parameters and sparsity figures; sweeps in chunks; saved and loaded
without JAX."""

from .metrics import NEAR_ZERO, kernel_fractions, layer_stats
from .run import Run
from .store import SweepStore, load

__all__ = ["Run", "SweepStore", "load", "layer_stats", "kernel_fractions", "NEAR_ZERO"]
