"""One whole training run as one pure function, compiled once per network shape.

``Program`` is the static part (shapes, activation, optimizer kind, epoch and batch counts, which optional steps
run): it decides the compiled program. Everything that may vary between models of one sweep (penalty factors,
dropout rates, learning rate, optimizer constants, seed, early-stopping patience) is a dict of arrays,
``hparams``, passed as an argument.

Keras semantics (``keras/src/trainers``): each epoch reshuffles the training part from the run's seed and walks it
in batches of ``batch_size``, keeping the last partial batch (80 -> 32, 32, 16). The loss of a batch is the mean
data loss plus the penalty; the epoch's figures are batch-size-weighted means of per-batch figures, each taken with
the weights *before* that batch's update; validation figures are taken after the epoch's last update. Each step:
gradient, then (Keras's order) decoupled weight decay, the optimizer's update, then the sparse steps and the
max-norm constraint (engine/sparse.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
import optax

from ..config import HISTORY_KEYS
from . import mlp, optimizers, sparse
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
    orthant: bool = False  # some L1 factor uses method="proximal"
    groups: bool = False  # some group-lasso factor
    max_norm: bool = False  # some max-norm constraint
    weight_decay: bool = False  # decoupled weight decay
    bias_penalty: bool = False  # some bias regularizer
    monitor: str | None = None  # early stopping's monitored history key (None: no early stopping)
    maximize: bool = False
    restore_best: bool = False


def plan(config, split) -> tuple[Program, dict]:
    """The static Program and the per-model ``hparams`` (NumPy arrays) for ``config`` on ``split``."""
    n_out = 1 if split.dataset.n_classes == 2 else split.dataset.n_classes
    f32 = lambda v: np.asarray(v, np.float32)  # noqa: E731
    kernels, biases = config.kernel_regularizers(), config.bias_regularizers()

    def factor(regs, attr, proximal=None):
        return f32([getattr(r, attr) if r and (proximal is None or r.proximal == proximal) else 0.0 for r in regs])

    def group(axis):
        return f32([r.group if r and r.groups == axis else 0.0 for r in kernels])

    es = config.early_stopping
    hparams = {
        "kernel_l1": factor(kernels, "l1", proximal=False),
        "kernel_l1_prox": factor(kernels, "l1", proximal=True),
        "kernel_l2": factor(kernels, "l2"),
        "bias_l1": factor(biases, "l1", proximal=False),
        "bias_l1_prox": factor(biases, "l1", proximal=True),
        "bias_l2": factor(biases, "l2"),
        "group_units": group("units"),
        "group_inputs": group("inputs"),
        "max_norm": f32([np.inf if c is None else c for c in config.max_norms()]),
        "weight_decay": f32(config.weight_decay),
        "dropout": f32(config.dropout_rates()),
        "learning_rate": f32(config.learning_rate),
        "momentum": f32(config.momentum),
        "beta_1": f32(config.beta_1),
        "beta_2": f32(config.beta_2),
        "epsilon": f32(config.epsilon),
        "seed": np.asarray(config.seed, np.uint32),
        "patience": np.asarray(es.patience if es else 0, np.int32),
        "min_delta": f32(es.min_delta if es else 0.0),
        "start_from_epoch": np.asarray(es.start_from_epoch if es else 0, np.int32),
    }
    program = Program(
        sizes=(split.X_train.shape[1], *config.hidden, n_out),
        activation=config.activation,
        optimizer=config.optimizer,
        epochs=config.epochs,
        batch_size=config.batch_size,
        n_train=len(split.y_train),
        n_val=len(split.y_val),
        orthant=bool(hparams["kernel_l1_prox"].any() or hparams["bias_l1_prox"].any()),
        groups=bool(hparams["group_units"].any() or hparams["group_inputs"].any()),
        max_norm=bool(np.isfinite(hparams["max_norm"]).any()),
        weight_decay=config.weight_decay > 0,
        bias_penalty=any(bool(hparams[k].any()) for k in ("bias_l1", "bias_l1_prox", "bias_l2")),
        monitor=es.monitor if es else None,
        maximize=bool(es and es.maximize),
        restore_best=bool(es and es.restore_best_weights),
    )
    return program, hparams


def run_keys(seed):
    """The run's three streams from its seed: (initialization, shuffling, dropout)."""
    return jax.random.split(jax.random.key(seed), 3)


def epoch_order(shuffle_key, epoch, n_train):
    """The order in which epoch ``epoch`` (0-based) visits the n_train training samples."""
    return jax.random.permutation(jax.random.fold_in(shuffle_key, epoch), n_train)


