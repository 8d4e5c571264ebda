"""The Python face: ``fit`` one model, ``compare`` several on the same data, ``run_study`` a spec with its report.

    import reglab
    data = reglab.data.split(reglab.data.moons())            # the lecture's data, Keras's validation_split=0.2
    plain = reglab.fit(data, learning_rate=0.01, epochs=2000)
    lasso = reglab.fit(data, learning_rate=0.01, epochs=2000, kernel_regularizer=reglab.l1(0.001))
    reglab.plot.decision_regions([plain, lasso], data)
"""

import re
import signal
import threading
import time
from contextlib import closing
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from . import data as datasets
from .config import ModelConfig, config_fields
from .errors import ReglabError
from .files import check_output, marked_folder, written
from .locks import claim
from .results import Run
from .spec import Study


def as_split(data, validation_split: float = 0.2, split: str = "keras", split_seed: int = 0,
             standardize: bool = False) -> datasets.Split:
    """A Split from a Split, a Dataset, a data-set name (``"moons"``) or an ``(X, y)`` pair (``standardize``: see
    ``reglab.data.split``)."""
    if isinstance(data, datasets.Split):
        return data
    if isinstance(data, str):
        data = datasets.load(data)
    elif isinstance(data, tuple) and len(data) == 2:
        data = datasets.from_arrays(*data)
    if not isinstance(data, datasets.Dataset):
        raise ReglabError("data", type(data).__name__, "a reglab Split or Dataset, a data-set name, or an (X, y) pair")
    return datasets.split(data, validation_split, split, split_seed, standardize=standardize)


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


def compare(data, models, *, validation_split=0.2, split="keras", progress=False, **shared) -> list[Run]:
    """Train several models on the same split, concurrently; ``models`` maps a name to its settings (a dict or a
    ModelConfig), or lists the settings (named after what each sets); ``shared`` settings apply to all. Returns
    Runs in the order given."""
    the_split = as_split(data, validation_split, split)
    if isinstance(models, (list, tuple)):
        names = [_name(settings) for settings in models]
        models = {name if names.count(name) == 1 else f"{name} #{i + 1}": settings
                  for i, (name, settings) in enumerate(zip(names, models))}
    if not isinstance(models, dict) or not models:
        raise ReglabError("models", repr(models) if isinstance(models, dict) else type(models).__name__,
                          "a dict of name -> settings, or a list of settings, with at least one model")
    named = [(name, make_config(settings, **shared)) for name, settings in models.items()]
    done = dict(train(named, the_split, progress))
    return [done[i] for i in range(len(named))]


def _name(settings) -> str:
    """A model's name from what its settings set apart from the defaults: ``kernel_regularizer=l2(0.01)``."""
    if isinstance(settings, ModelConfig):
        default = ModelConfig()
        settings = {k: getattr(settings, k) for k in config_fields() if getattr(settings, k) != getattr(default, k)}
    return ", ".join(f"{k}={v}" for k, v in dict(settings).items()) or "defaults"


@dataclass
class StudyResult:
    """What ``run_study`` made: the runs, the split they were trained on, the output folder, and the lambda path's
    per-model table (a pandas DataFrame as ``reglab.load_sweep`` gives, or None without a ``[sweep]``)."""

    study: Study
    split: datasets.Split
    runs: list
    out: Path
    seconds: float
    path: object = None


def run_study(study: Study, out=None, progress: bool = True, rerun: str = "") -> StudyResult:
    """Train every model of ``study`` and write ``out`` (default ``reglab-out/<study.name>``): ``report.html``,
    the PNG figures, ``metrics.json`` and ``runs/<model>/``. A ``[sweep]`` in the spec adds its lambda path to the
    report (its models train alongside). The folder appears complete or not at all; it must be new, empty or one
    reglab wrote, and one process at a time writes it."""
    start = time.perf_counter()
    split = study.load_split()  # bad data fail here, before any training or writing
    if study.grid:
        study.grid.check_split(split)
        if study.grid.axes:  # a study's report draws one λ path beside its models
            raise ReglabError(f"sweep.axes.{study.grid.names[0]}", list(study.grid.axes[0][1]), "a grid without "
                              "further axes here: run a spec with axes with reglab sweep")
    out = Path(out or Path("reglab-out") / study.name)
    with claim(out):  # a second process writing this folder is refused here, before it trains
        with written(out):
            check_output(out)
        runs, frame, files = _train_study(study, split, rerun or f"reglab run SPEC.toml --out {out}", progress)
        with marked_folder(out) as folder:
            for name, blob in files.items():
                (folder / name).write_bytes(blob)
            for run in runs:
                run.save(folder / "runs" / slug(run.name))
    return StudyResult(study, split, runs, out, time.perf_counter() - start, frame)


