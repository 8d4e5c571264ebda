"""Penalty terms, Keras's formulas: ``l1 * sum(|w|) + l2 * sum(w**2)`` per array (no 1/2 on l2), group lasso's
``group * sum_g ||w_g||_2``, and Keras's activity regularization on hidden outputs.

Factors are traced arrays, so one compiled program serves every lambda. Weight factors come as pytrees shaped like
the params (``[{"kernel": f, "bias": f}, ...]``), where None means "no such term" and is left out of the program.
"""

import jax
import jax.numpy as jnp


@jax.custom_jvp
def abs_sum(w):
    """sum(|w|) whose gradient is sign(w), 0 at w == 0 (as TensorFlow's; ``jnp.abs`` differentiates to 1 there).

    A custom JVP rather than ``sum(w * stop_gradient(sign(w)))``: the value is a plain reduction of |w| and sign(w)
    appears only where the gradient is used."""
    return jnp.sum(jnp.abs(w))


@abs_sum.defjvp
def _abs_sum_jvp(primals, tangents):
    (w,), (t,) = primals, tangents
    return abs_sum(w), jnp.sum(jnp.sign(w) * t)


def weights(params, l1, l2=None):
    """``sum over arrays of l1 * sum|w| + l2 * sum w**2`` (scalar); ``l1``, ``l2``: factor trees like ``params``."""
    l2 = l2 or [{} for _ in params]
    total = jnp.float32(0.0)
    for layer, a, b in zip(params, l1, l2):
        for name, w in layer.items():
            if a.get(name) is not None:
                total += a[name] * abs_sum(w)
            if b.get(name) is not None:
                total += b[name] * jnp.sum(w * w)
    return total


def groups(params, factors):
    """Group lasso: per layer, ``factors[i] = (units, inputs)`` (each one factor, or one per group) times the
    kernel's column norms (each unit's incoming weights) and row norms (each input's outgoing weights), summed."""
    total = jnp.float32(0.0)
    for layer, f in zip(params, factors):
        k = layer["kernel"]
        total += jnp.sum(f[0] * jnp.sqrt(jnp.sum(k * k, axis=0)))
        total += jnp.sum(f[1] * jnp.sqrt(jnp.sum(k * k, axis=1)))
    return total


def activity_sum(hidden, l1, l2, weight):
    """Keras's activity regularization of hidden outputs ``hidden`` (one [batch, width] per hidden layer) before
    its division by the batch size: ``l1[i] * sum|h| + l2[i] * sum h**2`` summed over layers, the sums over rows
    weighted by ``weight`` [batch] (sample weights; 0 for padding rows)."""
    total = jnp.float32(0.0)
    for h, a, b in zip(hidden, l1, l2):
        total += a * jnp.sum(weight @ jnp.abs(h)) + b * jnp.sum(weight @ (h * h))
    return total


def activity(hidden, l1, l2, weight=None):
    """Keras's activity regularization of hidden outputs ``hidden`` (one [batch, width] per hidden layer):
    ``(l1[i] * sum|h| + l2[i] * sum h**2) / batch size`` summed over layers. With ``weight`` [batch] (sample
    weights; 0 for padding rows) the sum over rows is weighted and divided by the weights' sum (0 if that is 0)."""
    weight = jnp.ones(hidden[0].shape[0], hidden[0].dtype) if weight is None else weight
    count = jnp.sum(weight)
    return activity_sum(hidden, l1, l2, weight) / jnp.where(count > 0, count, 1.0)
