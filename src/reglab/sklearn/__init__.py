"""reglab in the scikit-learn workflow: estimators with scikit-learn's contract, trained by reglab's engine.

The estimators are imported on first use (``from reglab.sklearn import MLPClassifier``): scikit-learn's import is
not paid by a command that only reads this package's ``versus_gridsearch`` list of data sets (``reglab --help``)."""

import importlib

_WHERE = {"MLPClassifier": "estimators", "MLPRegressor": "estimators", "PENALTIES": "estimators",
          "from_sklearn_alpha": "estimators", "MLPClassifierCV": "cv_path", "MLPRegressorCV": "cv_path"}
__all__ = list(_WHERE)


def __getattr__(name):
    if name in _WHERE:
        return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
