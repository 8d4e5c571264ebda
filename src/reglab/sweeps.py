"""The sweep face: ``reglab.sweep`` trains a grid of models chunk by chunk into a resumable folder and writes
its report.

    result = reglab.sweep("moons", regularizers=["l1", "l2"], lambdas={"start": 1e-5, "stop": 1e-1, "num": 16},
                          seeds=4, learning_rate=0.01, epochs=2000)
    result.frame                  # one row per model (reglab.load(result.out) reads the same from disk)
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from . import checks
from .api import as_split, make_config, progress_bar, train_runs, versions
from .grid import Grid
from .results import SweepStore, kernel_fractions

DEFAULT_OUT = Path("reglab-out") / "sweep"


@dataclass
class SweepResult:
    """A finished sweep: its folder, the per-model table and the split it trained on."""

    out: Path
    frame: object  # pandas DataFrame, one row per model
    split: object
    seconds: float
    trained: int  # models trained by this call (the rest were found finished on disk)


def sweep(data="moons", *, regularizers=("l1", "l2"), lambdas=None, rates=None, seeds=4, learning_rates=None,
          l1_ratio=0.5, out=None, chunk_size=None, mode="auto", progress=True, report=True, validation_split=0.2,
          split="keras", rerun="", title="Regularization path", **settings) -> SweepResult:
    """Train every model of the grid (``reglab.grid.Grid``) on ``data``; ``settings`` are the base model's
    ModelConfig fields. Finished chunks are saved as they complete; calling again with the same arguments and
    ``out`` trains only what is missing. Returns a SweepResult."""
    grid = Grid.build(regularizers, lambdas, rates, seeds, learning_rates, l1_ratio)
    return run_grid(as_split(data, validation_split, split), make_config(**settings), grid, out=out,
                    chunk_size=chunk_size, mode=mode, progress=progress, report=report, rerun=rerun, title=title)


def run_grid(split, base, grid, out=None, chunk_size=None, mode="auto", progress=True, report=True, rerun="",
             title="Regularization path") -> SweepResult:
    from .engine.runner import MODES, default_mode

    start = time.perf_counter()
    checks.choice("mode", mode, MODES)
    mode = default_mode() if mode == "auto" else mode
    chunk_size = checks.integer("chunk_size", chunk_size or (8 if mode == "threads" else 256))
    points = grid.points(base)
    chunks = [points[i:i + chunk_size] for i in range(0, len(points), chunk_size)]
    out = Path(out or DEFAULT_OUT)
    store = SweepStore(out)
    store.start(_manifest(split, base, grid, points, chunk_size))
    todo = [c for c, part in enumerate(chunks) if c not in store.finished()]
    bar = progress_bar("sweep", len(points), len(points) - sum(len(chunks[c]) for c in todo)) if progress else None
    try:
        _train_chunks(store, [chunks[c] for c in todo], todo, split, mode, bar)
    finally:
        if bar:
            bar.stop()
    frame = store.frame()
    seconds = time.perf_counter() - start
    if report:
        write_report(store, split, frame, rerun or f"reglab sweep --out {out}", seconds, title)
    return SweepResult(out, frame, split, seconds, sum(len(chunks[c]) for c in todo))


def model_name(point, learning_rates) -> str:
    lr = f", lr {point.learning_rate:g}" if len(learning_rates) > 1 else ""
    return f"{point.regularizer}({point.strength:.3g}){lr} seed {point.seed}"


def model_row(point, run, chunk) -> dict:
    """What a sweep keeps of one model (a row of ``models.json``); a diverged model's final figures are NaN."""
    diverged, layers = run.diverged, run.layer_stats()
    return {"index": point.index, "name": run.name, "chunk": chunk, "point": point.__dict__,
            "config": run.config.to_dict(), "diverged": diverged,
            "final": {k: (float("nan") if diverged else v) for k, v in run.final.items()},
            "kernel_fractions": kernel_fractions(layers), "layers": layers,
            "train_seconds": run.train_seconds, "compile_seconds": run.compile_seconds, "info": run.extra}


