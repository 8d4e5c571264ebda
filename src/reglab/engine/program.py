"""A training run as one pure function, compiled once per ``Program``: the network's static shape (layer sizes,
activation, head, optimizer, batch size, which optional links of the chain run) and the capacities of its buffers
(epochs, training and validation rows, snapshots). All else is a runtime value: ``hparams`` (factors, rates, learning
rate, seed, patience, the run's epochs), the data's real row counts, and the span of epochs a call runs, so runs of
other lengths and sizes share a program, and a run goes in chunks (``advance``) that carry its whole state.

Keras semantics (``keras/src/trainers``): each epoch reshuffles the real training rows from the run's seed and walks
them in batches of ``batch_size``, keeping the last partial batch (80 -> 32, 32, 16). The loss of a batch is the mean
data loss plus the penalty; the epoch's figures are batch-size-weighted means of per-batch figures, each taken with
the weights *before* that batch's update; validation figures are taken after the epoch's last update, in batches of
``batch_size`` too. Each step: the gradient of the data loss and the smooth penalties, then the update of
engine/chain.py.

Rows past a run's real count are padding: each epoch's order puts them last, the batch loop stops at the last real
batch, and their weight 0 keeps them out of every mean (a partial batch's mean is over its real rows, as Keras's).
"""

from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
import optax

from ..vocabulary.errors import ReglabError
from ..vocabulary.history import KEYS, snapshot_epochs, with_totals
from . import chain, mlp, penalties


@dataclass(frozen=True)
class Program:
    """The static shape of a training run; models with equal Programs share one compiled program."""

    sizes: tuple[int, ...]  # (n_in, hidden..., n_out)
    activation: str
    optimizer: str
    batch_size: int  # the rows of a step: the run's batch size, or for one batch of all rows, at most those rounded up
    epochs: int  # the most epochs a run takes (``capacity``); each run's own count is ``hparams["epochs"]``
    rows: int  # training rows the data is padded to (``row_capacity``); a run's own count is ``data["n_train"]``
    val_rows: int  # likewise validation rows, ``data["n_val"]`` of them real; 0: no validation data (no pass)
    orthant: bool = False  # some L1 factor uses method="proximal"
    groups: tuple = ()  # the group axes some group-lasso factor uses: 0 units (columns), 1 inputs (rows)
    max_norm: bool = False  # some max-norm constraint
    weight_decay: bool = False  # decoupled weight decay
    bias_penalty: bool = False  # some bias regularizer
    activity: bool = False  # some activity regularizer
    dropout: bool = False  # some dropout rate > 0 (a model of rate 0 has a program without: in one with dropout,
    # its draw skipped, it trained 1.5x the time)
    monitor: str | None = None  # early stopping's monitored history key (None: no early stopping)
    maximize: bool = False
    restore_best: bool = False
    snapshots: int = 0  # room for this many kept params; a run keeps ``hparams["snapshots"]`` (history.snapshot_epochs)
    loss: str = "crossentropy"  # or "mse": a regression head on float targets (mlp.per_sample_loss)
    figures: bool = True  # False: record the data loss alone (penalty, accuracy NaN; validation only if monitored)
    shuffle: bool = True  # False: every epoch walks the training rows in their order (Keras's fit(shuffle=False))


CAPACITIES = (1 << 13, 1 << 17)  # a program's epochs: runs of up to 8,192 epochs share one; up to 131,072 another
ROWS = 1 << 12  # the fewest rows a program is compiled for; then 4x as many, and so on
WIDE = 256  # one batch of all rows is compiled for at most max(WIDE, rows rounded up to a power of 2) rows a step
SORTED = 32  # the smallest shuffle: an epoch's order sorts the fewest of 32, 64, ... rows that hold the real ones
BLOCK = 128  # a shuffle draws its sort keys this many rows at a time
WIDE_KEYS = 1625  # a shuffle of more rows sorts by 64-bit keys (two words), as ties among 32-bit ones grow likely
ORDER_ENTRIES = 1 << 20  # the positions (int32, 4 MiB) of the epochs' orders one call of a training program takes


