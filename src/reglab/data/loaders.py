"""Data from files and from scikit-learn's bundled sets, and ``load``: any data set by name."""

import csv
import math
from pathlib import Path

import numpy as np

from .. import checks
from ..errors import ReglabError
from . import generators
from .dataset import Dataset, labelled

BUNDLED = ("iris", "wine", "breast_cancer", "digits")
GENERATORS = {name: getattr(generators, name)
              for name in ("moons", "circles", "blobs", "xor", "gauss", "spiral", "classification")}
NAMES = tuple(GENERATORS) + BUNDLED + ("csv",)


def load(name: str, **params) -> Dataset:
    """A data set by name: a generator (``moons``, ``circles``, ``blobs``, ``xor``, ``gauss``, ``spiral``) with its
    keyword arguments, a bundled scikit-learn set, or ``csv`` with ``path=`` and ``label=``."""
    checks.choice("data.name", name, NAMES)
    if name == "csv":
        return read_csv(**params)
    factory = GENERATORS.get(name) or (lambda **kw: bundled(name, **kw))
    try:
        return factory(**params)
    except TypeError as err:  # an unknown keyword for this data set
        raise ReglabError(f"data ({name})", sorted(params), f"the arguments of reglab.data.{name} ({err})") from None


def bundled(name: str, seed: int = 0) -> Dataset:
    """scikit-learn's ``load_<name>()``, rows shuffled with ``seed`` (the files are sorted by class, so a
    last-fraction validation split would otherwise hold one class only)."""
    import sklearn.datasets

    checks.choice("data.name", name, BUNDLED)
    seed = checks.integer("seed", seed, low=0)
    bunch = getattr(sklearn.datasets, f"load_{name}")()
    order = np.random.default_rng(seed).permutation(len(bunch.target))
    features = getattr(bunch, "feature_names", [f"x{i + 1}" for i in range(bunch.data.shape[1])])
    return Dataset(name, bunch.data[order].astype(np.float32), bunch.target[order].astype(np.int32),
                   tuple(str(c) for c in bunch.target_names), tuple(str(f) for f in features), {"seed": seed})


def read_csv(path, label: str = "label") -> Dataset:
    """A CSV file with a header row: numeric feature columns and one integer label column named ``label``.

    Rows keep their file order, so ``validation_split`` takes the file's last rows, as Keras would.
    """
    path = Path(path)
    if not path.is_file():
        raise ReglabError("data.path", str(path), "an existing CSV file")
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        raise ReglabError("data.path", str(path), "a CSV file with a header row and data rows")
    header = [h.strip() for h in rows[0]]
    if label not in header:
        raise ReglabError("data.label", label, "a column of " + str(path) + ": " + ", ".join(header))
    col = header.index(label)
    features, labels = [], []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue  # blank line
        if len(row) != len(header):
            raise ReglabError(f"{path.name} line {line}", ",".join(row), f"{len(header)} comma-separated values")
        values = []
        for name, cell in zip(header, row):
            values.append(_number(path, line, name, cell))
        labels.append(values.pop(col))
        features.append(values)
    if not labels:
        raise ReglabError("data.path", str(path), "a CSV file with at least one data row")
    y = np.asarray(labels)
    if not np.all(y == np.round(y)):
        bad = next(v for v in labels if v != round(v))
        raise ReglabError(f"{path.name} column {label!r}", bad, "integer class labels")
    names = tuple(h for h in header if h != label)
    return labelled(path.stem, np.asarray(features).reshape(len(labels), len(names)), y.astype(np.int64), names,
                    {"path": str(path), "label": label}, f"{path.name} column {label!r}")


def _number(path, line, column, cell):
    text = cell.strip()
    if not text:
        raise ReglabError(f"{path.name} line {line} column {column!r}", cell,
                          "a number (missing values are not allowed)")
    try:
        value = float(text)
    except ValueError:
        raise ReglabError(f"{path.name} line {line} column {column!r}", cell, "a number") from None
    if not math.isfinite(value):
        raise ReglabError(f"{path.name} line {line} column {column!r}", cell, "a finite number")
    return value
