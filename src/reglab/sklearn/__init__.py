"""reglab in the scikit-learn workflow: estimators with scikit-learn's contract, trained by reglab's engine."""

from .cv_path import MLPClassifierCV, MLPRegressorCV
from .estimators import PENALTIES, MLPClassifier, MLPRegressor, from_sklearn_alpha

__all__ = ["MLPClassifier", "MLPRegressor", "MLPClassifierCV", "MLPRegressorCV", "PENALTIES", "from_sklearn_alpha"]
