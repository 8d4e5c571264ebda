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

Group lasso (groups: a kernel's columns = units, or rows = inputs) is a proximal step in the optimizer's own
metric (after ProxGen, Yun, Lozano & Yang, 2021): the optimizer steps on the data loss's gradient alone, landing
at z with per-weight step sizes eta (Adam's ``lr * sqrt(1 - b2^t) / (sqrt(v) + eps)``, the step per unit of
bias-corrected first moment; SGD's ``lr``); each group then lands on
``argmin_u sum_i (u_i - z_i)^2 / (2 eta_i) + lam * ||u||``. That is zero exactly when
``||z / (lam * eta)|| <= 1`` (from a zero group: when the moment of its data gradient is at most lam, the
stationarity condition of the penalized loss), else ``u_i = z_i * r / (r + lam * eta_i)`` with r = ||u|| the root
of a secular equation (``group_prox``). A group's shrinkage thus follows the step sizes Adam gives its weights.
(A pseudo-gradient step, as orthant-wise L1 takes, shrinks each weight by about ``lr`` whatever its group's pull;
the weights of a wide group then seldom all reverse at once, and the group seldom reaches zero.)

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


def group_prox(z, eta, lam, axis, iterations=5):
    """The proximal point of ``lam * sum_g ||u_g||`` from z in the metric of step sizes ``eta`` (like z), for groups
    along ``axis`` of a kernel (0: columns = units, 1: rows = inputs); z where ``lam`` == 0. ``lam``: one factor,
    or one per group (a vector [n_groups]).

    With ``c = lam * eta``, a non-zero group is ``u = z * r / (r + c)`` where r = ||u|| solves
    ``||z / (r + c)|| = 1``. ``1 / ||z / (r + c)||`` is concave and increasing in r (Moré & Sorensen's trust-region
    secular function), so Newton's method from r = 0 climbs to the root without passing it; it is exact in one step
    when the group's step sizes are equal, and 5 iterations reach float32's precision for step sizes spread over
    many decades."""
    lam = jnp.expand_dims(lam, axis) if jnp.ndim(lam) == 1 else lam  # a group's factor beside its weights
    c = lam * eta
    safe = jnp.maximum(c, 1e-30)
    norm = lambda r: jnp.sqrt(jnp.sum((z / (r + safe)) ** 2, axis=axis, keepdims=True))  # noqa: E731
    zero = norm(0.0) <= 1.0
    r = jnp.zeros_like(norm(0.0))
    for _ in range(iterations):
        s = norm(r)
        slope = jnp.sum(z * z / (r + safe) ** 3, axis=axis, keepdims=True) / s**3  # d(1/s)/dr
        r = jnp.where(zero, 0.0, r + (1.0 - 1.0 / s) / jnp.maximum(slope, 1e-30))
    shrunk = jnp.where(zero, 0.0, z * r / (r + safe))
    return jnp.where(lam > 0, shrunk, z)


def max_norm(kernel, limit):
    """Keras ``MaxNorm(limit, axis=0)`` on a kernel [fan_in, fan_out]; ``limit`` = inf leaves it alone."""
    norm = jnp.sqrt(jnp.sum(kernel * kernel, axis=0, keepdims=True))
    scaled = kernel * jnp.clip(norm, 0.0, limit) / (EPSILON + norm)
    return jnp.where(jnp.isfinite(limit), scaled, kernel)
