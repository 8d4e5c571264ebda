"""The Dataset record and the train/validation split."""

from dataclasses import dataclass, field

import numpy as np

from ..vocabulary import checks
from ..vocabulary.errors import ReglabError

SPLITS = ("keras", "stratified")


@dataclass(frozen=True)
class Dataset:
    """Features ``X`` float32 [n, d] and integer labels ``y`` in 0..K-1 [n]; ``classes`` names the K labels."""

    name: str
    X: np.ndarray
    y: np.ndarray
    classes: tuple = (0, 1)
    feature_names: tuple = ()
    params: dict = field(default_factory=dict)  # how it was made, for the report

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    def __repr__(self):
        return f"Dataset({self.name!r}: {len(self.y)} samples, {self.X.shape[1]} features, classes {self.classes})"


def labelled(name, X, labels, feature_names=None, params=None, field="data.y") -> Dataset:
    """A Dataset of features X [n, d] and labels as given; the classes are the labels' sorted distinct values."""
    X = np.asarray(X, np.float32)
    classes, y = np.unique(np.asarray(labels), return_inverse=True)
    if len(classes) < 2:
        raise ReglabError(field, f"only class {classes.tolist()[0]!r}", "at least two classes")
    names = tuple(feature_names or (f"x{i + 1}" for i in range(X.shape[1])))
    return Dataset(name, X, y.astype(np.int32), tuple(classes.tolist()), names, params or {})


def from_arrays(X, y) -> Dataset:
    """A Dataset from an (X, y) pair: X [n, d] finite numbers, y [n] labels of any kind."""
    X, y = np.asarray(X, np.float32), np.asarray(y)
    if X.ndim != 2 or y.ndim != 1 or len(X) != len(y):
        raise ReglabError("data", f"X{X.shape}, y{y.shape}", "X of shape [n, d] and y of shape [n]")
    if not np.all(np.isfinite(X)):
        raise ReglabError("data.X", "non-finite values", "finite numbers")
    return labelled("arrays", X, y)


@dataclass(frozen=True)
class Split:
    """A dataset cut into a training part and a validation part (float32 features, int32 labels). ``w_train`` and
    ``w_val``: per-row weights (float32, >= 0; None: every row weighs 1), with which every figure and the data
    loss's gradient are weighted means over a batch (``sum(w * loss) / sum(w)``, scikit-learn's convention; Keras
    divides by the batch size instead)."""

    dataset: Dataset
    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    validation_split: float
    method: str
    w_train: np.ndarray | None = None
    w_val: np.ndarray | None = None
    scaler: tuple | None = None  # standardized: (mean [d], scale [d]) of the training rows (float64), else None

    def __repr__(self):
        return (f"Split({self.dataset.name!r}: {len(self.y_train)} train / {len(self.y_val)} validation, "
                f"{self.method}, validation_split={self.validation_split:g}"
                f"{', standardized' if self.scaler else ''})")


def split(dataset: Dataset, validation_split: float = 0.2, method: str = "keras", seed: int = 0,
          sample_weight=None, standardize: bool = False) -> Split:
    """Cut ``dataset`` into training and validation parts (and ``sample_weight`` [n], if given, with them).
    ``standardize``: every feature minus its mean and divided by its standard deviation, both of the training rows
    (scikit-learn's ``StandardScaler`` fitted on them; a constant feature is only centred), in both parts.

    ``method='keras'`` (default) is Keras's ``validation_split``: the *last* ``floor``-complement fraction of the
    samples, taken before any shuffling (100 samples, 0.2 -> samples 80..99 validate).
    ``method='stratified'`` is a seeded stratified shuffle split (scikit-learn's ``StratifiedShuffleSplit``).
    ``validation_split=0`` trains on every sample and validates on none, as Keras does.
    """
    vs = checks.number("validation_split", validation_split, low=0.0, high=1.0, high_open=True)
    checks.choice("split", method, SPLITS)
    n = len(dataset.y)
    if method == "keras" or vs == 0:
        split_at = int(n * (1.0 - vs))  # Keras: int(num_samples * (1 - validation_split))
        train_idx, val_idx = np.arange(split_at), np.arange(split_at, n)
    else:
        from sklearn.model_selection import StratifiedShuffleSplit

        try:
            cut = StratifiedShuffleSplit(1, test_size=vs, random_state=seed)
            train_idx, val_idx = next(cut.split(dataset.X, dataset.y))
        except ValueError as err:
            raise ReglabError("validation_split", validation_split,
                              f"a fraction that leaves every class in both parts ({err})") from None
    if len(train_idx) == 0 or len(val_idx) == 0 < vs:
        raise ReglabError("validation_split", validation_split, f"a fraction that leaves samples on both sides of {n}")
    if not isinstance(standardize, (bool, np.bool_)):
        raise ReglabError("standardize", standardize, "true or false")
    X = dataset.X.astype(np.float32)
    y = dataset.y.astype(np.int32)
    w = None if sample_weight is None else np.asarray(sample_weight, np.float32)
    scaler = None
    if standardize:
        rows = X[train_idx].astype(np.float64)
        scaler = (rows.mean(axis=0), np.where(rows.std(axis=0) > 0, rows.std(axis=0), 1.0))
        X = ((X - scaler[0]) / scaler[1]).astype(np.float32)
    return Split(dataset, X[train_idx], y[train_idx], X[val_idx], y[val_idx], vs, method,
                 *((None, None) if w is None else (w[train_idx], w[val_idx])), scaler)


def folds(dataset: Dataset, k: int = 5, seed: int = 0) -> list[Split]:
    """The k folds of a cross-validation as Splits: fold i validates on the i-th of k stratified parts and trains
    on the others (scikit-learn's ``StratifiedKFold(k, shuffle=True, random_state=seed)``)."""
    from sklearn.model_selection import StratifiedKFold

    k = checks.integer("k", k, low=2)
    X, y = dataset.X.astype(np.float32), dataset.y.astype(np.int32)
    try:
        parts = list(StratifiedKFold(k, shuffle=True, random_state=seed).split(X, y))
    except ValueError as err:
        raise ReglabError("k", k, f"a number of folds every class can fill ({err})") from None
    return [Split(dataset, X[t], y[t], X[v], y[v], 1 / k, f"fold {i + 1} of {k}") for i, (t, v) in enumerate(parts)]
