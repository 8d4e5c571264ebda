"""The one way reglab trains: jobs in, trained models out as they finish, on an executor its callers never see.

    jobs = [Job(config, split, tag=i) for i, config in enumerate(configs)]
    for job, trained in run(jobs, executor="threads", cancel=event):
        ...

A job is a ModelConfig and its own data (a ``data.Split``: train and validation arrays). Jobs whose networks have
one shape share one compiled program, with per-model hyperparameters and data as arguments; jobs of one shape whose
training sets take the same number of batches per epoch (the folds of a cross-validation, say) share it even when
their row counts differ: their data are padded to the largest, with counts that keep padding out of every figure.
A program whose epoch is one batch is compiled for a multiple of 16 rows, so that data sets of nearby sizes share it
from one call to the next (scikit-learn's small fits, a cross-validation's folds fitted one by one).

An executor (``threads`` on the CPU, ``vectorized`` on an accelerator, ``ray`` on a cluster) is a callable
``(tasks, cancelled, ahead) -> iterator of (task, Trained)``, ``cancelled()`` saying whether to start anything
more and ``ahead`` tasks whose programs it may compile in advance; a new one (a process pool, say) is one entry in
``EXECUTORS``. Setting ``cancel`` (from any thread), or leaving the loop (``break``, an exception, Ctrl-C), starts
no further compile or model; models already running finish and are dropped.
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

from ..cache import cache_dir
from ..errors import ReglabError
from .history import KEYS, snapshot_epochs
from .exported import compile_exported
from .program import Program, plan, train

if not jax.config.jax_compilation_cache_dir:  # a second process reuses programs compiled by the first
    jax.config.update("jax_compilation_cache_dir", str(cache_dir("jax")))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.2)
    # An entry that cannot be written (a full disk) costs the next process a compile: nothing to add to the
    # outputs' own one-line error. (JAX writes entries in place: one cut short warns when a later process reads it.)
    warnings.filterwarnings("ignore", "Error writing persistent compilation cache entry", UserWarning)


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
    the optimizer's state (``Trained.opt_state``; not with early stopping)."""

    config: object
    data: object
    tag: object = None
    snapshots: int = 0
    figures: bool = True
    after: object = None
    start: dict | None = None
    keep_state: bool = False
    shared_rows: bool = False  # compiled for row counts rounded up (``_rows``): fits one after another on data of
    # nearby sizes (a cross-validation's folds, fitted one by one) share one program


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
    args: tuple  # (hparams, data)


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
        self._jitted = {"one": jax.jit(train, static_argnums=0),
                        "vectorized": jax.jit(jax.vmap(train, in_axes=(None, 0, 0)), static_argnums=0)}

    def get(self, kind, program, args):
        """(compiled program, seconds spent compiling it now: 0 when it was compiled before)."""
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


_COMPILED = _Compiled()


ROWS = 16  # a program whose epoch is one batch is compiled for a multiple of this many rows, train and validation


def _one_batch(program) -> bool:
    return program.batch_size >= program.n_train  # a batch larger than the data is all of it, as in Keras


