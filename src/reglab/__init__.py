"""reglab: see and measure what regularization does to a neural network, in seconds.

Keras's names and defaults throughout; penalties ``l1(x) = x * sum|w|`` and ``l2(x) = x * sum w^2`` (no 1/2).
"""

import importlib

from . import data
from .api import compare, fit, run_study, sweep
from .results import Run, load, load_sweep
from .vocabulary.config import EarlyStopping, ModelConfig
from .vocabulary.errors import ReglabError
from .vocabulary.regularizers import Regularizer, group_lasso, l1, l1_l2, l2

__version__ = "0.1.0"


def __getattr__(name):
    """``reglab.plot`` and ``reglab.explore`` (``explore(data, **settings)``: the page as a notebook widget) on
    first use: matplotlib's import (about half a second) is not paid by a command that trains before it draws, nor
    by a process that never draws."""
    if name in ("plot", "explore"):
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'reglab' has no attribute {name!r}")


load_run = Run.load

__all__ = ["fit", "compare", "run_study", "sweep", "load", "load_sweep", "load_run", "data", "plot", "explore",
           "ModelConfig", "Run", "ReglabError", "Regularizer", "l1", "l2", "l1_l2", "group_lasso", "EarlyStopping",
           "__version__"]