def _train_chunks(store, parts, chunk_ids, split, mode, bar):
    """Train every model of ``parts`` in one stream (no barrier between chunks: the cores never wait for a
    chunk's slowest model), writing each chunk as soon as its last model is done."""
    todo = [(chunk, point, config) for chunk, part in zip(chunk_ids, parts) for point, config in part]
    left = {chunk: len(part) for chunk, part in zip(chunk_ids, parts)}
    done, lock = {}, threading.Lock()
    learning_rates = store.manifest()["grid"]["learning_rates"]

    def finished(i, run):
        chunk, point, _ = todo[i]
        with lock:
            done[point.index] = (point, run)
            left[chunk] -= 1
            complete = left[chunk] == 0
        if complete:
            pairs = [done[p.index] for p, _ in parts[chunk_ids.index(chunk)]]
            store.write_chunk(chunk, [model_row(p, r, chunk) for p, r in pairs], [r.recorded for _, r in pairs],
                              [r.params for _, r in pairs])
        if bar:
            bar.advance(bar.task_ids[0])

    named = [(model_name(point, learning_rates), config) for _, point, config in todo]
    train_runs(named, split, mode=mode, on_run=finished)


def _manifest(split, base, grid, points, chunk_size) -> dict:
    digest = hashlib.sha1()
    for array in (split.X_train, split.y_train, split.X_val, split.y_val):
        digest.update(array.tobytes())
    d = split.dataset
    return {
        "format": 1,
        "data": {"name": d.name, "params": d.params, "validation_split": split.validation_split, "split": split.method,
                 "n_train": len(split.y_train), "n_val": len(split.y_val), "sha1": digest.hexdigest()},
        "classes": list(d.classes),
        "base": base.to_dict(),
        "grid": grid.to_dict(),
        "chunk_size": chunk_size,
        "models": [{**p.__dict__, "chunk": i // chunk_size} for i, (p, _) in enumerate(points)],
    }


def write_report(store, split, frame, rerun, seconds, title="Regularization path"):
    """Write ``report.html``, ``path.png``, ``sparsity.png`` and ``thumbnails.png`` into the sweep folder."""
    from .views import plot_decision_regions, plot_path, plot_sparsity_path
    from .views.style import png_bytes
    from .views.sweep_report import render_sweep

    figures = [("path.png", "Data loss and accuracy against strength: the line is the mean over seeds, the band the "
                "range from the lowest to the highest seed; the dashed line marks the lowest mean validation data loss.",
                png_bytes(plot_path(frame)))]
    figures.append(("sparsity.png", "Share of kernel weights exactly zero and below 1e-3 against strength.",
                    png_bytes(plot_sparsity_path(frame))))
    if split.X_train.shape[1] == 2:
        picks = _thumbnail_indices(frame)
        runs = [store.run(i) for i in picks]
        if runs:
            ncols = max(frame.loc[frame["index"].isin(picks)].groupby("family").size())
            fig = plot_decision_regions(runs, split, ncols=int(ncols), panel=(2.6, 2.4), resolution=100)
            figures.append(("thumbnails.png", "Decision regions of the first seed from the smallest strength to the "
                            "largest (overfit to underfit), per regularizer.", png_bytes(fig, dpi=90)))
    d = split.dataset
    summary = (f"{d.name} {d.params}: {len(split.y_train)} train / {len(split.y_val)} validation "
               f"({split.method} split, validation_split={split.validation_split:g})")
    html = render_sweep(title, summary, frame, figures, store.manifest(), versions(), rerun, seconds)
    for name, _, png in figures:
        _atomic_write(store.folder / name, png)
    _atomic_write(store.folder / "report.html", html.encode())


def _thumbnail_indices(frame, per_kind=6):
    """Up to ``per_kind`` models per regularizer, first seed, strengths spread from smallest to largest."""
    import numpy as np

    picks = []
    seed = frame["seed"].min()
    for _, part in frame[(frame["seed"] == seed) & ~frame["diverged"]].groupby("family", sort=False):
        part = part.sort_values("strength")
        take = np.unique(np.linspace(0, len(part) - 1, min(per_kind, len(part))).round().astype(int))
        picks += part.iloc[take]["index"].tolist()
    return picks


def _atomic_write(path: Path, data: bytes):
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)
