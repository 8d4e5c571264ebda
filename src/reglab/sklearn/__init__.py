"""reglab in the scikit-learn workflow: estimators with scikit-learn's contract, trained by reglab's engine."""

from .estimators import PENALTIES, MLPClassifier, from_sklearn_alpha

__all__ = ["MLPClassifier", "PENALTIES", "from_sklearn_alpha"]