def capacity(epochs: int) -> int:
    """The epochs a program is compiled for, to serve a run of ``epochs``: the smallest of CAPACITIES that holds
    it. The loop over epochs stops at the run's own count, so a short run in a long program costs only the history
    buffers' memory (float32 [capacity] per figure)."""
    return next(c for c in CAPACITIES if epochs <= c)


def step_rows(batch_size: int, n: int) -> int:
    """The rows a step of a program takes for a run of ``batch_size`` on ``n`` training rows: ``batch_size``, but
    where that is one batch of all rows (Keras's ``batch_size >= n``), n rounded up to a power of 2, at least WIDE:
    one program serves one batch of any data up to WIDE rows (scikit-learn's ``batch_size="auto"``, min(200, n),
    takes two programs over data of 30 to 2,000 rows: this one, and batches of 200)."""
    return batch_size if batch_size < n else max(WIDE, 1 << max(n - 1, 0).bit_length())


def row_capacity(n: int, step: int) -> int:
    """The rows a program's data are padded to, for ``n`` real ones in steps of ``step`` rows: ROWS, 4 ROWS, 16 ROWS,
    ... (the fewest that hold n), rounded up to a multiple of ``step``. The work of an epoch follows the real rows
    (the shuffle sorts a power of 2 that holds them, the batch loops stop at the last real batch), so padding costs
    memory only."""
    rows = ROWS
    while rows < n:
        rows *= 4
    return -(-rows // step) * step


def plan(config, split, start=None, snapshots=0) -> tuple[Program, dict]:
    """The static Program and the per-model ``hparams`` (NumPy arrays) for ``config`` on ``split``. A data set
    without classes holds float targets [n] or [n, n_out]: a regression head, trained on the mean squared error.
    ``start``: ``{"epoch": epochs already run, ...}`` for a run that continues another (its shuffles and dropout
    draws are counted on from there; its weights come in the carry, ``blank``); ``snapshots``: keep the params after
    about this many evenly spaced epochs."""
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
        "first_epoch": np.asarray(start.get("epoch", 0) if start else 0, np.int32),  # shuffles and draws go on
        "snapshots": np.asarray(snapshots, np.int32),
        "patience": np.asarray(es.patience if es else 0, np.int32),
        "min_delta": f32(es.min_delta if es else 0.0),
        "start_from_epoch": np.asarray(es.start_from_epoch if es else 0, np.int32),
    }
    step = step_rows(config.batch_size, len(split.y_train))
    program = Program(
        sizes=sizes, activation=config.activation, optimizer=config.optimizer, batch_size=step,
        epochs=capacity(config.epochs), rows=row_capacity(len(split.y_train), step),
        val_rows=row_capacity(len(split.y_val), step) if len(split.y_val) else 0,
        orthant=any(k or b for k, b in l1_prox),
        groups=tuple(a for a in (0, 1) if any(f[a].any() for f in hparams["group"])),
        max_norm=bool(np.isfinite(hparams["max_norm"]).any()), weight_decay=config.weight_decay > 0,
        bias_penalty=biased, activity=bool(hparams["activity_l1"].any() or hparams["activity_l2"].any()),
        dropout=bool(hparams["dropout"].any()),
        monitor=es.monitor if es else None, maximize=bool(es and es.maximize),
        restore_best=bool(es and es.restore_best_weights), loss="mse" if regression else "crossentropy",
        shuffle=config.shuffle, snapshots=snapshots and 1 << (snapshots - 1).bit_length(),
    )
    return program, hparams


