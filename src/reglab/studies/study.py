"""A study: a spec's models (and its λ path's) trained into a folder with its report, figures drawn while the path
still trains."""

import time
from contextlib import closing
from dataclasses import dataclass
from html import escape
from pathlib import Path

from .. import data as datasets
from ..output.folders import check_output, marked_folder, slug, written
from ..output.locks import claim
from ..results import card
from ..vocabulary.errors import ReglabError
from .spec import Study
from .training import train


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

    def __repr__(self) -> str:
        path = f", {len(self.path)} path models" if self.path is not None else ""
        return f"StudyResult({self.study.name!r}, {len(self.runs)} models{path}, out={str(self.out)!r})"

    def _repr_html_(self) -> str:
        """In a notebook: the study's models as a table with their loss curves, and where its report is."""
        report = escape(str(self.out / "report.html"))
        return (f"<p><b>{escape(self.study.title or self.study.name)}</b>: {len(self.runs)} models in "
                f"{self.seconds:.1f} s; the report: <code>{report}</code></p>{card.table(self.runs)}")


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
    from ..results import boundary
    from ..results.store import frame_from_rows, model_row
    from ..views import study_report
    from .sweep_grid import point_name

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
