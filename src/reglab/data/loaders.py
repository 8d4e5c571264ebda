"""Data from files and from scikit-learn's bundled sets, and ``load``: any data set by name."""

import codecs
import csv
import io
import math
from pathlib import Path

import numpy as np

from ..vocabulary import checks
from ..vocabulary.errors import ReglabError
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


def arguments(dataset: Dataset) -> dict:
    """The arguments of ``load`` (besides the name) that make ``dataset`` again: its params less what it records
    of itself (``classification``'s ``informative`` columns)."""
    import inspect

    make = GENERATORS.get(dataset.name)
    taken = inspect.signature(make).parameters if make else dataset.params
    return {k: v for k, v in dataset.params.items() if k in taken}


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


SEPARATORS = (",", ";", "\t")


def read_csv(path, label: str = "label") -> Dataset:
    """A CSV file with a header row: numeric feature columns and a label column named ``label`` holding integers or
    words (``yes``/``no``, ``setosa``, …); the classes are the sorted distinct labels. As spreadsheets export it:
    UTF-8 (with or without a byte-order mark) or UTF-16 with its mark, values separated by commas, semicolons or
    tabs (whichever the header row uses). Rows keep their file order, so ``validation_split`` takes the file's last
    rows, as Keras would.
    """
    path = Path(path)
    if not path.is_file():
        raise ReglabError("data.path", str(path), "an existing CSV file")
    return parse_csv(path.read_bytes(), path, label)


def parse_csv(raw: bytes, path, label: str = "label") -> Dataset:
    """``read_csv`` of the bytes ``raw``; ``path`` (a Path) says where they came from (a file, or an upload's name)
    for the data set's name and the errors."""
    try:
        text = raw.decode("utf-16" if raw[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else "utf-8-sig")
    except UnicodeDecodeError as err:
        raise ReglabError("data.path", str(path), f"a text file in UTF-8 or UTF-16 (byte {err.start} is not)") from None
    header_line = text.split("\n", 1)[0]
    sep = max(SEPARATORS, key=header_line.count)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))
    if not rows:
        raise ReglabError("data.path", str(path), "a CSV file with a header row and data rows")
    header = [h.strip() for h in rows[0]]
    if label not in header:
        raise ReglabError("data.label", label, "a column of " + str(path) + ": " + ", ".join(header))
    col = header.index(label)
    features, labels, lines = [], [], []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue  # blank line
        if len(row) != len(header):
            raise ReglabError(f"{path.name} line {line}", sep.join(row), f"{len(header)} values separated by {sep!r}")
        labels.append(row[col].strip())
        lines.append(line)
        features.append([_number(path, line, name, cell) for i, (name, cell) in enumerate(zip(header, row))
                         if i != col])
    if not labels:
        raise ReglabError("data.path", str(path), "a CSV file with at least one data row")
    numbers = [_float(v) for v in labels]
    numeric = all(v is not None for v in numbers)  # a column of numbers holds integer classes
    for line, text, v in zip(lines, labels, numbers):
        if not text or numeric and not (math.isfinite(v) and v == round(v)):
            raise ReglabError(f"{path.name} line {line} column {label!r}", text, "an integer class label, or words")
    if numeric:
        labels = [int(v) for v in numbers]
    names = tuple(h for h in header if h != label)
    return labelled(path.stem, np.asarray(features).reshape(len(labels), len(names)), labels, names,
                    {"path": str(path), "label": label}, f"{path.name} column {label!r}")


def _float(text):
    try:
        return float(text)
    except ValueError:
        return None


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
