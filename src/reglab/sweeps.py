"""The sweep face: ``reglab.sweep`` trains a grid of models chunk by chunk into a resumable folder and writes
its report.

    result = reglab.sweep("moons", regularizers=["l1", "l2"], lambdas={"start": 1e-5, "stop": 1e-1, "num": 16},
                          seeds=4, learning_rate=0.01, epochs=2000)
    result.frame                  # one row per model (reglab.load_sweep(result.out) reads the same from disk)
"""

import hashlib
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from . import checks
from .api import as_split, make_config, progress_bar, train
from .files import write_atomic, written
from .grid import Grid, point_name
from .locks import claim
from .results import SweepStore, boundary
from .results.store import model_row

DEFAULT_OUT = Path("reglab-out") / "sweep"
EXECUTORS = ("auto", "threads", "vectorized")


@dataclass
class SweepResult:
    """A finished sweep: its folder, the per-model table and the split it trained on."""

    out: Path
    frame: object  # pandas DataFrame, one row per model
    split: object
    seconds: float
    trained: int  # models trained by this call (the rest were found finished on disk)


def sweep(data="moons", *, regularizers=("l1", "l2"), lambdas=None, rates=None, seeds=4, learning_rates=None,
          l1_ratio=0.5, out=None, chunk_size=None, executor="auto", progress=True, report=True, validation_split=0.2,
          split="keras", rerun="", title="Regularization path", **settings) -> SweepResult:
    """Train every model of the grid (``reglab.grid.Grid``) on ``data``; ``settings`` are the base model's
    ModelConfig fields. Finished chunks are saved as they complete; calling again with the same arguments and
    ``out`` trains only what is missing. Returns a SweepResult."""
    grid = Grid.build(regularizers, lambdas, rates, seeds, learning_rates, l1_ratio)
    return run_grid(as_split(data, validation_split, split), make_config(**settings), grid, out=out,
                    chunk_size=chunk_size, executor=executor, progress=progress, report=report, rerun=rerun,
                    title=title)


def run_grid(split, base, grid, out=None, chunk_size=None, executor="auto", progress=True, report=True, rerun="",
             title="Regularization path") -> SweepResult:
    from .engine.runner import default_executor

    start = time.perf_counter()
    checks.choice("executor", executor, EXECUTORS)
    executor = default_executor() if executor == "auto" else executor
    chunk_size = checks.integer("chunk_size", chunk_size or (8 if executor == "threads" else 256))
    grid.check_split(split)
    points = grid.points(base)
    chunks = [points[i:i + chunk_size] for i in range(0, len(points), chunk_size)]
    out = Path(out or DEFAULT_OUT)
    store = SweepStore(out)
    with claim(out), written(out):  # one process at a time writes a sweep folder
        store.start(_manifest(split, base, grid, points, chunk_size))
        todo = [c for c in range(len(chunks)) if c not in store.finished()]
        _train_chunks(store, {c: chunks[c] for c in todo}, split, executor, grid.learning_rates, progress,
                      len(points) - sum(len(chunks[c]) for c in todo))
        frame = store.frame()
        seconds = time.perf_counter() - start
        if report:
            from .explore.static_page import html, sweep_data
            from .views.sweep_report import sweep_files

            for name, blob in sweep_files(store, split, frame, rerun or f"reglab sweep --out {out}", seconds,
                                          title).items():
                write_atomic(store.folder / name, blob)
            write_atomic(store.folder / "explorer.html", html(sweep_data(store.folder, split)))  # the page
    return SweepResult(out, frame, split, seconds, sum(len(chunks[c]) for c in todo))


def _train_chunks(store, chunks, split, executor, learning_rates, progress, done_before):
    """Train every model of ``chunks`` (chunk id -> points) in one stream, no barrier between chunks (the cores
    never wait for a chunk's slowest model), writing each chunk as soon as its last model is done."""
    todo = [(chunk, point, config) for chunk, part in chunks.items() for point, config in part]
    left, done = {chunk: len(part) for chunk, part in chunks.items()}, {}
    named = [(point_name(point, learning_rates), config) for _, point, config in todo]
    bar = progress_bar("sweep", done_before + len(todo), done_before) if progress else None
    try:
        with closing(train(named, split, executor=executor, window=boundary.window(split))) as trained:
            for i, run in trained:
                chunk, point, _ = todo[i]
                done[point.index] = run
                left[chunk] -= 1
                if not left[chunk]:
                    pairs = [(p, done[p.index]) for p, _ in chunks[chunk]]
                    store.write_chunk(chunk, [model_row(p, r, chunk) for p, r in pairs],
                                      [r.recorded for _, r in pairs], [r.params for _, r in pairs])
                if bar:
                    bar.advance(bar.task_ids[0])
    finally:
        if bar:
            bar.stop()


def _manifest(split, base, grid, points, chunk_size) -> dict:
    digest = hashlib.sha1()
    for array in (split.X_train, split.y_train, split.X_val, split.y_val):
        digest.update(array.tobytes())
    d = split.dataset
    return {"format": 1,
            "data": {"name": d.name, "params": d.params, "validation_split": split.validation_split,
                     "split": split.method, "n_train": len(split.y_train), "n_val": len(split.y_val),
                     "sha1": digest.hexdigest()},
            "classes": list(d.classes), "base": base.to_dict(), "grid": grid.to_dict(), "chunk_size": chunk_size,
            "models": [{**p.__dict__, "chunk": i // chunk_size} for i, (p, _) in enumerate(points)]}
