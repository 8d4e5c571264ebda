"""One whole training run as one pure function, compiled once per ``Program`` (the static part: shapes, batch
counts, the most epochs a run takes, which optional steps run); what may vary between models of one program
(factors, rates, learning rate, seed, patience, the number of epochs) is ``hparams``, a dict of arrays passed as an
argument.

Keras semantics (``keras/src/trainers``): each epoch reshuffles the training part from the run's seed and walks it
in batches of ``batch_size``, keeping the last partial batch (80 -> 32, 32, 16). The loss of a batch is the mean
data loss plus the penalty; the epoch's figures are batch-size-weighted means of per-batch figures, each taken with
the weights *before* that batch's update; validation figures are taken after the epoch's last update. Each step:
the gradient of the data loss and the smooth penalties, then the update of engine/chain.py.
"""

from dataclasses import dataclass, replace

import jax
import jax.numpy as jnp
import numpy as np
import optax

from ..errors import ReglabError
from . import chain, mlp, penalties
from .history import KEYS, with_totals


@dataclass(frozen=True)
class Program:
    """The static shape of a training run; models with equal Programs share one compiled program."""

    sizes: tuple[int, ...]  # (n_in, hidden..., n_out)
    activation: str
    optimizer: str
    epochs: int  # the most epochs a run of it takes (``capacity``); each run's own count is ``hparams["epochs"]``
    batch_size: int
    n_train: int
    n_val: int
    padded: bool = False  # some model has fewer real training rows than n_train (its data count them)
    weighted: bool = False  # rows come with weights (data's w_train, w_val): sample weights, or 0 on padding rows
    orthant: bool = False  # some L1 factor uses method="proximal"
    groups: tuple = ()  # the group axes some group-lasso factor uses: 0 units (columns), 1 inputs (rows)
    max_norm: bool = False  # some max-norm constraint
    weight_decay: bool = False  # decoupled weight decay
    bias_penalty: bool = False  # some bias regularizer
    activity: bool = False  # some activity regularizer
    dropout: bool = False  # some dropout rate > 0 (the runner gives a program's models one value: models of rate 0
    # share it, their draw skipped)
    monitor: str | None = None  # early stopping's monitored history key (None: no early stopping)
    maximize: bool = False
    restore_best: bool = False
    snapshots: int = 0  # keep the params after about this many evenly spaced epochs (history.snapshot_epochs)
    loss: str = "crossentropy"  # or "mse": a regression head on float targets (mlp.per_sample_loss)
    figures: bool = True  # False: record the data loss alone (penalty, accuracy NaN; validation only if monitored)
    shuffle: bool = True  # False: every epoch walks the training rows in their order (Keras's fit(shuffle=False))
    start: str = ""  # "params": from hparams["start"]["params"] with a new optimizer state; "state": also from its
    # "opt_state" (the leaves of the optimizer's state); "": from Glorot-uniform weights drawn from the seed
    keep_state: bool = False  # return the final optimizer state's leaves in info["opt_state"] (no early stopping)


CAPACITIES = (1 << 13, 1 << 17)  # a program's epochs: runs of up to 8,192 epochs share one; up to 131,072 another


def capacity(epochs: int) -> int:
    """The epochs a program is compiled for, to serve a run of ``epochs``: the smallest of CAPACITIES that holds
    it. The loop over epochs stops at the run's own count, so a short run in a long program costs only the history
    buffers' memory (float32 [capacity] per figure)."""
    return next(c for c in CAPACITIES if epochs <= c)


