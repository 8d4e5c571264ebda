"""Results as data: runs with histories, parameters and sparsity figures; saved and loaded without JAX."""

from .metrics import NEAR_ZERO, kernel_fractions, layer_stats
from .run import Run

__all__ = ["Run", "layer_stats", "kernel_fractions", "NEAR_ZERO"]
