"""A sweep: a grid of models trained chunk by chunk into a resumable folder, with its report (``reglab.sweep``
and ``reglab sweep`` are its faces)."""

import hashlib
import itertools
import json
import time
from contextlib import closing
from dataclasses import dataclass
from html import escape
from pathlib import Path

from ..output.folders import write_atomic, written
from ..output.locks import claim
from ..output.progress import progress_bar
from ..results import SweepStore, boundary, card
from ..results.store import model_row
from ..vocabulary import checks
from ..vocabulary.errors import ReglabError
from ..vocabulary.executors import CHOICES
from .sweep_grid import DATA, Grid, point_name
from .training import train

DEFAULT_OUT = Path("reglab-out") / "sweep"


@dataclass
class SweepResult:
    """A finished sweep: its folder, the per-model table and the split it trained on."""

    out: Path
    frame: object  # pandas DataFrame, one row per model
    split: object
    seconds: float
    trained: int  # models trained by this call (the rest were found finished on disk)
    grid: Grid = None

    def __repr__(self) -> str:
        return f"SweepResult({len(self.frame)} models, {self.trained} trained now, out={str(self.out)!r})"

    def _repr_html_(self) -> str:
        """In a notebook: the sweep's explorer page inline (the self-contained ``explorer.html`` its report wrote,
        nothing fetched), or a line where it has none."""
        explorer = Path(self.out) / "explorer.html"
        return card.page(explorer) if explorer.is_file() else f"<p>{escape(repr(self))}</p>"


def run_grid(split, base, grid, out=None, chunk_size=None, executor="auto", address=None, progress=True,
             report=True, rerun="", title="Regularization path", variant=None, page=None) -> SweepResult:
    """Train ``grid`` over ``base`` on ``split``; a grid with data axes trains each model on ``variant(settings)``,
    the Split of the data made with those settings (``settings``: e.g. ``{"n": 50}``). With ``report``, the report
    is written, and ``page(folder, split)``, the HTML of the sweep's explorer page (the page's face hands it in),
    as ``explorer.html``."""
    from ..engine.runner import connected, default_executor

    start = time.perf_counter()
    checks.choice("executor", executor, CHOICES)
    executor = default_executor() if executor == "auto" else executor
    # a chunk is what a kill can lose; a cluster writes many, a vectorized chunk is one program's batch
    chunk_size = checks.integer("chunk_size", chunk_size or {"threads": 8, "ray": 64}.get(executor, 256))
    splits = _variants(grid, split, variant)
    for each in splits.values():
        grid.check_split(each)
    points = grid.points(base)
    chunks = _chunks(points, chunk_size)
    out = Path(out or DEFAULT_OUT)
    store = SweepStore(out)
    # one process at a time writes a sweep folder; a cluster that does not answer is refused before it is written
    with claim(out), connected(executor, address), written(out):
        store.start(_manifest(splits, base, grid, chunks, chunk_size))
        todo = [c for c in range(len(chunks)) if c not in store.finished()]
        _train_chunks(store, {c: chunks[c] for c in todo}, splits, executor, address, grid.learning_rates,
                      progress, len(points) - sum(len(chunks[c]) for c in todo))
        frame = store.frame()
        seconds = time.perf_counter() - start
        if report:
            from ..views.sweep_report import sweep_files

            shown = splits[_key(points[0][0].data)]  # the data of the first value of every axis
            for name, blob in sweep_files(store, shown, frame, rerun or f"reglab sweep --out {out}", seconds,
                                          title).items():
                write_atomic(store.folder / name, blob)
            if page:
                write_atomic(store.folder / "explorer.html", page(store.folder, shown))
    return SweepResult(out, frame, split, seconds, sum(len(chunks[c]) for c in todo), grid)


def _chunks(points, size) -> list[list]:
    """``points`` cut into chunks of at most ``size``, each within one combination of the further axes' values
    (the axes vary outermost): a chunk's models share their weights' and histories' shapes, stacked on disk."""
    chunks = []
    for _, group in itertools.groupby(points, key=lambda pair: json.dumps(pair[0].axes, sort_keys=True)):
        group = list(group)
        chunks += [group[i:i + size] for i in range(0, len(group), size)]
    return chunks


