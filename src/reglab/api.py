"""The Python face: ``fit`` one model, ``compare`` several on the same data, ``run_study`` a spec with its report.

    import reglab
    data = reglab.data.split(reglab.data.moons())            # the lecture's data, Keras's validation_split=0.2
    plain = reglab.fit(data, learning_rate=0.01, epochs=2000)
    lasso = reglab.fit(data, learning_rate=0.01, epochs=2000, kernel_regularizer=reglab.l1(0.001))
    reglab.plot.decision_regions([plain, lasso], data)
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import time
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

from . import data as datasets
from .config import ModelConfig, config_fields
from .errors import ReglabError
from .results import Run
from .spec import Study


def as_split(data, validation_split: float = 0.2, split: str = "keras", split_seed: int = 0) -> datasets.Split:
    """A Split from a Split, a Dataset, a data-set name (``"moons"``) or an ``(X, y)`` pair."""
    if isinstance(data, datasets.Split):
        return data
    if isinstance(data, str):
        data = datasets.load(data)
    elif isinstance(data, tuple) and len(data) == 2:
        data = _from_arrays(*data)
    if not isinstance(data, datasets.Dataset):
        raise ReglabError("data", type(data).__name__, "a reglab Split or Dataset, a data-set name, or an (X, y) pair")
    return datasets.split(data, validation_split, split, split_seed)


def make_config(config=None, **settings) -> ModelConfig:
    """A ModelConfig from a ModelConfig, a dict and/or keyword settings (later ones win)."""
    merged = {**(config.to_dict() if isinstance(config, ModelConfig) else dict(config or {})), **settings}
    for key in merged:
        if key not in config_fields():
            raise ReglabError(key, merged[key], "a model setting: " + ", ".join(config_fields()))
    return ModelConfig(**merged)


def fit(data, *, validation_split=0.2, split="keras", name=None, **settings) -> Run:
    """Train one model; ``settings`` are ModelConfig fields (Keras names and defaults). Returns a Run."""
    return compare(data, {name or "model": settings}, validation_split=validation_split, split=split)[0]


def compare(data, models: dict, *, validation_split=0.2, split="keras", progress=False, **shared) -> list[Run]:
    """Train several models on the same split, concurrently; ``models`` maps a name to its settings (a dict or a
    ModelConfig) and ``shared`` settings apply to all. Returns Runs in the order given."""
    the_split = as_split(data, validation_split, split)
    named = [(name, make_config(settings, **shared)) for name, settings in models.items()]
    return train_runs(named, the_split, progress)


@dataclass
class StudyResult:
    """What ``run_study`` made: the runs, the split they were trained on, the output folder, and the lambda path's
    per-model table (a pandas DataFrame as ``reglab.load`` gives, or None without a ``[sweep]``)."""

    study: Study
    split: datasets.Split
    runs: list
    out: Path
    seconds: float
    path: object = None


def run_study(study: Study, out=None, progress: bool = True, rerun: str = "") -> StudyResult:
    """Train every model of ``study`` and write ``out`` (default ``reglab-out/<study.name>``): ``report.html``,
    the PNG figures, ``metrics.json`` and ``runs/<model>/``. A ``[sweep]`` in the spec adds its lambda path to the
    report (its models train alongside). The folder appears complete or not at all."""
    from .sweeps import model_name, model_row
    from .results.store import frame_from_rows

    start = time.perf_counter()
    split = study.load_split()  # bad data fail here, before any training or writing
    out = Path(out or Path("reglab-out") / study.name)
    points = study.grid.points(study.base) if study.grid else []
    lrs = study.grid.learning_rates if study.grid else ()
    known = {config: i for i, (_, config) in enumerate(study.models)}
    extra = [(model_name(p, lrs), c) for p, c in points if c not in known]  # a path point the study has is reused
    trained, drawn = _train_and_draw(list(study.models) + extra, len(study.models), split, progress,
                                     lambda runs: _run_figures(study, split, runs))
    runs, more = trained[:len(study.models)], iter(trained[len(study.models):])
    path_runs = [runs[known[c]] if c in known else next(more) for _, c in points]
    frame = frame_from_rows([model_row(p, r, 0) for (p, _), r in zip(points, path_runs)], len(lrs) > 1) if points else None
    _write_outputs(out, study, split, runs, rerun or f"reglab run SPEC.toml --out {out}", frame, drawn)
    return StudyResult(study, split, runs, out, time.perf_counter() - start, frame)


def _train_and_draw(named, n_first, split, progress, draw):
    """Train ``named`` and, as soon as its first ``n_first`` runs are done, ``draw(those runs)`` in this thread while
    the rest still train: drawing is Python (it holds the GIL) and training is XLA (it does not), so on two cores
    the report's figures cost little more than the time they overlap. Returns (all runs, what ``draw`` returned)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    firsts, ready, first_done, stop = {}, threading.Event(), threading.Event(), threading.Event()

    def on_run(i, run):
        first_done.set()
        if i < n_first:
            firsts[i] = run
            if len(firsts) == n_first:
                ready.set()

    with ThreadPoolExecutor(1, thread_name_prefix="reglab-train") as pool:
        future = pool.submit(train_runs, named, split, progress, on_run=on_run, cancel=stop)
        for event in (ready, first_done):
            future.add_done_callback(lambda _, event=event: event.set())  # a failed training wakes this thread too
        try:
            # Import what drawing needs while the other models train (not sooner: imports hold the GIL, which
            # compiling needs too); the study's end waits on this thread, not on training.
            first_done.wait()
            _import_views()
            ready.wait()
            drawn = draw([firsts[i] for i in range(n_first)]) if len(firsts) == n_first else None
            return future.result(), drawn
        except BaseException:
            stop.set()
            raise


