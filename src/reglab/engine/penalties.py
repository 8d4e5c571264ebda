"""Weight penalties, Keras's formulas: ``l1 * sum(|w|) + l2 * sum(w**2)`` per array (no 1/2 on l2).

The factors arrive as arrays (one per Dense layer) so that one compiled program serves every lambda.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp


def abs_sum(w):
    """sum(|w|) whose gradient is sign(w), 0 at w == 0 (as TensorFlow's; jnp.abs would give 1 there)."""
    return jnp.sum(w * jax.lax.stop_gradient(jnp.sign(w)))


def penalty(params, coef):
    """Total penalty (scalar). ``coef`` has ``kernel_l1, kernel_l2, bias_l1, bias_l2``, each [n_layers]."""
    total = jnp.float32(0.0)
    for i, layer in enumerate(params):
        for name in ("kernel", "bias"):
            w = layer[name]
            total += coef[f"{name}_l1"][i] * abs_sum(w) + coef[f"{name}_l2"][i] * jnp.sum(w * w)
    return total
