"""The one way reglab trains: jobs in, trained models out as they finish, on an executor its callers never see.

    jobs = [Job(config, split, tag=i) for i, config in enumerate(configs)]
    for job, trained in run(jobs, executor="threads", cancel=event, progress=on_epochs):
        ...

A job is a ModelConfig and its own data (a ``data.Split``: train and validation arrays). Jobs whose networks have
one shape share one compiled program (engine/program.py: the epochs, rows and validation rows of each are runtime
values, its data padded to the program's row capacity), with per-model hyperparameters and data as arguments.

A model trains in chunks of epochs, each a call of its program that carries the run's whole state to the next, sized
to take about CHUNK_SECONDS: between chunks the runner reports the epochs done (``progress(job, epochs)``) and
stops a model whose run was cancelled. The result is the same however a run is cut.

An executor (``threads`` on the CPU, ``vectorized`` on an accelerator, ``ray`` on a cluster) is a callable
``(tasks, cancelled, ahead, progress) -> iterator of (task, Trained)``, ``cancelled()`` saying whether to stop and
``ahead`` tasks whose programs it may compile in advance; a new one (a process pool, say) is one entry in
``EXECUTORS``. Setting ``cancel`` (from any thread), or leaving the loop (``break``, an exception, Ctrl-C), starts
no further compile or model, and stops the models running at the end of their chunk: they are reported
(``progress(job, epochs, cancelled=True)``), never yielded.
"""

import os
import threading
import time
import warnings
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor, as_completed, wait
from contextlib import closing, nullcontext
from dataclasses import dataclass, field, replace
from typing import Iterator

import jax
import numpy as np

from ..output.cache import cache_dir
from ..vocabulary.errors import ReglabError
from ..vocabulary.history import KEYS
from . import program as programs
from .exported import compile_exported
from .program import Program, advance, blank, data_arrays, epoch_orders, finish, order_capacity, plan, sort_size

if not jax.config.jax_compilation_cache_dir:  # a second process reuses programs compiled by the first
    jax.config.update("jax_compilation_cache_dir", str(cache_dir("jax")))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.2)
    # An entry that cannot be written (a full disk) costs the next process a compile: nothing to add to the
    # outputs' own one-line error. (JAX writes entries in place: one cut short warns when a later process reads it.)
    warnings.filterwarnings("ignore", "Error writing persistent compilation cache entry", UserWarning)

CHUNK_SECONDS = 0.1  # a model's chunks of epochs take about this long: how often it reports and looks for a cancel
FIRST_CHUNK = 8  # epochs of a model's first chunk, which measures how long an epoch takes


@dataclass(eq=False, frozen=True)
class Job:
    """One model to train: its ``config``, its ``data`` (a Split) and the caller's ``tag``; ``snapshots``: keep the
    params after about this many evenly spaced epochs too (``Trained.snapshots``); ``figures=False``: record the
    data loss alone (NaN for the other figures, unless early stopping watches them), for a model only its final
    weights are asked of (a cross-validation fold's, say): about a third less work per step. ``after``: a function
    of the trained params giving a dict of figures (a decision boundary's length, say), called where the model
    trained (a pool thread, a Ray worker: picklable there), its result in ``Trained.extra``. ``start``: continue
    from ``{"params": [...], "opt_state": leaves or None, "epoch": epochs run before}`` (the leaves a
    ``Trained.opt_state``: the optimizer as it was left) rather than from new weights; ``keep_state``: hand back
    the optimizer's state (``Trained.opt_state``)."""

    config: object
    data: object
    tag: object = None
    snapshots: int = 0
    figures: bool = True
    after: object = None
    start: dict | None = None
    keep_state: bool = False