def _import_views():
    import pandas  # noqa: F401  (the lambda path's table)

    from . import views  # noqa: F401  (matplotlib)
    from .views import claims, report, sparsity  # noqa: F401


def _from_arrays(X, y) -> datasets.Dataset:
    X, y = np.asarray(X, np.float32), np.asarray(y)
    if X.ndim != 2 or y.ndim != 1 or len(X) != len(y):
        raise ReglabError("data", f"X{X.shape}, y{y.shape}", "X of shape [n, d] and y of shape [n]")
    if not np.all(np.isfinite(X)):
        raise ReglabError("data.X", "non-finite values", "finite numbers")
    classes, codes = np.unique(y, return_inverse=True)
    if len(classes) < 2:
        raise ReglabError("data.y", f"only class {classes[0]!r}", "at least two classes")
    return datasets.Dataset("arrays", X, codes.astype(np.int32), tuple(classes.tolist()), tuple(f"x{i + 1}" for i in range(X.shape[1])))


def train_runs(named, split, progress=False, mode="auto", on_run=None, cancel=None) -> list[Run]:
    """Train ``[(name, ModelConfig), ...]`` on ``split`` concurrently (engine.train_many); Runs in that order.
    ``on_run(index, run)`` is called as each one finishes (from a worker thread); setting the Event ``cancel``
    stops it (KeyboardInterrupt) once the running models are done."""
    from .engine import train_many  # JAX is imported only when something is trained

    def as_run(i, t):
        name, config = named[i]
        return Run(name, config, t.history, t.params, split.dataset.classes, t.compile_seconds, t.train_seconds, t.info)

    def on_done(i, t):
        if on_run:
            on_run(i, as_run(i, t))
        if bar:
            bar.advance(bar.task_ids[0])

    bar = progress_bar("training", len(named)) if progress else None
    try:
        trained = train_many([config for _, config in named], split, mode=mode, on_done=on_done, cancel=cancel)
    finally:
        if bar:
            bar.stop()
    return [as_run(i, t) for i, t in enumerate(trained)]


