"""Weight penalties, Keras's formulas: ``l1 * sum(|w|) + l2 * sum(w**2)`` per array (no 1/2 on l2), plus
orthant-wise L1 (``*_l1_prox``) and group-lasso terms whose value counts but which act through engine/sparse.py.

The factors arrive as arrays (one per Dense layer) so that one compiled program serves every lambda.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp


def abs_sum(w):
    """sum(|w|) whose gradient is sign(w), 0 at w == 0 (as TensorFlow's; jnp.abs would give 1 there)."""
    return jnp.sum(w * jax.lax.stop_gradient(jnp.sign(w)))


def penalty(params, coef, proximal=False, groups=False):
    """Total penalty (scalar). ``coef`` holds ``kernel_l1, kernel_l1_prox, kernel_l2, bias_l1, bias_l1_prox,
    bias_l2, group_units, group_inputs``, each [n_layers]. By default only the terms that act through the
    gradient (subgradient L1 and L2); ``proximal`` and ``groups`` add the values of the orthant-wise L1 and
    group-lasso terms, which act through engine/sparse.py (static flags: a program without them skips the work)."""
    total = jnp.float32(0.0)
    for i, layer in enumerate(params):
        for name in ("kernel", "bias"):
            w = layer[name]
            l1 = coef[f"{name}_l1"][i] + (coef[f"{name}_l1_prox"][i] if proximal else 0.0)
            total += l1 * abs_sum(w) + coef[f"{name}_l2"][i] * jnp.sum(w * w)
        if groups:
            k = layer["kernel"]
            total += coef["group_units"][i] * jnp.sum(jnp.sqrt(jnp.sum(k * k, axis=0)))
            total += coef["group_inputs"][i] * jnp.sum(jnp.sqrt(jnp.sum(k * k, axis=1)))
    return total
