"""Data sets as plain NumPy arrays in a ``Dataset`` record, and Keras-style train/validation splits."""

from .dataset import SPLITS, Dataset, Split, folds, from_arrays, labelled, split
from .generators import blobs, circles, classification, gauss, moons, spiral, xor
from .loaders import BUNDLED, NAMES, bundled, load, parse_csv, read_csv

__all__ = ["Dataset", "Split", "split", "folds", "from_arrays", "labelled", "SPLITS", "load", "read_csv", "parse_csv",
           "bundled", "BUNDLED", "NAMES", "moons", "circles", "blobs", "xor", "gauss", "spiral", "classification"]
