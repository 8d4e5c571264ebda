"""reglab in the scikit-learn workflow: estimators with scikit-learn's contract, trained by reglab's engine."""

from .estimators import PENALTIES, MLPClassifier, from_sklearn_alpha
from .path import MLPClassifierCV

__all__ = ["MLPClassifier", "MLPClassifierCV", "PENALTIES", "from_sklearn_alpha"]