def data_arrays(split, program: Program) -> dict:
    """The arrays ``advance`` takes of ``split``: ``X_train`` [rows, n_in] float32, ``y_train`` [rows] (int32
    labels, or float targets), ``w_train`` [rows] (the rows' sample weights, or ones; 0 on padding), likewise
    ``X_val``, ``y_val``, ``w_val`` [val_rows], and the real counts ``n_train`` and ``n_val`` (int32 scalars)."""
    def pad(a, n):
        return np.concatenate([a, np.zeros((n - len(a), *a.shape[1:]), a.dtype)]) if len(a) < n else a

    def weights(w, n):
        return np.ones(n, np.float32) if w is None else np.asarray(w, np.float32)

    s, rows, val_rows = split, program.rows, program.val_rows
    return {"X_train": pad(s.X_train, rows), "y_train": pad(s.y_train, rows),
            "w_train": pad(weights(s.w_train, len(s.y_train)), rows),
            "X_val": pad(s.X_val.reshape(-1, s.X_train.shape[1]), val_rows),
            "y_val": pad(s.y_val.astype(s.y_train.dtype).reshape(-1, *s.y_train.shape[1:]), val_rows),
            "w_val": pad(weights(s.w_val, len(s.y_val)), val_rows),
            "n_train": np.int32(len(s.y_train)), "n_val": np.int32(len(s.y_val))}


def run_keys(seed):
    """The run's three streams from its seed: (initialization, shuffling, dropout)."""
    return jax.random.split(jax.random.key(seed), 3)


