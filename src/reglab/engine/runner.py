"""Run training programs: compile once per Program, then run many models in the way that is fastest where JAX runs.

- ``threads`` (the default on the CPU): each model runs its own single-model program, one per core at a time.
  Measured on the 2-core machine (``benchmarks/README.md``): one model keeps about 1.5 cores partly busy, and two
  programs at once in two threads (JAX releases the GIL while a program runs) cost about 0.4x the time per model
  of one at a time, with results bit-identical to training each alone. ``jax.vmap`` over models was slower there
  (XLA's batched dots on the CPU run at about half the rate of its 2-D dots).
- ``vectorized`` (the default on an accelerator): models that share a Program run as one ``jax.vmap``-ed program,
  in chunks of at most ``chunk`` models. Batched dots sum in another order, so results agree with single-model runs
  to float32 rounding at first, and only in distribution after many chaotic epochs.
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import jax
import numpy as np

from .exported import compile_exported
from .program import plan, train

MODES = ("auto", "threads", "vectorized")


@dataclass
class Trained:
    """What one training run produced, as NumPy: final params, per-epoch history, and timings in seconds.
    ``info``: ``stopped_epoch`` and ``best_epoch`` of early stopping (1-based; 0 when it did not act)."""

    params: list
    history: dict
    compile_seconds: float
    train_seconds: float
    info: dict = None


class _Compiled:
    """Compiled programs by kind, Program and argument shapes; one thread compiles, the others wait for it."""

    def __init__(self):
        self._programs, self._locks, self._guard = {}, {}, threading.Lock()
        self._jitted = {
            "one": jax.jit(train, static_argnums=0),
            "vectorized": jax.jit(jax.vmap(train, in_axes=(None, 0, None, None, None, None)), static_argnums=0),
        }

    def get(self, kind, program, args):
        shapes = tuple((a.shape, a.dtype) for a in jax.tree.leaves(args))
        key = (kind, program, shapes)
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key in self._programs:
                return self._programs[key], 0.0
            start = time.perf_counter()
            compiled = compile_exported(kind, self._jitted[kind], program, args)
            self._programs[key] = compiled
            return compiled, time.perf_counter() - start


_COMPILED = _Compiled()


def default_mode() -> str:
    return "threads" if jax.default_backend() == "cpu" else "vectorized"


def default_workers() -> int:
    """Concurrent single-model programs: one per CPU core."""
    return os.cpu_count() or 1


def _data(split):
    return (split.X_train, split.y_train, split.X_val, split.y_val)


def _to_numpy(params, history, info, compile_seconds, seconds) -> Trained:
    params = [{name: np.asarray(w) for name, w in layer.items()} for layer in params]
    history = {k: np.asarray(v) for k, v in history.items()}
    info = {k: int(v) for k, v in info.items()}
    return Trained(params, history, compile_seconds, seconds, info=info)


def train_one(config, split) -> Trained:
    """Compile (or reuse) the program for ``config`` on ``split`` and train one model."""
    program, hparams = plan(config, split)
    args = (hparams, *_data(split))
    compiled, compile_seconds = _COMPILED.get("one", program, args)
    start = time.perf_counter()
    params, history, info = jax.block_until_ready(compiled(*args))
    return _to_numpy(params, history, info, compile_seconds, time.perf_counter() - start)


def train_vectorized(configs, split) -> list[Trained]:
    """Train ``configs`` (all of one Program) as one vmapped program; ``train_seconds`` is the chunk's time / count."""
    plans = [plan(c, split) for c in configs]
    program = plans[0][0]
    if any(p != program for p, _ in plans):
        raise ValueError("train_vectorized needs configs of one Program")  # callers group first
    stacked = {k: np.stack([h[k] for _, h in plans]) for k in plans[0][1]}
    args = (stacked, *_data(split))
    compiled, compile_seconds = _COMPILED.get("vectorized", program, args)
    start = time.perf_counter()
    params, history, info = jax.block_until_ready(compiled(*args))
    seconds = (time.perf_counter() - start) / len(configs)
    params, history, info = jax.tree.map(np.asarray, (params, history, info))
    return [_to_numpy(jax.tree.map(lambda w: w[i], params), {k: v[i] for k, v in history.items()},
                      {k: v[i] for k, v in info.items()}, compile_seconds if i == 0 else 0.0, seconds)
            for i in range(len(configs))]