@dataclass
class Trained:
    """What one training run produced, as NumPy: final params, per-epoch history, and timings in seconds
    (``compile_seconds`` on the first model of each program, else 0). ``info``: ``stopped_epoch`` and
    ``best_epoch`` of early stopping (1-based; 0 when it did not act). ``snapshots``: for a job that asked, the
    params after each epoch of ``history.snapshot_epochs`` (arrays with a leading axis [S]), else None. ``extra``:
    what the job's ``after`` made of the params."""

    params: list
    history: dict
    compile_seconds: float
    train_seconds: float
    info: dict
    snapshots: list | None = None
    extra: dict = field(default_factory=dict)
    opt_state: list | None = None  # the optimizer state's leaves after the run, for a job that kept it

    def finished(self, job) -> "Trained":
        """This, with ``extra`` from ``job.after`` (where the job has one)."""
        if job.after is not None:
            self.extra = dict(job.after(self.params))
        return self


@dataclass(eq=False)
class _Task:
    job: Job
    program: Program
    args: tuple  # (hparams, data, carry): program.advance's arguments but the span


class _Compiled:
    """Compiled programs by kind, Program and argument shapes; one thread compiles, the others wait for it.

    The CAPACITY most recently used are kept in the process (a long-lived server would otherwise keep every program
    it ever compiled: with some 150 alive, XLA once failed to serialize a new one for JAX's persistent cache and the
    process died unwinding that error). One evicted and needed again comes back from the on-disk caches
    (engine/exported.py and JAX's persistent cache) rather than from tracing and XLA's compiler. ``compiles`` counts
    the compilations."""

    CAPACITY = 32

    def __init__(self):
        self._programs, self._locks, self._guard = OrderedDict(), {}, threading.Lock()
        self.compiles = 0
        # vmap over models: the real row counts are the same for a batch of models (``vectorized`` groups them so),
        # which keeps the shuffle's switch a switch and the batch loops' counts scalars
        counts = {key: None if key in ("n_train", "n_val") else 0 for key in _DATA_KEYS}
        self._jitted = {"one": jax.jit(advance, static_argnums=0),
                        "vectorized": jax.jit(jax.vmap(advance, in_axes=(None, 0, counts, 0, None)),
                                              static_argnums=0)}

    def get(self, kind, program, args):
        """(compiled program, seconds spent compiling it now: 0 when it was compiled before)."""
        args = (*args, _span(0, 0))
        if kind == "one" and program.shuffle:  # its epochs' orders come in (``_orders``)
            args = (*args, jax.ShapeDtypeStruct((order_capacity(program.rows), program.rows), np.int32))
        key = (kind, program, tuple((a.shape, a.dtype) for a in jax.tree.leaves(args)))
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            with self._guard:
                if key in self._programs:
                    self._programs.move_to_end(key)
                    return self._programs[key], 0.0
            start = time.perf_counter()
            compiled = compile_exported(kind, self._jitted[kind], program, args)
            seconds = time.perf_counter() - start
            with self._guard:
                self._programs[key] = compiled
                self.compiles += 1
                while len(self._programs) > self.CAPACITY:
                    self._programs.popitem(last=False)
            return compiled, seconds


_DATA_KEYS = ("X_train", "y_train", "w_train", "X_val", "y_val", "w_val", "n_train", "n_val")
_COMPILED = _Compiled()
_ORDERS, _ORDERS_GUARD = {}, threading.RLock()
_ORDER_COMPILER = ThreadPoolExecutor(1, thread_name_prefix="reglab-orders")


def _orders(rows, n_real):
    """A Future of a compiled ``program.epoch_orders`` that serves ``n_real`` real rows of ``rows``, compiled in a
    thread of its own, beside the training programs' compiles. The first ask for a row capacity compiles the
    program of its sort size alone (0.36 s against 0.55 s), a second size the one of every size (a ``lax.switch``),
    which serves all later data of that capacity (folds, a page's other sample counts) without a compile."""
    size = sort_size(n_real, rows)
    with _ORDERS_GUARD:
        known = _ORDERS.get((rows, size)) or _ORDERS.get((rows, None))
        if known is not None:
            return known
        first = not any(key[0] == rows for key in _ORDERS)
        return _compiling_orders(rows, size if first else None)


def prepare_shuffles(rows=programs.ROWS):
    """Compile (or load), in the background, the shuffle program of every size for data of up to ``rows`` rows: for
    a server whose next data may be of any size."""
    _compiling_orders(rows, None)


