"""The Python face: ``fit`` one model, ``compare`` several on the same data, ``run_study`` a spec with its report,
``sweep`` a grid of models into a resumable folder.

    import reglab
    data = reglab.data.split(reglab.data.moons())            # the lecture's data, Keras's validation_split=0.2
    plain = reglab.fit(data, learning_rate=0.01, epochs=2000)
    lasso = reglab.fit(data, learning_rate=0.01, epochs=2000, kernel_regularizer=reglab.l1(0.001))
    reglab.plot.decision_regions([plain, lasso], data)
"""

from . import data as datasets
from .results import Run, Runs
from .studies.study import StudyResult, run_study
from .studies.sweep_grid import Grid
from .studies.sweeps import SweepResult, run_grid
from .studies.training import as_split, make_config, train
from .vocabulary.config import ModelConfig, config_fields
from .vocabulary.errors import ReglabError

__all__ = ["fit", "compare", "sweep", "run_study", "StudyResult", "train", "as_split", "make_config"]


def fit(data, *, validation_split=0.2, split="keras", name=None, **settings) -> Run:
    """Train one model; ``settings`` are ModelConfig fields (Keras names and defaults). Returns a Run."""
    return compare(data, {name or "model": settings}, validation_split=validation_split, split=split)[0]


def compare(data, models, *, validation_split=0.2, split="keras", progress=False, **shared) -> Runs:
    """Train several models on the same split, concurrently; ``models`` maps a name to its settings (a dict or a
    ModelConfig), or lists the settings (named after what each sets); ``shared`` settings apply to all. Returns
    Runs in the order given (a list that a notebook shows as a table)."""
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
    return Runs(done[i] for i in range(len(named)))


def _name(settings) -> str:
    """A model's name from what its settings set apart from the defaults: ``kernel_regularizer=l2(0.01)``."""
    if isinstance(settings, ModelConfig):
        default = ModelConfig()
        settings = {k: getattr(settings, k) for k in config_fields() if getattr(settings, k) != getattr(default, k)}
    return ", ".join(f"{k}={v}" for k, v in dict(settings).items()) or "defaults"


def sweep(data="moons", *, regularizers=("l1", "l2"), lambdas=None, rates=None, norms=None, patiences=None, seeds=4,
          learning_rates=None, l1_ratio=0.5, axes=None, out=None, chunk_size=None, executor="auto", address=None,
          progress=True, report=True, validation_split=0.2, split="keras", standardize=False, rerun="",
          title="Regularization path", **settings) -> SweepResult:
    """Train every model of the grid (``reglab.studies.sweep_grid.Grid``, with ``axes`` over further model or data
    settings) on ``data`` (a name or a dict of ``reglab.data.load`` arguments where a data axis varies it; else also a
    Split, a Dataset or an (X, y) pair); ``settings`` are the base model's ModelConfig fields. ``executor="ray"`` trains
    on the Ray cluster at ``address`` (None: a local Ray runtime). Finished chunks are saved as they complete; calling
    again with the same arguments and ``out`` trains only what is missing. Returns a SweepResult."""
    from .explore.static_page import sweep_page

    grid = Grid.build(regularizers, lambdas, rates, seeds, learning_rates, l1_ratio, axes, norms, patiences)
    load = {"name": data} if isinstance(data, str) else dict(data) if isinstance(data, dict) else None
    variant = None if load is None else \
        (lambda changes: datasets.split(datasets.load(**{**load, **changes}), validation_split, split,
                                        standardize=standardize))
    base_split = variant({}) if variant else as_split(data, validation_split, split, standardize=standardize)
    return run_grid(base_split, make_config(**settings), grid, out=out, chunk_size=chunk_size, executor=executor,
                    address=address, progress=progress, report=report, rerun=rerun, title=title, variant=variant,
                    page=sweep_page)