def train_many(configs, split, workers: int | None = None, on_done=None, mode: str = "auto",
               chunk: int = 256, cancel: threading.Event | None = None) -> list[Trained]:
    """Train every config on ``split``; ``on_done(index, trained)`` after each one. Results come back in the order
    of ``configs``. ``mode``: ``auto`` (threads on the CPU, vectorized elsewhere), ``threads`` or ``vectorized``.
    Setting ``cancel`` (from another thread) starts no further compile or model; this call then raises
    KeyboardInterrupt once the running ones are done."""
    mode = default_mode() if mode == "auto" else mode
    if mode == "vectorized":
        return _vectorized(configs, split, on_done, chunk)
    workers = min(workers or default_workers(), max(len(configs), 1))

    cancel = cancel or threading.Event()
    ahead = _CompileAhead(configs, split, cancel)

    def job(i):
        if not ahead.wait(i) or cancel.is_set():
            raise KeyboardInterrupt  # cancelled: train nothing more
        trained = train_one(configs[i], split)
        trained.compile_seconds = ahead.seconds.get(i, trained.compile_seconds)  # the first model of its program
        if on_done:
            on_done(i, trained)
        return trained

    pool = ThreadPoolExecutor(workers) if workers > 1 else None
    try:
        return list((pool.map if pool else map)(job, range(len(configs))))  # in the order of configs
    except BaseException:
        cancel.set()
        raise
    finally:  # on Ctrl-C, drop the models not yet started; the running ones finish (and report) first
        if pool:
            pool.shutdown(wait=True, cancel_futures=True)
        ahead.close()


class _CompileAhead:
    """Compiles each distinct program of ``configs`` in a thread of its own, one after another in order of first
    use. Tracing and lowering hold the GIL, so programs compiled at the same time only slow each other down; one at
    a time, the first program's models train while the next one compiles. ``wait(i)`` returns once config i's
    program is compiled (or failed: train_one then compiles it again and raises); ``seconds`` maps the index of
    each program's first config to its compile seconds. Once ``cancel`` is set it compiles nothing more and
    ``wait`` returns False; ``close()`` waits for the thread (one still inside XLA when the interpreter exits
    aborts the process)."""

    def __init__(self, configs, split, cancel: threading.Event):
        programs = [plan(config, split)[0] for config in configs]
        firsts = {}
        for i, program in enumerate(programs):
            firsts.setdefault(program, i)
        self._program, self._ready, self.seconds = programs, {p: threading.Event() for p in firsts}, {}
        self._cancel = cancel

        def compile_all():
            for program, i in firsts.items():
                if cancel.is_set():
                    break
                try:
                    args = (plan(configs[i], split)[1], *_data(split))
                    self.seconds[i] = _COMPILED.get("one", program, args)[1]
                except BaseException:  # noqa: BLE001  (the model's own train_one reports it)
                    pass
                finally:
                    self._ready[program].set()

        self._thread = threading.Thread(target=compile_all, name="reglab-compile")
        self._thread.start()

    def wait(self, i) -> bool:
        ready = self._ready[self._program[i]]
        while not ready.wait(0.05):
            if self._cancel.is_set():
                return False
        return not self._cancel.is_set()

    def close(self):
        self._thread.join()


def _vectorized(configs, split, on_done, chunk):
    groups = {}
    for i, config in enumerate(configs):
        groups.setdefault(plan(config, split)[0], []).append(i)
    done = {}
    for indices in groups.values():
        for start in range(0, len(indices), chunk):
            part = indices[start:start + chunk]
            for i, trained in zip(part, train_vectorized([configs[i] for i in part], split)):
                done[i] = trained
                if on_done:
                    on_done(i, trained)
    return [done[i] for i in range(len(configs))]