def _compiling_orders(rows, size):
    """The Future of ``epoch_orders`` for ``rows`` and ``size`` (None: every size), submitted once."""
    with _ORDERS_GUARD:
        if (rows, size) not in _ORDERS:
            _ORDERS[rows, size] = _ORDER_COMPILER.submit(_compile_orders, rows, size)
        return _ORDERS[rows, size]


def _compile_orders(rows, size):
    scalar = lambda dtype: jax.ShapeDtypeStruct((), dtype)  # noqa: E731
    return jax.jit(epoch_orders, static_argnums=(4, 5, 6)).lower(
        scalar(np.uint32), scalar(np.int32), scalar(np.int32), scalar(np.int32), rows, order_capacity(rows),
        size).compile()


def _span(since, until):
    return np.array([since, until], np.int32)


def _tasks(jobs) -> list[_Task]:
    """Plan every job and give it its arguments: jobs on one Split share its padded arrays (one copy to hold, or to
    send a cluster). Refuses, before anything compiles, jobs whose histories (float32 figures per epoch) would not
    fit in memory."""
    planned = [(job, *plan(job.config, job.data, job.start, job.snapshots)) for job in jobs]
    need = sum(4 * len(KEYS) * p.epochs for _, p, _ in planned)  # the programs' history buffers
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") if hasattr(os, "sysconf") else float("inf")
    if need > memory / 2:
        epochs = max(job.config.epochs for job, _, _ in planned)
        raise ReglabError("epochs", epochs, f"fewer: the histories of {len(planned)} model(s) would take "
                          f"{need / 2**30:.1f} GiB of this machine's {memory / 2**30:.0f} GiB")
    tasks, arrays = [], {}
    for job, program, hparams in planned:
        program = replace(program, figures=job.figures)
        key = (id(job.data), program.rows, program.val_rows)
        if key not in arrays:
            arrays[key] = data_arrays(job.data, program)
        tasks.append(_Task(job, program, (hparams, arrays[key], blank(program, hparams, job.start))))
    return tasks


def _chunks(call, carry, epochs, done_with, stopped, cancelled, most=None):
    """Run ``call(carry, span)`` over epochs 0 to ``epochs`` in chunks of about CHUNK_SECONDS (at most ``most``
    epochs), ``done_with(epochs done)`` after those that end CHUNK_SECONDS or more after the last told; stop early
    once ``stopped(carry)`` (early stopping) or ``cancelled()``. Returns (carry, seconds of training, whether the run
    was cancelled before its end)."""
    most = most or epochs
    done, chunk, seconds, told = 0, min(FIRST_CHUNK, most), 0.0, time.perf_counter()
    while done < epochs:
        until = min(epochs, done + chunk)
        began = time.perf_counter()
        carry = jax.block_until_ready(call(carry, _span(done, until)))
        took = time.perf_counter() - began
        seconds += took
        ran, done = until - done, until
        if stopped(carry):
            break
        if done < epochs and cancelled():
            done_with(done, True)
            return carry, seconds, True
        if began + took - told >= CHUNK_SECONDS or done == epochs:
            done_with(done, False)
            told = began + took
        chunk = max(1, min(8 * ran, most, int(ran * CHUNK_SECONDS / max(took, 1e-6))))
    return carry, seconds, False


def _stopped(carry) -> bool:
    return "early" in carry and bool(np.all(np.asarray(carry["early"]["stopped_epoch"]) > 0))


def _trained(task, carry, compile_seconds, seconds) -> Trained:
    """``task``'s Trained from its run's last carry (program.finish)."""
    job = task.job
    params, history, info, snapshots = finish(task.program, carry, job.config.epochs, job.snapshots,
                                              validation=int(task.args[1]["n_val"]) > 0)
    opt_state = [np.asarray(v) for v in carry["opt_state"]] if job.keep_state else None
    return Trained(params, history, compile_seconds, seconds, info, snapshots, opt_state=opt_state).finished(job)


def _quiet(job, epochs, cancelled=False):
    """No one to tell of a model's epochs."""