def train(program: Program, hparams, X_train, y_train, X_val, y_val):
    """Train one model from scratch. Returns ``(params, history, info)``: history maps HISTORY_KEYS to [epochs]
    arrays (NaN after an early stop); info holds ``stopped_epoch`` and ``best_epoch`` (1-based, 0 if none).

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

    # The orthant-wise and group steps are compiled in only where a model uses them: they cost a plain model
    # 15-30% more time per step (measured on the seed run), so plain sweeps keep a leaner program.
    def full_penalty(params):
        return penalty(params, hparams, proximal=program.orthant, groups=program.groups, biases=program.bias_penalty)

    def nonsmooth_penalty(params):  # the terms that act through engine/sparse.py rather than the gradient
        if not (program.orthant or program.groups):
            return 0.0
        return penalty(params, hparams, smooth=False, proximal=program.orthant, groups=program.groups,
                       biases=program.bias_penalty)

    def objective(params, xb, yb, masks):
        logits = mlp.forward(params, xb, program.activation, masks)
        data = jnp.mean(mlp.per_sample_loss(logits, yb))
        smooth = penalty(params, hparams, biases=program.bias_penalty)
        return data + smooth, (data, smooth, jnp.sum(mlp.correct(logits, yb)))

    def step(state, batch):
        params, opt_state = state
        idx, masks = batch
        grads, (data, pen, hits) = jax.grad(objective, has_aux=True)(params, X_train[idx], y_train[idx], masks)
        pen = pen + nonsmooth_penalty(params)  # every term's value, before the update (Keras's batch figure)
        if program.orthant:
            grads = [{k: sparse.pseudo_gradient(g[k], p[k], hparams[f"{k}_l1_prox"][i]) for k in p}
                     for i, (g, p) in enumerate(zip(grads, params))]
        if program.groups:
            grads = [{**g, "kernel": _grouped(sparse.group_pseudo_gradient, g["kernel"], p["kernel"], i)}
                     for i, (g, p) in enumerate(zip(grads, params))]
        updates, opt_state = opt.update(grads, opt_state, params)
        new = params
        if program.weight_decay:  # Keras applies the decay to the variable first, then the gradient step
            rate = hparams["learning_rate"] * hparams["weight_decay"]
            new = jax.tree.map(lambda w: w - rate * w, new)
        new = optax.apply_updates(new, updates)
        if program.orthant:
            new = [{k: sparse.orthant_project(n[k], p[k], g[k], hparams[f"{k}_l1_prox"][i]) for k in p}
                   for i, (n, p, g) in enumerate(zip(new, params, grads))]
        if program.groups:
            new = [{**n, "kernel": _grouped(lambda z, w, lam, axis, p=g["kernel"]: sparse.group_project(z, w, p, lam, axis),
                                            n["kernel"], p["kernel"], i)}
                   for i, (n, p, g) in enumerate(zip(new, params, grads))]
        if program.max_norm:
            new = [{**n, "kernel": sparse.max_norm(n["kernel"], hparams["max_norm"][i])} for i, n in enumerate(new)]
        n = idx.shape[0]
        return (new, opt_state), jnp.stack([data * n, pen * n, hits])

    def _grouped(fn, first, w, i):
        """``fn(first, w, lam, axis)`` for unit groups (columns), then input groups (rows), of layer i."""
        first = fn(first, w, hparams["group_units"][i], 0)
        return fn(first, w, hparams["group_inputs"][i], 1)

    def run_epoch(state, e):
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
            full_penalty(params),
            jnp.mean(mlp.correct(val_logits, y_val)),
        )
        return state, jnp.stack(row)

    state = (params, opt.init(params))
    if program.monitor is None:
        (params, _), rows = jax.lax.scan(run_epoch, state, jnp.arange(program.epochs))
        info = {"stopped_epoch": jnp.int32(0), "best_epoch": jnp.int32(0)}
    else:
        params, rows, info = _with_early_stopping(program, hparams, run_epoch, state)
    return params, {key: rows[:, i] for i, key in enumerate(HISTORY_KEYS)}, info


def _monitored(program, row):
    """The monitored figure from a history row (the Keras totals are data loss + penalty)."""
    keys = {k: i for i, k in enumerate(HISTORY_KEYS)}
    if program.monitor == "loss":
        return row[keys["data_loss"]] + row[keys["penalty"]]
    if program.monitor == "val_loss":
        return row[keys["val_data_loss"]] + row[keys["val_penalty"]]
    return row[keys[program.monitor]]


def _with_early_stopping(program, hparams, run_epoch, state):
    """Keras's EarlyStopping (``keras/src/callbacks/early_stopping.py``) inside the scan over epochs: after a stop
    the remaining epochs do nothing and record NaN."""
    nan_row = jnp.full((len(HISTORY_KEYS),), jnp.nan, jnp.float32)
    sign = -1.0 if program.maximize else 1.0  # compare as "lower is better"

    def epoch(carry, e):
        state, best, best_epoch, best_params, wait, stopped_epoch = carry
        stopped = stopped_epoch > 0
        state, row = jax.lax.cond(stopped, lambda s, e: (s, nan_row), run_epoch, state, e)
        value = sign * _monitored(program, row)
        watching = (~stopped) & (e >= hparams["start_from_epoch"])
        first = watching & (best_epoch == 0)
        improved = watching & ((best_epoch == 0) | (value + hparams["min_delta"] < best))
        wait = jnp.where(watching, jnp.where(improved, 0, wait + 1), wait)
        keep = improved | first
        best = jnp.where(improved, value, best)
        best_epoch = jnp.where(keep, e + 1, best_epoch)
        if program.restore_best:
            best_params = jax.tree.map(lambda b, p: jnp.where(keep, p, b), best_params, state[0])
        stop_now = watching & ~improved & (wait >= hparams["patience"]) & (e > 0)
        stopped_epoch = jnp.where(stop_now, e + 1, stopped_epoch)
        return (state, best, best_epoch, best_params, wait, stopped_epoch), row

    carry = (state, jnp.float32(jnp.inf), jnp.int32(0), state[0], jnp.int32(0), jnp.int32(0))
    (state, _, best_epoch, best_params, _, stopped_epoch), rows = jax.lax.scan(epoch, carry, jnp.arange(program.epochs))
    params = state[0]
    if program.restore_best:  # Keras restores at the end whenever a best epoch was seen
        params = jax.tree.map(lambda b, p: jnp.where(best_epoch > 0, b, p), best_params, params)
    return params, rows, {"stopped_epoch": stopped_epoch, "best_epoch": best_epoch}
