"""Keras's optimizers as optax ``GradientTransformation``s (pure ``init``/``update``; hyperparameters may be
traced values, so one compiled program serves many learning rates)."""

from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax


class AdamState(NamedTuple):
    count: jnp.ndarray
    m: optax.Params
    v: optax.Params


def keras_adam(learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-7) -> optax.GradientTransformation:
    """Adam exactly as ``keras.optimizers.Adam`` updates (Keras 3, ``optimizers/adam.py``)::

        m <- m + (g - m)(1 - b1);  v <- v + (g^2 - v)(1 - b2)
        alpha = lr * sqrt(1 - b2^t) / (1 - b1^t)
        w <- w - alpha * m / (sqrt(v) + eps)

    epsilon is added to the *uncorrected* sqrt(v) (optax and PyTorch add it to the corrected one).
    """

    def init(params):
        zeros = jax.tree.map(jnp.zeros_like, params)
        return AdamState(jnp.zeros((), jnp.int32), zeros, zeros)

    def update(grads, state, params=None):
        del params
        t = (state.count + 1).astype(jnp.float32)
        m = jax.tree.map(lambda m, g: m + (g - m) * (1 - beta_1), state.m, grads)
        v = jax.tree.map(lambda v, g: v + (g * g - v) * (1 - beta_2), state.v, grads)
        alpha = learning_rate * jnp.sqrt(1 - beta_2**t) / (1 - beta_1**t)
        updates = jax.tree.map(lambda m, v: -alpha * m / (jnp.sqrt(v) + epsilon), m, v)
        return updates, AdamState(state.count + 1, m, v)

    return optax.GradientTransformation(init, update)


def keras_sgd(learning_rate, momentum=0.0) -> optax.GradientTransformation:
    """``keras.optimizers.SGD`` (no Nesterov): ``v <- momentum * v - lr * g;  w <- w + v``."""

    def init(params):
        return jax.tree.map(jnp.zeros_like, params)

    def update(grads, velocity, params=None):
        del params
        velocity = jax.tree.map(lambda v, g: momentum * v - learning_rate * g, velocity, grads)
        return velocity, velocity

    return optax.GradientTransformation(init, update)


def make(name, hp) -> optax.GradientTransformation:
    """The optimizer ``name`` with its hyperparameters read from the dict ``hp``."""
    if name == "adam":
        return keras_adam(hp["learning_rate"], hp["beta_1"], hp["beta_2"], hp["epsilon"])
    return keras_sgd(hp["learning_rate"], hp["momentum"])