def _train(compiled, compile_seconds, task, cancelled=lambda: False, progress=_quiet) -> Trained | None:
    """One model by its compiled single-model program, chunk by chunk (each with its epochs' orders, ``_orders``,
    where it shuffles); None if it was cancelled."""
    hparams, data = jax.device_put(task.args[:2])  # once, not at every chunk's call
    program, call, most = task.program, (lambda c, span: compiled(hparams, data, c, span)), None
    if program.shuffle:
        first, n_real = np.int32(task.args[0]["first_epoch"]), np.int32(task.args[1]["n_train"])
        orders, most = _orders(program.rows, int(n_real)).result(), order_capacity(program.rows)

        def call(c, span):
            return compiled(hparams, data, c, span, orders(hparams["seed"], first + span[0], span[1] - span[0], n_real))

    carry, seconds, cut = _chunks(call, task.args[2], task.job.config.epochs,
                                  lambda done, cut: progress(task.job, done, cut), _stopped, cancelled, most)
    return None if cut else _trained(task, carry, compile_seconds, seconds)


def train_task(program, hparams, data, carry, job, progress=_quiet) -> Trained:
    """One model by its single-model program, compiled once per process: where a Ray worker trains it;
    ``progress(job, epochs)`` after each chunk."""
    task = _Task(job, program, (hparams, data, carry))
    compiled, seconds = _COMPILED.get("one", program, task.args)
    return _train(compiled, seconds, task, progress=progress)


def default_executor() -> str:
    return "threads" if jax.default_backend() == "cpu" else "vectorized"


def threads(tasks, cancelled, ahead=(), progress=_quiet, workers=None) -> Iterator[tuple[_Task, Trained]]:
    """Each task's own single-model program, ``workers`` (default: one per CPU core) at a time: JAX releases the
    GIL while a program runs, and results are bit-identical to training each job alone. The distinct programs
    compile one after another in a thread of their own, so the first program's models train while the next one
    compiles (tracing holds the GIL: compiled at once they only slow each other down); then those of ``ahead``."""
    firsts, closed = {}, threading.Event()
    for task in tasks:
        firsts.setdefault(task.program, task)
        if task.program.shuffle:  # the shuffles' programs compile beside the training programs
            _orders(task.program.rows, int(task.args[1]["n_train"]))
    stop = lambda: closed.is_set() or cancelled()  # noqa: E731  (the caller cancelled, or left the loop)
    compiler = ThreadPoolExecutor(1, thread_name_prefix="reglab-compile")
    compiles = {program: compiler.submit(_COMPILED.get, "one", program, task.args) for program, task in firsts.items()}
    for task in ahead:
        if task.program not in compiles:
            compiles[task.program] = compiler.submit(_COMPILED.get, "one", task.program, task.args)
    pool = ThreadPoolExecutor(min(workers or os.cpu_count() or 1, max(len(tasks), 1)), thread_name_prefix="reglab")

    def work(task):
        if stop():
            return None
        compiled, seconds = compiles[task.program].result()  # a failed compile raises here, for the caller
        if stop():
            return None
        return _train(compiled, seconds if task is firsts[task.program] else 0.0, task, stop, progress)

    try:
        futures = {pool.submit(work, task): task for task in tasks}
        for future in as_completed(futures):
            trained = future.result()
            if trained is not None:
                yield futures[future], trained
        wait(compiles.values())  # every task done: let the programs ahead finish compiling (an error is theirs)
    finally:  # start nothing more; running models stop at their chunk's end (a thread still inside XLA at exit
        closed.set()  # aborts the process)
        compiler.shutdown(wait=False, cancel_futures=True)
        pool.shutdown(wait=True, cancel_futures=True)
        compiler.shutdown(wait=True)