def _rows(n, program, shared=False) -> int:
    """The rows of ``program``'s data (n of them, train or validation) its compiled program takes: n, or for an
    epoch of one batch, n rounded up to a multiple of ROWS (scikit-learn's batch_size="auto" on fewer than 200 rows,
    say): data sets of nearby sizes then share one program. With ``shared`` (a job's ``shared_rows``), also an
    epoch of several batches: rounded up as far as its last batch reaches, so that the padding (of weight 0, last
    in every epoch's order) only fills that batch and adds none (a step on padding alone would still move Adam)."""
    if _one_batch(program):
        return -(-n // ROWS) * ROWS
    if not shared:
        return n
    return min(-(-n // ROWS) * ROWS, -(-n // program.batch_size) * program.batch_size)


def _tasks(jobs) -> list[_Task]:
    """Plan every job; jobs of one shape whose epochs take as many batches share a program, their data padded to its
    row counts (the group's largest, ``_rows``; padding rows weigh 0), dropout compiled in for all of them where one
    has it.
    Refuses, before anything compiles, jobs whose histories (float32 figures per epoch) would not fit in memory."""
    planned = [(job, *plan(job.config, job.data, job.start)) for job in jobs]
    need = sum(4 * len(KEYS) * p.epochs for _, p, _ in planned)  # the programs' history buffers
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") if hasattr(os, "sysconf") else float("inf")
    if need > memory / 2:
        epochs = max(job.config.epochs for job, _, _ in planned)
        raise ReglabError("epochs", epochs, f"fewer: the histories of {len(planned)} model(s) would take "
                          f"{need / 2**30:.1f} GiB of this machine's {memory / 2**30:.0f} GiB")

    def shape(p):  # what a group of jobs shares: the program, but for its row counts and dropout
        batches = 1 if _one_batch(p) else -(-p.n_train // p.batch_size)
        return replace(p, n_train=0, n_val=0, batch_size=0 if batches == 1 else p.batch_size, dropout=False), batches

    shapes = [shape(program) for _, program, _ in planned]
    sizes, dropout = {}, {}
    for (_, program, _), common in zip(planned, shapes):
        sizes.setdefault(common, set()).add((program.n_train, program.n_val))
        dropout[common] = dropout.get(common, False) or program.dropout
    tasks, arrays = [], {}  # jobs on one Split share its (padded) arrays: one copy to hold, or to send a cluster
    for (job, program, hparams), common in zip(planned, shapes):
        group = sizes[common]
        n_train, n_val = (max(_rows(n, program, job.shared_rows) for n in counts) for counts in zip(*group))
        # A one-batch program (or a job's with shared_rows) always takes the count of real rows and their weights
        # (padding rows weigh 0), so that data sets whose row counts round alike share it even when one of them
        # needed no padding.
        padded = _one_batch(program) or job.shared_rows or any(t < n_train for t, _ in group)
        weighted = padded or program.weighted or any(v < n_val for _, v in group)
        key = (id(job.data), n_train, n_val, padded, weighted)
        if key not in arrays:
            arrays[key] = _data(job.data, n_train, n_val, padded, weighted)
        program = replace(program, n_train=n_train, n_val=n_val, padded=padded, weighted=weighted,
                          batch_size=n_train if _one_batch(program) else program.batch_size,
                          dropout=dropout[common], snapshots=job.snapshots, figures=job.figures,
                          keep_state=job.keep_state)
        tasks.append(_Task(job, program, (hparams, arrays[key])))
    return tasks


def _data(s, n_train, n_val, padded, weighted) -> dict:
    """The arrays a program takes of Split ``s``, padded to ``n_train`` and ``n_val`` rows."""
    data = {"X_train": _pad(s.X_train, n_train), "y_train": _pad(s.y_train, n_train),
            "X_val": _pad(s.X_val, n_val), "y_val": _pad(s.y_val, n_val)}
    if padded:
        data["n_train"] = np.int32(len(s.y_train))
    if weighted:
        data["w_train"] = _pad(_weights(s.w_train, len(s.y_train)), n_train)
        data["w_val"] = _pad(_weights(s.w_val, len(s.y_val)), n_val)
    return data


def _weights(w, n):
    """Row weights as float32 [n]: ``w``, or ones."""
    return np.ones(n, np.float32) if w is None else np.asarray(w, np.float32)


def _pad(a, n):
    return np.concatenate([a, np.zeros((n - len(a), *a.shape[1:]), a.dtype)]) if len(a) < n else a


def _trained(out, compile_seconds, seconds, job) -> Trained:
    """``job``'s Trained from its program's output: the history and snapshots cut to the job's own epochs (the
    program's buffers hold its capacity)."""
    params, history, info = jax.tree.map(np.asarray, out)
    epochs = job.config.epochs
    history = {key: rows[:epochs] for key, rows in history.items()}
    snapshots, opt_state = info.pop("snapshots", None), info.pop("opt_state", None)
    if snapshots is not None:
        kept = len(snapshot_epochs(epochs, job.snapshots))
        snapshots = jax.tree.map(lambda s: s[:kept], snapshots)
    return Trained(params, history, compile_seconds, seconds, {k: int(v) for k, v in info.items()}, snapshots,
                   opt_state=opt_state)


def _finish(compiled, compile_seconds, args, job) -> Trained:
    """Run one compiled single-model program on ``args`` and make its output ``job``'s Trained."""
    start = time.perf_counter()
    out = jax.block_until_ready(compiled(*args))
    return _trained(out, compile_seconds, time.perf_counter() - start, job).finished(job)


def train_task(program, hparams, data, job) -> Trained:
    """One model by its single-model program, compiled once per process: where a Ray worker trains it."""
    compiled, seconds = _COMPILED.get("one", program, (hparams, data))
    return _finish(compiled, seconds, (hparams, data), job)


def default_executor() -> str:
    return "threads" if jax.default_backend() == "cpu" else "vectorized"


def threads(tasks, cancelled, ahead=(), workers=None) -> Iterator[tuple[_Task, Trained]]:
    """Each task's own single-model program, ``workers`` (default: one per CPU core) at a time: JAX releases the
    GIL while a program runs, and results are bit-identical to training each job alone. The distinct programs
    compile one after another in a thread of their own, so the first program's models train while the next one
    compiles (tracing holds the GIL: compiled at once they only slow each other down); then those of ``ahead``."""
    firsts, closed = {}, threading.Event()
    for task in tasks:
        firsts.setdefault(task.program, task)
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
        return _finish(compiled, seconds if task is firsts[task.program] else 0.0, task.args, task.job)

    try:
        futures = {pool.submit(work, task): task for task in tasks}
        for future in as_completed(futures):
            trained = future.result()
            if trained is not None:
                yield futures[future], trained
        wait(compiles.values())  # every task done: let the programs ahead finish compiling (an error is theirs)
    finally:  # start nothing more; wait for what runs (a thread still inside XLA at exit aborts the process)
        closed.set()
        compiler.shutdown(wait=False, cancel_futures=True)
        pool.shutdown(wait=True, cancel_futures=True)
        compiler.shutdown(wait=True)


def vectorized(tasks, cancelled, ahead=(), chunk=256) -> Iterator[tuple[_Task, Trained]]:
    """Tasks of one program as one ``jax.vmap``-ed program over hyperparameters and data, ``chunk`` at a time;
    ``train_seconds`` is the chunk's time divided by its models. Batched dots sum in another order, so results
    agree with single-model runs to float32 rounding at first, and only in distribution after many chaotic epochs.
    Programs compile in the calling thread, as each chunk starts (``ahead`` is not compiled in advance)."""
    groups = {}
    for task in tasks:  # one epoch count a batch: the loop over epochs runs as long as its longest model
        groups.setdefault((task.program, task.job.config.epochs), []).append(task)
    for (program, _), members in groups.items():
        for start in range(0, len(members), chunk):
            if cancelled():
                return
            part = members[start:start + chunk]
            args = jax.tree.map(lambda *leaves: np.stack(leaves), *(t.args for t in part))
            compiled, compile_seconds = _COMPILED.get("vectorized", program, args)
            began = time.perf_counter()
            out = jax.tree.map(np.asarray, jax.block_until_ready(compiled(*args)))
            seconds = (time.perf_counter() - began) / len(part)
            for i, task in enumerate(part):
                trained = _trained(jax.tree.map(lambda a: a[i], out), compile_seconds if i == 0 else 0.0, seconds,
                                   task.job)
                yield task, trained.finished(task.job)


def ray(tasks, cancelled, ahead=(), **options) -> Iterator[tuple[_Task, Trained]]:
    """Each task a Ray task on a cluster's workers (engine/ray_executor.py; ``address``, ``in_flight``)."""
    from .ray_executor import ray as on_ray

    return on_ray(tasks, cancelled, ahead, train=train_task, **options)


EXECUTORS = {"threads": threads, "vectorized": vectorized, "ray": ray}


def connected(executor, address=None):
    """A context in which ``run(..., executor)`` calls share what the executor connects to, connected on entry
    (a Ray cluster at ``address``: where none answers, the one ReglabError before any work); nothing for the
    others."""
    if executor != "ray":
        return nullcontext()
    from .ray_executor import connected as to_ray

    return to_ray(address)


def run(jobs, executor="auto", cancel: threading.Event | None = None, ahead=(),
        **options) -> Iterator[tuple[Job, Trained]]:
    """Train ``jobs``; yield ``(job, trained)`` in the order they finish. ``executor``: ``auto`` (threads on the
    CPU, vectorized elsewhere) or a name in EXECUTORS; ``options`` go to it (``workers``, ``chunk``, ``address``,
    ``in_flight``). ``ahead``:
    jobs not to train but whose programs to compile while these train, for a later call (a path's refit, whose
    strength the path chooses), where the executor compiles in the background."""
    cancelled = (lambda: False) if cancel is None else cancel.is_set
    execute = EXECUTORS[default_executor() if executor == "auto" else executor]
    with closing(execute(_tasks(jobs), cancelled, _tasks(ahead) if ahead else (), **options)) as done:
        for task, trained in done:
            if cancelled():
                return
            yield task.job, trained


def train_one(config, split) -> Trained:
    """Train one model alone (``run`` with one job)."""
    return next(run([Job(config, split)]))[1]
