"""reglab in the scikit-learn workflow: estimators with scikit-learn's contract, trained by reglab's engine."""

from .estimators import PENALTIES, MLPClassifier, MLPRegressor, from_sklearn_alpha
from .path import MLPClassifierCV, MLPRegressorCV

__all__ = ["MLPClassifier", "MLPRegressor", "MLPClassifierCV", "MLPRegressorCV", "PENALTIES", "from_sklearn_alpha"]