def vectorized(tasks, cancelled, ahead=(), progress=_quiet, chunk=256) -> Iterator[tuple[_Task, Trained]]:
    """Tasks of one program as one ``jax.vmap``-ed program over hyperparameters and data, ``chunk`` at a time;
    ``train_seconds`` is the batch's time divided by its models. Batched dots sum in another order, so results
    agree with single-model runs to float32 rounding at first, and only in distribution after many chaotic epochs.
    Programs compile in the calling thread, as each batch starts (``ahead`` is not compiled in advance)."""
    groups = {}
    for task in tasks:  # one epoch count and one pair of row counts a batch
        counts = (task.job.config.epochs, int(task.args[1]["n_train"]), int(task.args[1]["n_val"]))
        groups.setdefault((task.program, counts), []).append(task)
    for (program, (epochs, _, _)), members in groups.items():
        for start in range(0, len(members), chunk):
            if cancelled():
                return
            part = members[start:start + chunk]
            stacked = [jax.tree.map(lambda *leaves: np.stack(leaves), *(t.args[i] for t in part)) for i in (0, 2)]
            data = {key: np.stack([t.args[1][key] for t in part]) if key not in ("n_train", "n_val")
                    else part[0].args[1][key] for key in _DATA_KEYS}
            args = (*jax.device_put((stacked[0], data)), stacked[1])  # once, not at every chunk's call
            compiled, compile_seconds = _COMPILED.get("vectorized", program, args)

            def report(done, cut):
                for task in part:
                    progress(task.job, done, cut)

            carry, seconds, cut = _chunks(lambda c, span: compiled(*args[:2], c, span), args[2], epochs, report,
                                          _stopped, cancelled)
            if cut:
                return
            for i, task in enumerate(part):
                yield task, _trained(task, jax.tree.map(lambda a: np.asarray(a)[i], carry),
                                     compile_seconds if i == 0 else 0.0, seconds / len(part))


def ray(tasks, cancelled, ahead=(), progress=_quiet, **options) -> Iterator[tuple[_Task, Trained]]:
    """Each task a Ray task on a cluster's workers (engine/ray_executor.py; ``address``, ``in_flight``); their
    epochs come back through an actor, a cancel stops the running ones."""
    from .ray_executor import ray as on_ray

    return on_ray(tasks, cancelled, ahead, train=train_task, progress=None if progress is _quiet else progress,
                  **options)


EXECUTORS = {"threads": threads, "vectorized": vectorized, "ray": ray}  # the vocabulary's executors, implemented


def connected(executor, address=None):
    """A context in which ``run(..., executor)`` calls share what the executor connects to, connected on entry
    (a Ray cluster at ``address``: where none answers, the one ReglabError before any work); nothing for the
    others."""
    if executor != "ray":
        return nullcontext()
    from .ray_executor import connected as to_ray

    return to_ray(address)


def run(jobs, executor="auto", cancel: threading.Event | None = None, ahead=(), progress=None,
        **options) -> Iterator[tuple[Job, Trained]]:
    """Train ``jobs``; yield ``(job, trained)`` in the order they finish. ``executor``: ``auto`` (threads on the
    CPU, vectorized elsewhere) or a name in EXECUTORS; ``options`` go to it (``workers``, ``chunk``, ``address``,
    ``in_flight``). ``progress(job, epochs, cancelled=False)``: called (from the thread that trains it) as a
    model's chunks end, with the epochs it has done, and once with ``cancelled=True`` for a model stopped before
    its end. ``ahead``: jobs not to train but whose programs to compile while these train, for a later call (a
    path's refit, whose strength the path chooses), where the executor compiles in the background."""
    cancelled = (lambda: False) if cancel is None else cancel.is_set
    execute = EXECUTORS[default_executor() if executor == "auto" else executor]
    tasks = execute(_tasks(jobs), cancelled, _tasks(ahead) if ahead else (), progress or _quiet, **options)
    with closing(tasks) as done:
        for task, trained in done:
            if cancelled():
                return
            yield task.job, trained


_GRADIENT = jax.jit(programs.initial_gradient, static_argnums=0)


def initial_gradient(config, split):
    """``(params, grads)`` as NumPy: the initial params of a run of ``config`` on ``split`` and the gradient of its
    mean data loss over every training row there (program.initial_gradient), through a program per network."""
    program, hparams = plan(config, split)
    return jax.tree.map(np.asarray, _GRADIENT(program, hparams, data_arrays(split, program)))


def train_one(config, split) -> Trained:
    """Train one model alone (``run`` with one job)."""
    return next(run([Job(config, split)]))[1]