def progress_bar(label, total, done=0):
    """A started rich progress bar on stderr over ``total`` models, with elapsed time and ETA; ``.stop()`` it."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    bar = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TextColumn("models"), TimeElapsedColumn(),
                   TextColumn("eta"), TimeRemainingColumn(), console=Console(stderr=True), transient=True)
    bar.add_task("models", total=total, completed=done)
    bar.start()
    return bar


def versions() -> dict:
    out = {"python": platform.python_version()}
    for package in ("reglab", "jax", "jaxlib", "optax", "numpy", "scikit-learn", "matplotlib"):
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            out[package] = "?"
    return out


def slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "model"


def _run_figures(study, split, runs):
    """The report's figures that need only the study's own runs: (figures, claim sections before the lambda path's,
    claim sections after it)."""
    from .views import plot_decision_regions, plot_loss_curves, plot_weight_histograms
    from .views.claims import run_claims
    from .views.sparsity import plot_weight_matrices
    from .views.style import png_bytes

    figures = []
    if split.X_train.shape[1] == 2:
        xlim, ylim = study.window or (None, None)
        figures.append(("regions.png", "Decision regions: P(class 1) shaded, the 0.5 boundary in black; "
                        "circles train, triangles validate.", png_bytes(plot_decision_regions(runs, split, xlim, ylim))))
    figures.append(("curves.png", "Loss curves (log scale): data loss solid, totals with the penalty dotted, "
                    "penalty dashed.", png_bytes(plot_loss_curves(runs))))
    figures.append(("weights.png", "Kernel weight histograms per layer (log counts), with the share of exact "
                    "zeros and of |w| < 1e-3.", png_bytes(plot_weight_histograms(runs))))
    before, after = run_claims(runs)
    if not any(name == "matrices.png" for s in before + after for name, _, _ in s["figures"]):
        figures.append(("matrices.png", "Every kernel as an image: blue negative, red positive, grey near zero, exact zeros white.",
                        png_bytes(plot_weight_matrices(runs))))
    return figures, before, after


def _write_outputs(out: Path, study: Study, split, runs, rerun: str, path_frame=None, drawn=None):
    """Write the study's folder; ``drawn``: what ``_run_figures`` returned for these runs (drawn here if None)."""
    from .views.claims import path_claim
    from .views.report import render

    figures, before, after = drawn or _run_figures(study, split, runs)
    path = path_claim(path_frame)
    sections = before + ([path] if path else []) + after
    d = split.dataset
    informative = d.params.get("informative")
    if d.X.shape[1] > 2 or informative:
        sections.append(_inputs_section(runs, d, informative))
    data_summary = (f"{d.name} {d.params}: {len(d.y)} samples, {d.X.shape[1]} features, {d.n_classes} classes; "
                    f"{len(split.y_train)} train / {len(split.y_val)} validation ({split.method} split, "
                    f"validation_split={split.validation_split:g})")
    libraries = versions()
    metrics = {"study": study.name, "data": {**study.data, "validation_split": study.validation_split, "split": study.split},
               "versions": libraries, "rerun": rerun, "models": [r.summary() for r in runs]}
    if informative:
        from .views.sparsity import selection_scores

        for entry, run in zip(metrics["models"], runs):
            entry["selection"] = selection_scores(run, informative)
    if path_frame is not None:
        metrics["path"] = path_frame.to_dict(orient="records")
    html = render(study.title, study.description, data_summary, runs, figures, libraries, rerun, sections)

    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.parent / f".{out.name}.partial-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    try:
        for name, _, png in figures + [f for section in sections for f in section["figures"]]:
            (partial / name).write_bytes(png)
        (partial / "metrics.json").write_text(json.dumps(metrics, indent=1))
        for run in runs:
            run.save(partial / "runs" / slug(run.name))
        (partial / "report.html").write_text(html)
        _swap_in(partial, out)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise


def _inputs_section(runs, dataset, informative):
    """Which inputs each model still uses, as a bar chart; with the truth known, precision and recall."""
    from .views.report import html_table
    from .views.sparsity import plot_input_norms, selection_scores
    from .views.style import png_bytes

    fig = plot_input_norms(runs, dataset.feature_names, informative)
    section = {"title": "Which inputs each model uses", "figures": [("inputs.png", "Each input's outgoing weight "
               "norm ‖W₁[i,:]‖₂ (log scale); orange: truly informative; ✕: not used (no non-zero path to the output).",
               png_bytes(fig))]}
    if not informative:
        section["text"] = "An input is used while some path of non-zero weights leads from it to the output."
        return section
    rows = [{"model": r.name, **selection_scores(r, informative), "val_accuracy": r.final["val_accuracy"]} for r in runs]
    section["text"] = (f"The informative inputs are {', '.join(dataset.feature_names[i] for i in informative)}; the "
                       "rest are pure noise. Selected: the inputs with a non-zero path to the output.")
    columns = [("model", "model", "{}"), ("selected", "inputs used", "{}"), ("precision", "precision", "{:.2f}"),
               ("recall", "recall", "{:.2f}"), ("val_accuracy", "val acc", "{:.3f}")]
    section["html"] = [html_table(rows, columns)]
    return section


def _swap_in(partial: Path, out: Path):
    """Replace ``out`` by the finished ``partial`` folder with renames, so no half-written folder is ever seen."""
    old = None
    if out.exists():
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        out.rename(old)
    partial.rename(out)
    if old:
        shutil.rmtree(old, ignore_errors=True)