def plan(config, split, start=None) -> tuple[Program, dict]:
    """The static Program and the per-model ``hparams`` (NumPy arrays) for ``config`` on ``split``. A data set
    without classes holds float targets [n] or [n, n_out]: a regression head, trained on the mean squared error.
    ``start``: ``{"params": [...], "opt_state": [leaves] or None, "epoch": epochs already run}`` to continue from
    (``Program.start``; the epochs are counted on from ``epoch``, their shuffles and dropout draws too)."""
    regression = split.dataset.n_classes == 0
    if regression:
        n_out = split.y_train.shape[1] if split.y_train.ndim == 2 else 1
    else:
        n_out = 1 if split.dataset.n_classes == 2 else split.dataset.n_classes
    f32 = lambda v: np.asarray(v, np.float32)  # noqa: E731
    kernels, biases, activity = config.kernel_regularizers(), config.bias_regularizers(), config.activity_regularizers()

    def factors(attr, proximal=None):  # (kernel, bias) factor per Dense layer
        pick = lambda r: getattr(r, attr) if r and (proximal is None or r.proximal == proximal) else 0.0  # noqa: E731
        return [(pick(k), pick(b)) for k, b in zip(kernels, biases)]

    sizes = (split.X_train.shape[1], *config.hidden, n_out)

    def group_factors(i, r):  # (units [fan_out], inputs [fan_in]): the factor of each of layer i's groups
        out = []
        for groups, n in (("units", sizes[i + 1]), ("inputs", sizes[i])):
            if not (r and r.group and r.groups == groups):
                out.append(np.zeros(n, np.float32))
                continue
            if r.factors is not None and len(r.factors) != n:
                raise ReglabError(f"kernel_regularizer[{i}].factors", list(r.factors),
                                  f"{n} factors, one per {groups[:-1]} of Dense layer {i + 1}")
            out.append(f32(r.group * (np.ones(n) if r.factors is None else np.asarray(r.factors))))
        return tuple(out)

    l1, l1_prox, l2 = factors("l1", proximal=False), factors("l1", proximal=True), factors("l2")
    biased = any(b for fs in (l1, l1_prox, l2) for _, b in fs)
    tree = lambda fs: [{"kernel": f32(k), "bias": f32(b) if biased else None} for k, b in fs]  # noqa: E731
    es = config.early_stopping
    if es and es.monitor.startswith("val_") and not len(split.y_val):
        raise ReglabError("early_stopping.monitor", es.monitor, "data_loss, loss or accuracy: there is no validation "
                          "data (validation_split = 0)")
    if es and regression and es.monitor.endswith("accuracy"):
        raise ReglabError("early_stopping.monitor", es.monitor, "a loss: a regression has no accuracy")
    hparams = {
        "l1": tree(l1), "l1_prox": tree(l1_prox), "l2": tree(l2),
        "group": [group_factors(i, r) for i, r in enumerate(kernels)],
        "activity_l1": f32([r.l1 if r else 0.0 for r in activity]),
        "activity_l2": f32([r.l2 if r else 0.0 for r in activity]),
        "max_norm": f32([np.inf if c is None else c for c in config.max_norms()]),
        "dropout": f32(config.dropout_rates()),
        **{k: f32(getattr(config, k)) for k in ("weight_decay", "learning_rate", "momentum", "beta_1", "beta_2",
                                                "epsilon")},
        "seed": np.asarray(config.seed, np.uint32),
        "epochs": np.asarray(config.epochs, np.int32),
        "patience": np.asarray(es.patience if es else 0, np.int32),
        "min_delta": f32(es.min_delta if es else 0.0),
        "start_from_epoch": np.asarray(es.start_from_epoch if es else 0, np.int32),
    }
    program = Program(
        sizes=sizes, activation=config.activation,
        optimizer=config.optimizer, epochs=capacity(config.epochs), batch_size=config.batch_size,
        n_train=len(split.y_train), n_val=len(split.y_val),
        weighted=split.w_train is not None or split.w_val is not None,
        orthant=any(k or b for k, b in l1_prox),
        groups=tuple(a for a in (0, 1) if any(f[a].any() for f in hparams["group"])),
        max_norm=bool(np.isfinite(hparams["max_norm"]).any()), weight_decay=config.weight_decay > 0,
        bias_penalty=biased, activity=bool(hparams["activity_l1"].any() or hparams["activity_l2"].any()),
        dropout=bool(hparams["dropout"].any()),
        monitor=es.monitor if es else None, maximize=bool(es and es.maximize),
        restore_best=bool(es and es.restore_best_weights), loss="mse" if regression else "crossentropy",
        shuffle=config.shuffle,
    )
    hparams["first_epoch"] = np.asarray(start.get("epoch", 0) if start else 0, np.int32)  # shuffles and draws
    if start is not None:
        hparams["start"] = {k: start[k] for k in ("params", "opt_state") if start.get(k) is not None}
        program = replace(program, start="state" if start.get("opt_state") is not None else "params")
    return program, hparams


