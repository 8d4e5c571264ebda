"""Models trained into Runs: what a user gave as data and settings made into a Split and ModelConfigs, trained on
the engine's runner (imported with JAX only when something trains), each Run yielded as its model finishes."""

import signal
import threading
from functools import partial

from .. import data as datasets
from ..output.progress import progress_bar
from ..results import Run
from ..vocabulary.config import ModelConfig, config_fields
from ..vocabulary.errors import ReglabError


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
    from ..results import boundary

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
        from ..engine.runner import Job, run
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    if pressed and callable(previous):  # default_int_handler raises KeyboardInterrupt here
        previous(signal.SIGINT, None)
    return Job, run