def _sort_keys(key, n_real, n_rows):
    """uint32 [words, n_rows rounded up to BLOCK]: each position's random sort key, one word (two where n_rows >
    WIDE_KEYS; the second drawn only where n_real > WIDE_KEYS, else 0), those from ``n_real`` on (padding) left
    unset. Drawn BLOCK at a time (block b from ``fold_in(key, b)``), only as many blocks as the real rows take: a
    position's key does not depend on ``n_rows``, and the draw's cost (and its compile: one draw in one loop) follows
    the real rows."""
    words = 2 if n_rows > WIDE_KEYS else 1
    blocks = jnp.maximum((n_real + BLOCK - 1) // BLOCK, 1)
    drawn = 2 if words == 1 else jnp.where(n_real > WIDE_KEYS, 2, 1)  # words drawn (a block draws both at once)

    def block(b, keys):
        bits = jax.random.bits(jax.random.fold_in(key, b), (2, BLOCK), jnp.uint32)
        bits = bits[:words] * (jnp.arange(words)[:, None] < drawn).astype(jnp.uint32)
        return jax.lax.dynamic_update_slice(keys, bits, (0, b * BLOCK))

    keys = jnp.zeros((words, -(-n_rows // BLOCK) * BLOCK), jnp.uint32)
    return jax.lax.fori_loop(1, blocks, block, block(0, keys))  # most shuffles are of one block


def sort_size(n_real: int, n_rows: int) -> int:
    """The positions ``epoch_order`` sorts for ``n_real`` real rows of ``n_rows``: the fewest of SORTED, 2 SORTED,
    ... that hold them, or all ``n_rows``."""
    size = SORTED
    while size < n_real and size < n_rows:
        size *= 2
    return min(size, n_rows)


def epoch_order(shuffle_key, epoch, n_rows, n_real=None, size=None):
    """The order [n_rows] in which epoch ``epoch`` (0-based) visits the training rows, a random permutation: the
    positions sorted by random keys (``_sort_keys``; the sort is stable). With ``n_real`` (a traced count; rows from
    n_real on are padding) the real rows come first, in the same order as for ``n_rows = n_real`` rows, padding
    after; the sort then runs over the fewest of SORTED, 2 SORTED, ... rows that hold them (a ``lax.switch``; with
    ``size``, ``sort_size(n_real, n_rows)`` known, that one alone), so its cost follows the real rows."""
    key = jax.random.fold_in(shuffle_key, epoch)
    sizes = [n_rows] if n_real is None else [SORTED << k for k in range(32) if SORTED << k < n_rows] + [n_rows]
    n_real = jnp.asarray(n_rows if n_real is None else n_real, jnp.int32)
    keys = _sort_keys(key, n_real, n_rows)
    top = np.uint32(np.iinfo(np.uint32).max)

    def sort(size):  # padding's keys the largest: the real rows first, in their order
        def branch(keys):
            real = jnp.arange(size) < n_real
            words = [jnp.where(real, k[:size], top) for k in keys[:2 if size > WIDE_KEYS else 1]]
            order = jax.lax.sort((*words, jnp.arange(size)), num_keys=len(words))[-1]
            return jnp.concatenate([order, jnp.arange(size, n_rows)])
        return branch

    if size is not None:
        return sort(size)(keys)
    which = sum((n_real > n).astype(jnp.int32) for n in sizes[:-1])
    return jax.lax.switch(which, [sort(n) for n in sizes], keys)


def order_capacity(rows: int) -> int:
    """The epochs of orders one ``epoch_orders`` call makes for data of ``rows`` rows: as many as ORDER_ENTRIES
    positions hold, at least 1 (256 for 4,096 rows)."""
    return max(1, ORDER_ENTRIES // rows)


def epoch_orders(seed, first, count, n_real, n_rows, capacity, size):
    """int32 [capacity, n_rows]: row i is ``epoch_order`` of epoch ``first + i`` (0-based, counted on from a
    continued run's start) for a run of ``seed`` on ``n_real`` real rows of ``n_rows``, for i < ``count`` (the rest
    0). ``size``: ``sort_size(n_real, n_rows)``, for a program that serves data of that size alone (None: of any
    size). Compiled apart from the training program (``advance``'s ``orders``) and shared by every network whose data
    have ``n_rows`` rows: the shuffle is about a third of a small training program's compile."""
    shuffle_key = run_keys(seed)[1]

    def one(i, out):
        order = epoch_order(shuffle_key, first + i, n_rows, n_real, size)
        return jax.lax.dynamic_update_slice(out, order[None], (i, 0))

    return jax.lax.fori_loop(0, count, one, jnp.zeros((capacity, n_rows), jnp.int32))


def _mean(x, weight):
    """The mean of ``x`` [n], weighted by ``weight`` [n] (None: unweighted); 0 where the weights sum to 0 (a batch
    of weightless rows pulls on nothing)."""
    if weight is None:
        return jnp.mean(x)
    total = jnp.sum(weight)
    return jnp.sum(x * weight) / jnp.where(total > 0, total, 1.0)


def blank(program: Program, hparams, start=None) -> dict:
    """The carry of a run not yet begun (NumPy): ``advance``'s state between calls. ``params`` (zeros, drawn by the
    first call from the seed; or ``start["params"]``), ``opt_state`` (the leaves of the optimizer's state: zeros,
    made by the first call; or ``start["opt_state"]``), ``fresh`` (2: draw the weights and make the optimizer's
    state, 1: make the state, 0: go on), ``history`` (history.KEYS -> float32 [program.epochs], NaN until written),
    with ``program.snapshots`` ``snapshots`` (params with a leading axis [program.snapshots]), with early stopping
    ``early`` (its best value, best epoch, best params, wait and stopped epoch)."""
    params, leaves = _shapes(program, hparams)
    zeros = lambda s: np.zeros(s.shape, s.dtype)  # noqa: E731
    carry = {"params": jax.tree.map(zeros, params), "opt_state": [zeros(s) for s in leaves], "fresh": np.int32(2),
             "history": {key: np.full(program.epochs, np.nan, np.float32) for key in KEYS}}
    if start is not None and start.get("params") is not None:
        carry["params"] = jax.tree.map(lambda p: np.asarray(p, np.float32), start["params"])
        carry["fresh"] = np.int32(1)
        if start.get("opt_state") is not None:
            carry["opt_state"], carry["fresh"] = [np.asarray(v) for v in start["opt_state"]], np.int32(0)
    if program.snapshots:
        carry["snapshots"] = jax.tree.map(lambda s: np.zeros((program.snapshots, *s.shape), s.dtype), params)
    if program.monitor:
        carry["early"] = {"best": np.float32(np.inf), "best_epoch": np.int32(0), "wait": np.int32(0),
                          "stopped_epoch": np.int32(0)}
        if program.restore_best:
            carry["early"]["best_params"] = jax.tree.map(zeros, params)
    return carry


_SHAPES = {}


def _shapes(program, hparams):
    """(params, the optimizer state's leaves) of ``program`` as ShapeDtypeStructs, traced once per Program."""
    if program not in _SHAPES:
        params = jax.eval_shape(lambda: mlp.init(jax.random.key(0), program.sizes))
        state = jax.eval_shape(lambda h, p: chain.make(program, h).init(p), hparams, params)
        _SHAPES[program] = (params, jax.tree.leaves(state))
    return _SHAPES[program]


def advance(program: Program, hparams, data, carry, span, orders=None):
    """Run epochs ``span[0]`` to ``span[1]`` (0-based, int32 [2]) of one model: ``carry`` (``blank``) in, ``carry``
    out, so that a run may go in any number of calls with the same result. Each epoch's figures go into row e of
    ``carry["history"]``; with early stopping (Keras's EarlyStopping) the loop ends at the epoch it stops on
    (``carry["early"]["stopped_epoch"]``, 1-based), and a call that starts stopped does nothing. ``data``:
    ``data_arrays``. ``orders``: the span's epochs' orders (``epoch_orders`` from ``span[0]`` on, int32 [at least
    span[1] - span[0], program.rows]); None: each epoch's order is drawn here (a program that shuffles then
    compiles the shuffle in)."""
    init_key, shuffle_key, dropout_key = run_keys(hparams["seed"])

    def order_of(e):  # epoch e's order of the training rows
        if not program.shuffle:
            return jnp.arange(program.rows)
        if orders is None:
            return epoch_order(shuffle_key, e + hparams["first_epoch"], program.rows, data["n_train"])
        return orders[e - span[0]]

    opt = chain.make(program, hparams)
    params = jax.lax.cond(carry["fresh"] == 2, lambda: mlp.init(init_key, program.sizes), lambda: carry["params"])
    structure = jax.tree.structure(jax.eval_shape(opt.init, params))
    opt_state = jax.lax.cond(carry["fresh"] >= 1, lambda: jax.tree.leaves(opt.init(params)),
                             lambda: list(carry["opt_state"]))
    opt_state = jax.tree.unflatten(structure, opt_state)
    run_epoch = _epoch(program, hparams, data, opt, order_of, dropout_key)
    every = (hparams["epochs"] + hparams["snapshots"] - 1) // jnp.maximum(hparams["snapshots"], 1)

    def record(e, state, rows, snaps):
        state, row = run_epoch(state, e)
        rows = {key: rows[key].at[e].set(row[key]) for key in KEYS}
        if program.snapshots:
            snaps = jax.tree.map(lambda s, p: s.at[e // every].set(p), snaps, state[0])
        return state, row, rows, snaps

    state, snaps = (params, opt_state), carry.get("snapshots")
    out = dict(carry, fresh=jnp.int32(0))
    if program.monitor is None:
        def body(e, loop):
            state, rows, snaps = loop
            state, _, rows, snaps = record(e, state, rows, snaps)
            return state, rows, snaps

        state, out["history"], snaps = jax.lax.fori_loop(span[0], span[1], body, (state, carry["history"], snaps))
    else:
        state, out["history"], snaps, out["early"] = _early_stopping(program, hparams, record, span, state,
                                                                     carry["history"], snaps, carry["early"])
    out["params"], out["opt_state"] = state[0], jax.tree.leaves(state[1])
    if program.snapshots:
        out["snapshots"] = snaps
    return out


def _early_stopping(program, hparams, record, span, state, rows, snaps, early):
    """Keras's EarlyStopping (``keras/src/callbacks/early_stopping.py``) over epochs ``span``: a ``while_loop`` that
    ends at the epoch the run stops on."""
    sign = -1.0 if program.maximize else 1.0  # compare as "lower is better"

    def going(loop):
        e, _, _, _, early = loop
        return (e < span[1]) & (early["stopped_epoch"] == 0)

    def body(loop):
        e, state, rows, snaps, early = loop
        state, row, rows, snaps = record(e, state, rows, snaps)
        value = sign * with_totals(row)[program.monitor]
        watching = e >= hparams["start_from_epoch"]
        first = watching & (early["best_epoch"] == 0)
        improved = watching & (first | (value + hparams["min_delta"] < early["best"]))
        wait = jnp.where(watching, jnp.where(improved, 0, early["wait"] + 1), early["wait"])
        keep = improved | first
        early = {"best": jnp.where(improved, value, early["best"]), "best_epoch": jnp.where(keep, e + 1,
                 early["best_epoch"]), "wait": wait,
                 "stopped_epoch": jnp.where(watching & ~improved & (wait >= hparams["patience"]) & (e > 0), e + 1, 0)}
        if program.restore_best:
            early["best_params"] = jax.tree.map(lambda b, p: jnp.where(keep, p, b), loop[4]["best_params"], state[0])
        return e + 1, state, rows, snaps, early

    _, state, rows, snaps, early = jax.lax.while_loop(going, body, (span[0], state, rows, snaps, early))
    return state, rows, snaps, early


def _epoch(program, hparams, data, opt, order_of, dropout_key):
    """``run_epoch(state, e) -> (state, row)``: epoch e (0-based, of this run; its rows in the order ``order_of(e)``)
    of training, state ``(params, opt_state)``, row history.KEYS -> the epoch's figures (validation ones NaN without
    validation data)."""
    bs = program.batch_size
    widths = program.sizes[1:-1]
    X_train, y_train, w_train = data["X_train"], data["y_train"], data["w_train"]
    X_val, y_val, w_val = data["X_val"], data["y_val"], data["w_val"]
    n_train, n_val = data["n_train"], data["n_val"]
    total = jnp.sum(w_train)  # an epoch's figures are means over its rows' weights

    # Dropout multipliers, one [batch, width] per hidden layer; compiled in only where the model has dropout (its
    # random draw is about a third of a small program's compile time).
    def masks(epoch, i):
        if not program.dropout:
            return []
        key = jax.random.fold_in(jax.random.fold_in(dropout_key, epoch), i)
        return mlp.dropout_masks(key, hparams["dropout"], bs, widths)

    # The orthant-wise and group terms act through the chain, not the gradient; their value still counts.
    # They are compiled in only where a model uses them (they cost a plain model 15-30% more time per step).
    def nonsmooth(params, pen):
        if program.orthant:
            pen = pen + penalties.weights(params, hparams["l1_prox"])
        if program.groups:
            pen = pen + penalties.groups(params, hparams["group"])
        return pen

    def objective(params, xb, yb, masks, weight):
        logits, hidden = mlp.forward(params, xb, program.activation, masks, hidden=True)
        data_loss = _mean(mlp.per_sample_loss(logits, yb, program.loss), weight)
        pen = penalties.weights(params, hparams["l1"], hparams["l2"])
        if program.activity:
            pen = pen + penalties.activity(hidden, hparams["activity_l1"], hparams["activity_l2"], weight)
        if not program.figures:  # the penalty's value then goes unused, and XLA leaves it out (its gradient stays)
            return data_loss + pen, (data_loss, jnp.float32(jnp.nan), jnp.float32(jnp.nan))
        hits = mlp.correct(logits, yb, program.loss)
        return data_loss + pen, (data_loss, pen, jnp.sum(hits * weight))

    def step(i, loop):  # batch i: bs rows of the order from row i * bs on (padding has weight 0)
        (params, opt_state), sums, order, epoch = loop
        idx = jax.lax.dynamic_slice_in_dim(order, i * bs, bs)
        weight = w_train[idx]  # the rows' own weights (padding: 0)
        grads, (data_loss, pen, hits) = jax.grad(objective, has_aux=True)(params, X_train[idx], y_train[idx],
                                                                          masks(epoch, i), weight)
        if program.figures:
            pen = nonsmooth(params, pen)  # every term's value, before the update (Keras's batch figure)
        updates, opt_state = opt.update(grads, opt_state, params)
        n = jnp.sum(weight)
        sums = sums + jnp.stack([data_loss * n, pen * n, hits])
        return (optax.apply_updates(params, updates), opt_state), sums, order, epoch

    def validate(params):  # the validation rows in batches of bs: sums of weighted loss, hits, activity; weights
        def batch(i, sums):
            rows = lambda a: jax.lax.dynamic_slice_in_dim(a, i * bs, bs)  # noqa: E731
            logits, hidden = mlp.forward(params, rows(X_val), program.activation, hidden=True)
            weight = rows(w_val)
            activity = penalties.activity_sum(hidden, hparams["activity_l1"], hparams["activity_l2"], weight) \
                if program.activity else 0.0
            return sums + jnp.stack([jnp.sum(mlp.per_sample_loss(logits, rows(y_val), program.loss) * weight),
                                     jnp.sum(mlp.correct(logits, rows(y_val), program.loss) * weight), activity,
                                     jnp.sum(weight)])

        # the first batch outside the loop: most validation sets are one batch, and a loop's turn costs more than it
        sums = jax.lax.fori_loop(1, (n_val + bs - 1) // bs, batch, batch(0, jnp.zeros(4, jnp.float32)))
        count = sums[3]  # 0 without validation data: the figures are NaN
        pen = nonsmooth(params, penalties.weights(params, hparams["l1"], hparams["l2"]))
        return {"val_data_loss": sums[0] / count, "val_penalty": pen + sums[2] / count,
                "val_accuracy": sums[1] / count}

    def run_epoch(state, e):
        epoch = e + hparams["first_epoch"]
        order = order_of(e)
        state, sums, _, _ = jax.lax.fori_loop(0, (n_train + bs - 1) // bs, step,
                                              (state, jnp.zeros(3, jnp.float32), order, epoch))
        row = {"data_loss": sums[0] / total, "penalty": sums[1] / total, "accuracy": sums[2] / total}
        if program.val_rows and (program.figures or program.monitor):
            row.update(validate(state[0]))
        else:
            row.update({key: jnp.float32(jnp.nan) for key in KEYS if key.startswith("val_")})
        return state, row

    return run_epoch


def finish(program: Program, carry, epochs, snapshots=0, validation=True) -> tuple[list, dict, dict, list | None]:
    """``(params, history, info, snapshots)`` as NumPy from a run's last carry: the params (with
    ``restore_best``, those of the best epoch, where one was seen, as Keras restores them), the history cut to the
    run's ``epochs`` (without ``validation``, no ``val_*`` figures, as Keras), info's ``stopped_epoch`` and
    ``best_epoch`` (1-based, 0 if none), and the kept params after each epoch of
    ``history.snapshot_epochs(epochs, snapshots)`` (after an early stop, those it stopped with)."""
    carry = jax.tree.map(np.asarray, carry)
    history = {key: rows[:epochs] for key, rows in carry["history"].items() if validation or not
               key.startswith("val_")}
    early = carry.get("early", {})
    info = {"stopped_epoch": int(early.get("stopped_epoch", 0)), "best_epoch": int(early.get("best_epoch", 0))}
    params = carry["params"]
    kept = None
    if snapshots:
        kept = jax.tree.map(lambda s: s[:len(snapshot_epochs(epochs, snapshots))].copy(), carry["snapshots"])
        if info["stopped_epoch"]:  # the slots after the stop hold the params it stopped with
            every = -(-epochs // snapshots)
            last = (info["stopped_epoch"] - 1) // every
            kept = jax.tree.map(lambda s, p: np.concatenate([s[:last + 1], np.broadcast_to(p, (len(s) - last - 1,
                                                                                                 *p.shape))]),
                                kept, params)
    if program.restore_best and info["best_epoch"]:
        params = early["best_params"]
    return params, history, info, kept


def initial_gradient(program: Program, hparams, data):
    """``(params, grads)``: the run's initial params and the gradient of its mean data loss over every training row
    there (``data_arrays``: weighted by ``w_train``, so padding counts for nothing; no penalty, no dropout): what a
    regularization path's largest useful strength is measured against."""
    params = mlp.init(run_keys(hparams["seed"])[0], program.sizes)

    def data_loss(p):
        logits = mlp.forward(p, data["X_train"], program.activation)
        return _mean(mlp.per_sample_loss(logits, data["y_train"], program.loss), data["w_train"])

    return params, jax.grad(data_loss)(params)