def run_keys(seed):
    """The run's three streams from its seed: (initialization, shuffling, dropout)."""
    return jax.random.split(jax.random.key(seed), 3)


def epoch_order(shuffle_key, epoch, n_train, n_real=None):
    """The order in which epoch ``epoch`` (0-based) visits the n_train training rows: ``jax.random.permutation``.
    With ``n_real`` (a traced count; rows from n_real on are padding) the real rows come first, in the order
    ``jax.random.permutation(key, n_real)`` gives them, padding after: the same sort of random keys, with the
    padding's keys set to the largest (the sort is stable), and the key bits of a row do not depend on the length
    of the draw. Equal where both sizes take the same number of sort rounds (one, up to 1,625 rows)."""
    if shuffle_key is None:  # no shuffling: the rows in their order, the real ones first as they are
        return jnp.arange(n_train)
    key = jax.random.fold_in(shuffle_key, epoch)
    if n_real is None:
        return jax.random.permutation(key, n_train)
    order, top = jnp.arange(n_train), np.uint32(np.iinfo(np.uint32).max)
    for _ in range(int(np.ceil(3 * np.log(max(1, n_train)) / np.log(top)))):  # jax.random.permutation's rounds
        key, subkey = jax.random.split(key)
        bits = jax.random.bits(subkey, (n_train,), jnp.uint32)
        _, order = jax.lax.sort_key_val(jnp.where(jnp.arange(n_train) < n_real, bits, top), order)
    return order


def _mean(x, weight):
    """The mean of ``x`` [n], weighted by ``weight`` [n] (None: unweighted); 0 where the weights sum to 0 (a batch
    of weightless rows pulls on nothing)."""
    if weight is None:
        return jnp.mean(x)
    total = jnp.sum(weight)
    return jnp.sum(x * weight) / jnp.where(total > 0, total, 1.0)


