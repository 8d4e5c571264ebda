"""One whole training run as one pure function, compiled once per network shape.

``Program`` is the static part (shapes, activation, optimizer kind, epoch and batch counts): it decides the
compiled program. Everything that may vary between models of one sweep (penalty factors, dropout rates, learning
rate, optimizer constants, seed) is a dict of arrays, ``hparams``, passed as an argument.

Keras semantics (``keras/src/trainers``): each epoch reshuffles the training part from the run's seed and walks it
in batches of ``batch_size``, keeping the last partial batch (80 -> 32, 32, 16). The loss of a batch is the mean
data loss plus the penalty; the epoch's figures are batch-size-weighted means of per-batch figures, each taken with
the weights *before* that batch's update; validation figures are taken after the epoch's last update.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
import optax

from ..config import HISTORY_KEYS
from . import mlp, optimizers
from .penalties import penalty


@dataclass(frozen=True)
class Program:
    """The static shape of a training run; models with equal Programs share one compiled program."""

    sizes: tuple[int, ...]  # (n_in, hidden..., n_out)
    activation: str
    optimizer: str
    epochs: int
    batch_size: int
    n_train: int
    n_val: int


def plan(config, split) -> tuple[Program, dict]:
    """The static Program and the per-model ``hparams`` (NumPy arrays) for ``config`` on ``split``."""
    n_out = 1 if split.dataset.n_classes == 2 else split.dataset.n_classes
    program = Program(
        sizes=(split.X_train.shape[1], *config.hidden, n_out),
        activation=config.activation,
        optimizer=config.optimizer,
        epochs=config.epochs,
        batch_size=config.batch_size,
        n_train=len(split.y_train),
        n_val=len(split.y_val),
    )
    f32 = lambda v: np.asarray(v, np.float32)  # noqa: E731
    factors = lambda regs, attr: f32([getattr(r, attr) if r else 0.0 for r in regs])  # noqa: E731
    hparams = {
        "kernel_l1": factors(config.kernel_regularizers(), "l1"),
        "kernel_l2": factors(config.kernel_regularizers(), "l2"),
        "bias_l1": factors(config.bias_regularizers(), "l1"),
        "bias_l2": factors(config.bias_regularizers(), "l2"),
        "dropout": f32(config.dropout_rates()),
        "learning_rate": f32(config.learning_rate),
        "momentum": f32(config.momentum),
        "beta_1": f32(config.beta_1),
        "beta_2": f32(config.beta_2),
        "epsilon": f32(config.epsilon),
        "seed": np.asarray(config.seed, np.uint32),
    }
    return program, hparams


def run_keys(seed):
    """The run's three streams from its seed: (initialization, shuffling, dropout)."""
    return jax.random.split(jax.random.key(seed), 3)


def epoch_order(shuffle_key, epoch, n_train):
    """The order in which epoch ``epoch`` (0-based) visits the n_train training samples."""
    return jax.random.permutation(jax.random.fold_in(shuffle_key, epoch), n_train)


def train(program: Program, hparams, X_train, y_train, X_val, y_val):
    """Train one model from scratch. Returns ``(params, history)``; history maps HISTORY_KEYS to [epochs] arrays.

    Shapes: X_train [n_train, n_in] float32, y_train [n_train] int32, likewise for validation.
    """
    init_key, shuffle_key, dropout_key = run_keys(hparams["seed"])
    params = mlp.init(init_key, program.sizes)
    opt = optimizers.make(program.optimizer, hparams)
    bs = program.batch_size
    n_full, rest = divmod(program.n_train, bs)
    widths = program.sizes[1:-1]

    # Dropout multipliers, one [n_train, width] per hidden layer, rows in the epoch's sample order. Models with and
    # without dropout share one program: a ``cond`` skips the random draw where every rate is 0.
    def draw_masks(key):
        return mlp.dropout_masks(key, hparams["dropout"], program.n_train, widths)

    def no_masks(key):
        return [jnp.ones((program.n_train, w), jnp.float32) for w in widths]

    def objective(params, xb, yb, masks):
        logits = mlp.forward(params, xb, program.activation, masks)
        data = jnp.mean(mlp.per_sample_loss(logits, yb))
        pen = penalty(params, hparams)
        return data + pen, (data, pen, jnp.sum(mlp.correct(logits, yb)))

    def step(state, batch):
        params, opt_state = state
        idx, masks = batch
        grads, (data, pen, hits) = jax.grad(objective, has_aux=True)(params, X_train[idx], y_train[idx], masks)
        updates, opt_state = opt.update(grads, opt_state, params)
        n = idx.shape[0]
        return (optax.apply_updates(params, updates), opt_state), jnp.stack([data * n, pen * n, hits])

    def epoch(state, e):
        order = epoch_order(shuffle_key, e, program.n_train)
        masks = jax.lax.cond(jnp.any(hparams["dropout"] > 0), draw_masks, no_masks, jax.random.fold_in(dropout_key, e))
        cut = n_full * bs
        full = [m[:cut].reshape(n_full, bs, -1) for m in masks]
        state, sums = jax.lax.scan(step, state, (order[:cut].reshape(n_full, bs), full))
        sums = sums.sum(axis=0)
        if rest:  # Keras keeps the last partial batch
            state, last = step(state, (order[cut:], [m[cut:] for m in masks]))
            sums = sums + last
        params = state[0]
        val_logits = mlp.forward(params, X_val, program.activation)
        row = (
            sums[0] / program.n_train,
            sums[1] / program.n_train,
            sums[2] / program.n_train,
            jnp.mean(mlp.per_sample_loss(val_logits, y_val)),
            penalty(params, hparams),
            jnp.mean(mlp.correct(val_logits, y_val)),
        )
        return state, jnp.stack(row)

    (params, _), rows = jax.lax.scan(epoch, (params, opt.init(params)), jnp.arange(program.epochs))
    return params, {key: rows[:, i] for i, key in enumerate(HISTORY_KEYS)}