def _key(settings) -> tuple:
    return tuple(sorted((k, repr(v)) for k, v in settings.items()))


def _variants(grid, split, variant) -> dict:
    """The Split of each data variant of ``grid``, by ``_key`` of its settings."""
    variants = grid.data_variants()
    if variants != [{}] and variant is None:
        name = next(n for n in grid.names if n.startswith(DATA))
        raise ReglabError(f"sweep.axes.{name}", dict(grid.axes)[name], "an axis over data named by its settings (a "
                          "data-set name, or a [data] table), not over arrays given as they are")
    out = {}
    for settings in variants:
        try:
            out[_key(settings)] = variant(settings) if settings else split
        except ReglabError as err:
            key = err.field.removeprefix("data.")
            field = f"sweep.axes.{DATA}{key}" if key in settings else f"sweep.axes ({err.field})"
            raise ReglabError(field, err.value, err.allowed) from None
        if out[_key(settings)].dataset.classes != split.dataset.classes:  # one store, one list of classes
            name = next(n for n in grid.names if n.startswith(DATA))
            raise ReglabError(f"sweep.axes.{name}", list(dict(grid.axes)[name]),
                              f"data sets with the same classes ({list(split.dataset.classes)})")
    return out


def _train_chunks(store, chunks, splits, executor, address, learning_rates, progress, done_before):
    """Train every model of ``chunks`` (chunk id -> points) in one stream, no barrier between chunks (the cores
    never wait for a chunk's slowest model), writing each chunk as soon as its last model is done."""
    todo = [(chunk, point, config) for chunk, part in chunks.items() for point, config in part]
    left, done = {chunk: len(part) for chunk, part in chunks.items()}, {}
    named = [(point_name(point, learning_rates), config) for _, point, config in todo]
    data = [splits[_key(point.data)] for _, point, _ in todo]
    bar = progress_bar("sweep", [config.epochs for _, _, config in todo], done_before) if progress else None
    options = {"address": address} if executor == "ray" else {}
    try:
        with closing(train(named, data, executor=executor, window=boundary.window,
                           on_epochs=bar.epochs if bar else None, **options)) as trained:
            for i, run in trained:
                chunk, point, _ = todo[i]
                done[point.index] = run
                left[chunk] -= 1
                if not left[chunk]:  # written, its models leave memory: a driver holds only unfinished chunks
                    pairs = [(p, done.pop(p.index)) for p, _ in chunks[chunk]]
                    store.write_chunk(chunk, [model_row(p, r, chunk) for p, r in pairs],
                                      [r.recorded for _, r in pairs], [r.params for _, r in pairs])
                if bar:
                    bar.finished(i)
    finally:
        if bar:
            bar.stop()


def _manifest(splits, base, grid, chunks, chunk_size) -> dict:
    def described(split):
        digest = hashlib.sha1()
        for array in (split.X_train, split.y_train, split.X_val, split.y_val):
            digest.update(array.tobytes())
        d = split.dataset
        return {"name": d.name, "params": d.params, "validation_split": split.validation_split, "split": split.method,
                "n_train": len(split.y_train), "n_val": len(split.y_val), "sha1": digest.hexdigest(),
                **({"standardize": True} if split.scaler is not None else {})}  # older sweeps' manifests: as they were

    first = splits[_key(chunks[0][0][0].data)]
    out = {"format": 1, "data": described(first), "classes": list(first.dataset.classes), "base": base.to_dict(),
           "grid": grid.to_dict(), "chunk_size": chunk_size,
           "models": [{**p.to_dict(), "chunk": c} for c, part in enumerate(chunks) for p, _ in part]}
    if len(splits) > 1:  # data axes: every variant, so that a rerun on other data is refused
        out["data_variants"] = [described(s) for s in splits.values()]
    return out
