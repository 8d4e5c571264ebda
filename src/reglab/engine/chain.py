"""The per-step update as one optax chain: each optional step is a ``GradientTransformation`` of its own, and a
Program compiles in only the links some model of it uses.

    keras_adam, keras_sgd     Keras's optimizers (hyperparameters may be traced values)
    decoupled_weight_decay    Keras's ``w <- w - lr * wd * w``, as an update ``-lr * wd * w`` beside the step
    group_lasso               a proximal step after the optimizer's, in the metric of its step sizes
    orthant_l1                a wrapper: a pseudo-gradient goes in, the stepped weights are projected on the way out
    max_norm                  Keras's MaxNorm, a projection and the chain's last link

Factors are traced arrays shaped like the params (``[{"kernel": f, "bias": f}, ...]``, None where a weight has no
such term) or one entry per layer, so one compiled program serves every lambda. The math of the sparse steps is in
sparse.py.
"""

from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax

from . import sparse


def make(program, hp) -> optax.GradientTransformation:
    """The step of ``program`` with the hyperparameters ``hp`` (Keras's order: decay and the optimizer's step,
    then the sparse projections, then max-norm)."""
    if program.optimizer == "adam":
        opt = keras_adam(hp["learning_rate"], hp["beta_1"], hp["beta_2"], hp["epsilon"])
    else:
        opt = keras_sgd(hp["learning_rate"], hp["momentum"])
    if program.weight_decay:
        opt = optax.chain(opt, decoupled_weight_decay(hp["learning_rate"] * hp["weight_decay"]))
    if program.groups:
        opt = group_lasso(opt, hp["group"], lambda state, params: step_sizes(program, hp, state, params),
                          program.groups)
    if program.orthant:
        opt = orthant_l1(opt, hp["l1_prox"])
    if program.max_norm:
        opt = optax.chain(opt, max_norm(hp["max_norm"]))
    return opt


def step_sizes(program, hp, state, params):
    """Each weight's step per unit of (bias-corrected) gradient moment in ``make``'s chain after the update that
    left ``state``, a tree like ``params``: Adam's ``lr * sqrt(1 - b2^t) / (sqrt(v) + eps)``, SGD's ``lr``."""
    if program.optimizer != "adam":
        return jax.tree.map(lambda w: jnp.full_like(w, hp["learning_rate"]), params)
    adam = state[0] if program.weight_decay else state
    t = adam.count.astype(jnp.float32)
    return jax.tree.map(lambda v: hp["learning_rate"] * jnp.sqrt(1 - hp["beta_2"]**t) / (jnp.sqrt(v) + hp["epsilon"]),
                        adam.v)


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


def decoupled_weight_decay(rate) -> optax.GradientTransformation:
    """Adds ``-rate * w`` to every update (``rate`` = learning rate x weight decay), apart from any penalty."""

    def update(updates, state, params):
        return jax.tree.map(lambda u, w: u - rate * w, updates, params), state

    return optax.GradientTransformation(lambda params: optax.EmptyState(), update)


def _wrap(inner, pseudo, project) -> optax.GradientTransformation:
    """``inner`` stepping on ``pseudo(grads, params)``; the update returned lands on ``project(stepped, params, p)``
    (an update that lands on 0 gives exactly 0: w + (0 - w))."""

    def update(grads, state, params):
        p = pseudo(grads, params)
        updates, state = inner.update(p, state, params)
        landed = project(optax.apply_updates(params, updates), params, p)
        return jax.tree.map(jnp.subtract, landed, params), state

    return optax.GradientTransformation(inner.init, update)


def _where_factor(fn, factors, *trees):
    """``fn(*leaves, factor)`` where ``factors`` (a tree like the params) has a factor; else the first tree's leaf."""
    return jax.tree.map(lambda f, first, *rest: first if f is None else fn(first, *rest, f), factors, *trees,
                        is_leaf=lambda x: x is None)


def orthant_l1(inner, lam) -> optax.GradientTransformation:
    """Orthant-wise L1 around ``inner`` with factors ``lam`` (a tree like the params)."""
    return _wrap(inner, lambda g, w: _where_factor(sparse.pseudo_gradient, lam, g, w),
                 lambda z, w, p: _where_factor(sparse.orthant_project, lam, z, w, p))


def group_lasso(inner, factors, step_sizes, axes=(0, 1)) -> optax.GradientTransformation:
    """Group lasso after ``inner``: each kernel's groups land on their proximal point in the metric of the step sizes
    ``step_sizes(state, params)`` gives (a tree like the params); ``factors[i]`` = (units, inputs) for layer i (each
    one factor or one per group), of which those on ``axes`` (0: units, 1: inputs) are applied."""

    def prox(kernel, eta, f):
        for axis in axes:
            kernel = sparse.group_prox(kernel, eta, f[axis], axis)
        return kernel

    def update(grads, state, params):
        updates, state = inner.update(grads, state, params)
        stepped, eta = optax.apply_updates(params, updates), step_sizes(state, params)
        landed = [{**layer, "kernel": prox(layer["kernel"], size["kernel"], f)}
                  for layer, size, f in zip(stepped, eta, factors)]
        return jax.tree.map(jnp.subtract, landed, params), state

    return optax.GradientTransformation(inner.init, update)


def max_norm(limits) -> optax.GradientTransformation:
    """Keras's ``MaxNorm(limits[i], axis=0)`` on the stepped kernel of layer i (inf: none), as a final link."""

    def update(updates, state, params):
        stepped = optax.apply_updates(params, updates)
        landed = [{**layer, "kernel": sparse.max_norm(layer["kernel"], c)} for layer, c in zip(stepped, limits)]
        return jax.tree.map(jnp.subtract, landed, params), state

    return optax.GradientTransformation(lambda params: optax.EmptyState(), update)