def train(program: Program, hparams, data):
    """Train one model for ``hparams["epochs"]`` epochs. Returns ``(params, history, info)``: history maps
    history.KEYS to [program.epochs] arrays (NaN after an early stop and past the run's epochs); info holds
    ``stopped_epoch`` and ``best_epoch`` (1-based, 0 if none) and, with ``program.snapshots``, ``snapshots``:
    params with a leading axis [S], those after each epoch of ``history.snapshot_epochs`` in the first slots (after
    an early stop, those it stopped with; restored best params are the final ones only).

    ``data``: ``X_train`` [n_train, n_in] float32, ``y_train`` [n_train] int32, likewise ``X_val``, ``y_val``;
    with ``program.weighted``, ``w_train`` [n_train] and ``w_val`` [n_val] weigh each row in every mean (a batch's
    loss and figures, an epoch's: ``sum(w * x) / sum(w)``); with ``program.padded``, ``n_train`` counts the real
    rows, which each epoch visits first, and the rest are padding, of weight 0.
    """
    init_key, shuffle_key, dropout_key = run_keys(hparams["seed"])
    shuffle_key = shuffle_key if program.shuffle else None
    params = hparams["start"]["params"] if program.start else mlp.init(init_key, program.sizes)
    opt = chain.make(program, hparams)
    bs, n_max = program.batch_size, program.n_train
    n_full, rest = divmod(n_max, bs)
    widths = program.sizes[1:-1]
    X_train, y_train, X_val, y_val = data["X_train"], data["y_train"], data["X_val"], data["y_val"]
    n_real = data["n_train"] if program.padded else None
    train_weight, val_weight = (data["w_train"], data["w_val"]) if program.weighted else (None, None)
    total = n_max if train_weight is None else jnp.sum(train_weight)  # an epoch's figures are means over it

    # Dropout multipliers, one [n_train, width] per hidden layer, rows in the epoch's sample order; compiled in only
    # where some model has dropout (its random draw is about a third of a small program's compile time). Models of
    # rate 0 share such a program: a ``cond`` skips their draw, and multiplying by 1 changes nothing.
    def draw_masks(key):
        return mlp.dropout_masks(key, hparams["dropout"], n_max, widths)

    def no_masks(key):
        return [jnp.ones((n_max, w), jnp.float32) for w in widths]

    def epoch_masks(e):
        if not program.dropout:
            return []
        key = jax.random.fold_in(dropout_key, e + hparams["first_epoch"])
        return jax.lax.cond(jnp.any(hparams["dropout"] > 0), draw_masks, no_masks, key)

    # The orthant-wise and group terms act through the chain, not the gradient; their value still counts.
    # They are compiled in only where a model uses them (they cost a plain model 15-30% more time per step).
    def nonsmooth(params, pen):
        if program.orthant:
            pen = pen + penalties.weights(params, hparams["l1_prox"])
        if program.groups:
            pen = pen + penalties.groups(params, hparams["group"])
        return pen

    def smooth(params, hidden, weight):
        pen = penalties.weights(params, hparams["l1"], hparams["l2"])
        if program.activity:
            pen = pen + penalties.activity(hidden, hparams["activity_l1"], hparams["activity_l2"], weight)
        return pen

    def objective(params, xb, yb, masks, weight):
        logits, hidden = mlp.forward(params, xb, program.activation, masks, hidden=True)
        data_loss = _mean(mlp.per_sample_loss(logits, yb, program.loss), weight)
        pen = smooth(params, hidden, weight)
        if not program.figures:  # the penalty's value then goes unused, and XLA leaves it out (its gradient stays)
            return data_loss + pen, (data_loss, jnp.float32(jnp.nan), jnp.float32(jnp.nan))
        hits = mlp.correct(logits, yb, program.loss)
        return data_loss + pen, (data_loss, pen, jnp.sum(hits if weight is None else hits * weight))

    def step(state, batch):
        params, opt_state = state
        idx, masks = batch
        weight = None if train_weight is None else train_weight[idx]  # the rows' own weights (padding: 0)
        grads, (data_loss, pen, hits) = jax.grad(objective, has_aux=True)(params, X_train[idx], y_train[idx], masks,
                                                                          weight)
        if program.figures:
            pen = nonsmooth(params, pen)  # every term's value, before the update (Keras's batch figure)
        updates, opt_state = opt.update(grads, opt_state, params)
        n = idx.shape[0] if weight is None else jnp.sum(weight)
        return (optax.apply_updates(params, updates), opt_state), jnp.stack([data_loss * n, pen * n, hits])

    def run_epoch(state, e):
        order, masks = epoch_order(shuffle_key, e + hparams["first_epoch"], n_max, n_real), epoch_masks(e)
        cut = n_full * bs
        full = [m[:cut].reshape(n_full, bs, m.shape[1]) for m in masks]  # n_full may be 0: one partial batch
        state, sums = jax.lax.scan(step, state, (order[:cut].reshape(n_full, bs), full))
        sums = sums.sum(axis=0)
        if rest:  # Keras keeps the last partial batch
            state, last = step(state, (order[cut:], [m[cut:] for m in masks]))
            sums = sums + last
        params = state[0]
        row = {"data_loss": sums[0] / total, "penalty": sums[1] / total, "accuracy": sums[2] / total}
        if program.n_val and not (program.figures or program.monitor):
            row.update({key: jnp.float32(jnp.nan) for key in KEYS if key.startswith("val_")})
        elif program.n_val:  # Keras reports no val_* figures without validation data
            val_logits, val_hidden = mlp.forward(params, X_val, program.activation, hidden=True)
            row["val_data_loss"] = _mean(mlp.per_sample_loss(val_logits, y_val, program.loss), val_weight)
            row["val_penalty"] = nonsmooth(params, smooth(params, val_hidden, val_weight))
            row["val_accuracy"] = _mean(mlp.correct(val_logits, y_val, program.loss), val_weight)
        return state, row

    opt_state = opt.init(params)
    if program.start == "state":  # the optimizer's state as it was left: its leaves in the same tree
        opt_state = jax.tree.unflatten(jax.tree.structure(opt_state), hparams["start"]["opt_state"])
    state = (params, opt_state)
    if program.monitor is None:
        (params, opt_state), history, snaps = _scan_epochs(program, hparams, run_epoch, state,
                                                           lambda state: state[0])
        info = {"stopped_epoch": jnp.int32(0), "best_epoch": jnp.int32(0)}
        if program.keep_state:
            info["opt_state"] = jax.tree.leaves(opt_state)
    else:
        params, history, info, snaps = _with_early_stopping(program, hparams, run_epoch, state)
    if program.snapshots:
        info["snapshots"] = snaps
    return params, history, info