def _train_study(study, split, rerun, progress):
    """Train the study's models and its λ path's, drawing the figures of its own as soon as they are done while the
    path's still train (drawing holds the GIL, training does not); (runs, path table, files of the report)."""
    from .grid import point_name
    from .results import boundary
    from .results.store import frame_from_rows, model_row
    from .views import study_report

    points = study.grid.points(study.base) if study.grid else []
    lrs = study.grid.learning_rates if study.grid else ()
    known = {config: i for i, (_, config) in enumerate(study.models)}
    named = list(study.models) + [(point_name(p, lrs), c) for p, c in points if c not in known]  # reuse equal models
    n, done, drawn = len(study.models), {}, None
    with closing(train(named, split, progress, window=study.window or boundary.window(split))) as trained:
        for i, run in trained:
            done[i] = run
            if len(done) == 1:
                study_report.prepare()  # imports hold the GIL too: not before the first program has compiled
            if drawn is None and all(j in done for j in range(n)):
                drawn = study_report.figures(study, split, [done[j] for j in range(n)])
    runs, more = [done[i] for i in range(n)], (done[i] for i in range(n, len(named)))
    path_runs = [runs[known[c]] if c in known else next(more) for _, c in points]
    frame = frame_from_rows([model_row(p, r, 0) for (p, _), r in zip(points, path_runs)], len(lrs) > 1) if points \
        else None
    return runs, frame, study_report.assemble(study, split, runs, rerun, frame, drawn)


def train(named, split, progress=False, executor="auto", window=None, snapshots=0, cancel=None, start=None,
          keep_state=False, on_epochs=None, **options):
    """Train ``[(name, ModelConfig), ...]`` on ``split`` (one Split, or a list with one per model) through the
    engine's runner; yield ``(index, Run)`` as each model finishes. With a plotting ``window`` (or a function of a
    Split giving one), a binary model of two inputs gets its decision boundary measured there (``run.extra``; where
    the model trained, a pool thread or a Ray worker); ``snapshots``: runs keep their params after that many evenly
    spaced epochs (``Run.snapshots``); ``start``: the weights (and optimizer state) every model continues from, and
    ``keep_state``: runs keep their optimizer's state (``Run.opt_state``); ``options`` go to the executor (a Ray
    cluster's ``address``). ``progress``: a bar on stderr of the epochs done, models finished beside them;
    ``on_epochs(job, epochs, cancelled=False)``: told of each model's epochs as they are done instead. Leaving the
    loop (an error, Ctrl-C) or setting ``cancel`` (a threading.Event) starts no further model and stops the running
    ones at the end of their chunk of epochs (about 0.1 s)."""
    from .results import boundary

    Job, run = _engine()
    splits = split if isinstance(split, (list, tuple)) else [split] * len(named)
    bar = progress_bar("training", [config.epochs for _, config in named]) if progress else None

    def measured(config, data):  # the boundary is measured where the model trained (a Ray worker, say)
        if window is None or not boundary.applies(data):
            return None
        return partial(boundary.measure_params, config, data.dataset.classes, window(data) if callable(window) else
                       window)

    try:
        jobs = [Job(config, splits[i], i, snapshots, after=measured(config, splits[i]), start=start,
                    keep_state=keep_state) for i, (_, config) in enumerate(named)]
        for job, t in run(jobs, executor, cancel, progress=bar.epochs if bar else on_epochs, **options):
            name, config = named[job.tag]
            run = Run(name, config, t.history, t.params, job.data.dataset.classes, t.compile_seconds,
                      t.train_seconds, {**t.info, **t.extra}, t.snapshots, t.opt_state)
            if bar:
                bar.finished(job.tag)
            yield job.tag, run
    finally:
        if bar:
            bar.stop()


def _engine():
    """The runner's ``Job`` and ``run``, imported (with JAX) only when something is trained. A Ctrl-C during the
    import is held back and handed to the SIGINT handler once it is done: a KeyboardInterrupt raised inside
    jaxlib's extension set-up crashes the process."""
    pressed = []
    previous = signal.getsignal(signal.SIGINT) if threading.current_thread() is threading.main_thread() else None
    if previous is not None:  # None: a handler Python did not install, which it cannot put back
        signal.signal(signal.SIGINT, lambda *_: pressed.append(True))
    try:
        from .engine.runner import Job, run
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    if pressed and callable(previous):  # default_int_handler raises KeyboardInterrupt here
        previous(signal.SIGINT, None)
    return Job, run


def progress_bar(label, epochs, done=0):
    """A started progress bar on stderr over models of ``epochs`` each (a list, ``done`` models finished before),
    counting their epochs as the runner reports them (``bar.epochs(job, epochs)``) and the finished models beside
    them (``bar.finished(i)``, i the model's index in ``epochs``), with elapsed time and ETA; ``.stop()`` it."""
    return _Bar(label, epochs, done)


class _Bar:
    """rich's Progress over models' epochs; its updates come from the threads that train."""

    def __init__(self, label, epochs, done):
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        self._epochs, self._seen, self._lock = epochs, {}, threading.Lock()
        self._models, self._total = done, done + len(epochs)
        self._bar = Progress(TextColumn(label), BarColumn(), TextColumn("{task.fields[models]}"), TimeElapsedColumn(),
                             TextColumn("eta"), TimeRemainingColumn(), console=Console(stderr=True), transient=True)
        self._task = self._bar.add_task("epochs", total=sum(epochs), models=self._count())
        self._bar.start()

    def _count(self):
        return f"{self._models}/{self._total} models"

    def epochs(self, job, epochs, cancelled=False):
        with self._lock:
            ahead, self._seen[job.tag] = epochs - self._seen.get(job.tag, 0), epochs
            self._bar.update(self._task, advance=0 if cancelled else ahead)

    def finished(self, i):
        with self._lock:
            self._models += 1
            ahead, self._seen[i] = self._epochs[i] - self._seen.get(i, 0), self._epochs[i]
            self._bar.update(self._task, advance=ahead, models=self._count())

    def stop(self):
        self._bar.stop()


def slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "model"
