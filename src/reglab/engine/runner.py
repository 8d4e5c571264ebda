"""Run training programs: compile once per Program, then run models concurrently across the CPU cores.

Measured on the 2-core machine (``shared/design/batching-on-cpu.md``, ``benchmarks/``): one model keeps about 1.5
cores busy, so two single-model programs running at once in two threads (JAX releases the GIL while a program runs)
finish in about half the time per model, with results bit-identical to training each alone.
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import jax
import numpy as np

from .program import plan, train


@dataclass
class Trained:
    """What one training run produced, as NumPy: final params, per-epoch history, and timings in seconds."""

    params: list
    history: dict
    compile_seconds: float
    train_seconds: float


class _Compiled:
    """Compiled programs by Program and data shapes; one thread compiles, the others wait for it."""

    def __init__(self):
        self._programs, self._locks, self._guard = {}, {}, threading.Lock()
        self._jitted = jax.jit(train, static_argnums=0)

    def get(self, program, args):
        key = (program, tuple((a.shape, a.dtype) for a in args[2:]))
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key in self._programs:
                return self._programs[key], 0.0
            start = time.perf_counter()
            compiled = self._jitted.lower(*args).compile()
            self._programs[key] = compiled
            return compiled, time.perf_counter() - start


_COMPILED = _Compiled()


def default_workers() -> int:
    """Concurrent programs: one per CPU core on the CPU backend, one at a time on an accelerator."""
    return (os.cpu_count() or 1) if jax.default_backend() == "cpu" else 1


def train_one(config, split) -> Trained:
    """Compile (or reuse) the program for ``config`` on ``split`` and train one model."""
    program, hparams = plan(config, split)
    data = (split.X_train, split.y_train, split.X_val, split.y_val)
    compiled, compile_seconds = _COMPILED.get(program, (program, hparams, *data))
    start = time.perf_counter()
    params, history = jax.block_until_ready(compiled(hparams, *data))
    seconds = time.perf_counter() - start
    params = [{name: np.asarray(w) for name, w in layer.items()} for layer in params]
    return Trained(params, {k: np.asarray(v) for k, v in history.items()}, compile_seconds, seconds)


def train_many(configs, split, workers: int | None = None, on_done=None) -> list[Trained]:
    """Train every config on ``split``, ``workers`` at a time; ``on_done(index, trained)`` after each one.

    Results come back in the order of ``configs`` and equal what ``train_one`` gives for each alone.
    """
    workers = min(workers or default_workers(), max(len(configs), 1))

    def job(i):
        trained = train_one(configs[i], split)
        if on_done:
            on_done(i, trained)
        return trained

    # The first model of each distinct program goes first, so that different programs compile concurrently.
    firsts = {}
    for i, config in enumerate(configs):
        firsts.setdefault(plan(config, split)[0], i)
    order = sorted(range(len(configs)), key=lambda i: (i not in firsts.values(), i))
    if workers == 1:
        done = {i: job(i) for i in order}
    else:
        with ThreadPoolExecutor(workers) as pool:
            done = dict(zip(order, pool.map(job, order)))
    return [done[i] for i in range(len(configs))]