def initial_gradient(program: Program, hparams, data):
    """``(params, grads)``: the run's initial params and the gradient of its mean data loss over every training row
    there (weighted by ``data["w_train"]`` when given; no penalty, no dropout): what a regularization path's largest
    useful strength is measured against."""
    params = mlp.init(run_keys(hparams["seed"])[0], program.sizes)

    def data_loss(p):
        logits = mlp.forward(p, data["X_train"], program.activation)
        return _mean(mlp.per_sample_loss(logits, data["y_train"], program.loss), data.get("w_train"))

    return params, jax.grad(data_loss)(params)


def _scan_epochs(program, hparams, body, carry, params_of):
    """``body`` over the run's ``hparams["epochs"]`` epochs (a ``fori_loop``: its count is a runtime value), each
    epoch's row written into buffers of ``program.epochs`` rows (NaN past the run's end); with
    ``program.snapshots``, also the params (``params_of(carry)``) after each epoch of history.snapshot_epochs,
    written in place into one buffer [S, ...] (slot e // every holds the latest epoch of its stretch). Returns
    (carry, rows, snapshots or None)."""
    epochs = hparams["epochs"]
    shapes = jax.eval_shape(body, carry, jnp.int32(0))[1]
    rows = jax.tree.map(lambda s: jnp.full((program.epochs, *s.shape), jnp.nan, s.dtype), shapes)
    every = (epochs + program.snapshots - 1) // max(program.snapshots, 1)

    def step(e, state):
        inner, rows, snaps = state
        inner, row = body(inner, e)
        rows = jax.tree.map(lambda buffer, value: buffer.at[e].set(value), rows, row)
        if program.snapshots:
            snaps = jax.tree.map(lambda s, p: s.at[e // every].set(p), snaps, params_of(inner))
        return inner, rows, snaps

    snaps = jax.tree.map(lambda p: jnp.zeros((program.snapshots, *p.shape), p.dtype), params_of(carry)) \
        if program.snapshots else None
    carry, rows, snaps = jax.lax.fori_loop(0, epochs, step, (carry, rows, snaps))
    return carry, rows, snaps


def _with_early_stopping(program, hparams, run_epoch, state):
    """Keras's EarlyStopping (``keras/src/callbacks/early_stopping.py``) inside the scan over epochs: after a stop
    the remaining epochs do nothing and record NaN."""
    nan_row = {key: jnp.float32(jnp.nan) for key in KEYS if program.n_val or not key.startswith("val_")}
    sign = -1.0 if program.maximize else 1.0  # compare as "lower is better"

    def epoch(carry, e):
        state, best, best_epoch, best_params, wait, stopped_epoch = carry
        stopped = stopped_epoch > 0
        state, row = jax.lax.cond(stopped, lambda s, e: (s, nan_row), run_epoch, state, e)
        value = sign * with_totals(row)[program.monitor]
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
    carry, rows, snaps = _scan_epochs(program, hparams, epoch, carry, lambda carry: carry[0][0])
    (state, _, best_epoch, best_params, _, stopped_epoch) = carry
    params = state[0]
    if program.restore_best:  # Keras restores at the end whenever a best epoch was seen
        params = jax.tree.map(lambda b, p: jnp.where(best_epoch > 0, b, p), best_params, params)
    return params, rows, {"stopped_epoch": stopped_epoch, "best_epoch": best_epoch}, snaps
