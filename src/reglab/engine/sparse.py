"""The math of the steps that make weights exactly zero or bound them (engine/chain.py wraps them around the
optimizer's update).

Orthant-wise L1 (for ``method="proximal"``), after OWL-QN (Andrew & Gao, 2007, "Scalable training of
L1-regularized log-linear models") with the optimizer's own direction in place of L-BFGS's, as in OBProx-SG
(Chen et al., 2020). For a weight w with data-loss gradient g and factor lam:

- pseudo-gradient p = g + lam * sign(w) where w != 0; where w == 0, p = sign(g) * max(|g| - lam, 0), so a zero
  weight moves only when the data loss pulls harder than the penalty (zeros can come back to life);
- the optimizer (Adam or SGD) steps on p as on any gradient;
- orthant projection: a weight whose step would cross zero (leave the orthant sign(w), or -sign(p) from zero)
  is set to exactly 0.

Group lasso (groups: a kernel's columns = units, or rows = inputs) extends the same idea to groups: the
pseudo-gradient adds ``lam * w_g / ||w_g||`` (from zero: the gradient block-soft-thresholded by lam), the optimizer
steps on it, and a group whose step passes through the origin is set to exactly zero.

Max-norm: Keras's ``MaxNorm(c, axis=0)``: each unit's incoming weights are scaled to norm at most c.
"""

import jax.numpy as jnp

EPSILON = 1e-7  # Keras's backend epsilon, used by MaxNorm


def pseudo_gradient(g, w, lam):
    """The L1 pseudo-gradient for factor ``lam`` (equals g where lam == 0)."""
    at_zero = g - jnp.clip(g, -lam, lam)  # sign(g) * max(|g| - lam, 0)
    return jnp.where(w != 0, g + lam * jnp.sign(w), at_zero)


def orthant_project(z, w, p, lam):
    """Zero the entries of the stepped weights z that left their orthant; untouched where lam == 0."""
    orthant = jnp.where(w != 0, jnp.sign(w), -jnp.sign(p))
    return jnp.where((lam > 0) & (z * orthant <= 0), 0.0, z)


def group_pseudo_gradient(g, w, lam, axis):
    """Group lasso's pseudo-gradient for groups along ``axis`` of a kernel (0: columns = units, 1: rows = inputs):
    ``g + lam * w_g / ||w_g||`` for a non-zero group; for a zero group the smallest subgradient,
    ``g_g * max(0, 1 - lam / ||g_g||)`` (zero unless the data loss pulls harder than the penalty)."""
    w_norm = jnp.sqrt(jnp.sum(w * w, axis=axis, keepdims=True))
    g_norm = jnp.sqrt(jnp.sum(g * g, axis=axis, keepdims=True))
    moving = g + lam * w / jnp.maximum(w_norm, 1e-30)
    at_zero = g * jnp.maximum(0.0, 1.0 - lam / jnp.maximum(g_norm, 1e-30))
    return jnp.where(w_norm > 0, moving, at_zero)


def group_project(z, w, p, lam, axis):
    """A group whose step passes through the origin (its new weights point against the old ones, or, from zero,
    against the pseudo-gradient's descent direction) is set to exactly zero; untouched where lam == 0."""
    w_norm = jnp.sqrt(jnp.sum(w * w, axis=axis, keepdims=True))
    direction = jnp.where(w_norm > 0, w, -p)
    keep = jnp.sum(z * direction, axis=axis, keepdims=True) > 0
    return jnp.where(lam > 0, jnp.where(keep, z, 0.0), z)


def max_norm(kernel, limit):
    """Keras ``MaxNorm(limit, axis=0)`` on a kernel [fan_in, fan_out]; ``limit`` = inf leaves it alone."""
    norm = jnp.sqrt(jnp.sum(kernel * kernel, axis=0, keepdims=True))
    scaled = kernel * jnp.clip(norm, 0.0, limit) / (EPSILON + norm)
    return jnp.where(jnp.isfinite(limit), scaled, kernel)
