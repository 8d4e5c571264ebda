"""Steps that make weights exactly zero or bound them, applied around the optimizer's update.

Orthant-wise L1 (for ``method="proximal"``), after OWL-QN (Andrew & Gao, 2007, "Scalable training of
L1-regularized log-linear models") with the optimizer's own direction in place of L-BFGS's, as in OBProx-SG
(Chen et al., 2020). For a weight w with data-loss gradient g and factor lam:

- pseudo-gradient p = g + lam * sign(w) where w != 0; where w == 0, p = sign(g) * max(|g| - lam, 0), so a zero
  weight moves only when the data loss pulls harder than the penalty (zeros can come back to life);
- the optimizer (Adam or SGD) steps on p as on any gradient;
- orthant projection: a weight whose step would cross zero (leave the orthant sign(w), or -sign(p) from zero)
  is set to exactly 0.

Measured on the lecture's problem (``shared/design/l1-under-adam.md``): at lambda = 0.001 about 99% of the hidden
weights end exactly zero with a penalized objective no higher than the subgradient method's.

Group lasso: after the step, each group w_g (a kernel column or row) shrinks as
``w_g * max(0, 1 - tau_g / ||w_g||)`` with ``tau_g = lam * mean_g(step size)``: the proximal operator of
``lam * ||w_g||`` for SGD (step = learning rate), and its diagonal-preconditioner approximation for Adam (step =
lr * sqrt(1 - b2^t) / (sqrt(v) + eps), Adam's per-weight step without the 1/(1 - b1^t) warm-up factor, which made
the network collapse at lambda = 0.01 in the measurements above).

Max-norm: Keras's ``MaxNorm(c, axis=0)``: each unit's incoming weights are scaled to norm at most c.
"""

from __future__ import annotations

import jax.numpy as jnp

EPSILON = 1e-7  # Keras's backend epsilon, used by MaxNorm


def pseudo_gradient(g, w, lam):
    """The L1 pseudo-gradient for factor ``lam`` (equals g where lam == 0)."""
    at_zero = jnp.sign(g) * jnp.maximum(jnp.abs(g) - lam, 0.0)
    return jnp.where(w != 0, g + lam * jnp.sign(w), at_zero)


def orthant_project(z, w, p, lam):
    """Zero the entries of the stepped weights z that left their orthant; untouched where lam == 0."""
    orthant = jnp.where(w != 0, jnp.sign(w), -jnp.sign(p))
    projected = jnp.where(jnp.sign(z) == orthant, z, 0.0)
    return jnp.where(lam > 0, projected, z)


def group_shrink(kernel, steps, lam_units, lam_inputs):
    """Block soft-threshold of a kernel [fan_in, fan_out]: columns (units) by ``lam_units``, rows (inputs) by
    ``lam_inputs``; ``steps`` holds each weight's last step size, same shape."""
    for lam, axis in ((lam_units, 0), (lam_inputs, 1)):
        norm = jnp.sqrt(jnp.sum(kernel * kernel, axis=axis, keepdims=True))
        tau = lam * jnp.mean(steps, axis=axis, keepdims=True)
        scale = jnp.maximum(0.0, 1.0 - tau / jnp.maximum(norm, 1e-30))
        kernel = jnp.where(lam > 0, kernel * scale, kernel)
    return kernel


def max_norm(kernel, limit):
    """Keras ``MaxNorm(limit, axis=0)`` on a kernel [fan_in, fan_out]; ``limit`` = inf leaves it alone."""
    norm = jnp.sqrt(jnp.sum(kernel * kernel, axis=0, keepdims=True))
    scaled = kernel * jnp.clip(norm, 0.0, limit) / (EPSILON + norm)
    return jnp.where(jnp.isfinite(limit), scaled, kernel)
