"""Two-dimensional toy problems: scikit-learn's generators and TensorFlow Playground's.

Playground sets (``xor``, ``gauss``, ``spiral``) follow ``tensorflow/playground/src/dataset.ts``, with ``noise`` as
a fraction (the Playground slider's percent / 100), labels {-1, 1} mapped to {0, 1}, and the samples shuffled with
``seed`` (the Playground emits one class after the other, which a last-fraction validation split would break).
"""

import hashlib
import io
import json
from importlib.metadata import version

import numpy as np

from ..output.cache import cache_dir, put
from ..vocabulary import checks
from ..vocabulary.errors import ReglabError
from .dataset import Dataset


def moons(n: int = 100, noise: float = 0.25, seed: int = 2) -> Dataset:
    """``sklearn.datasets.make_moons(n, noise=noise, random_state=seed)``; defaults are the lecture's."""
    n, noise, seed = _args(n, noise, seed)
    X, y = _sklearn("make_moons", n_samples=n, noise=noise, random_state=seed)
    return _dataset("moons", X, y, n=n, noise=noise, seed=seed)


def circles(n: int = 100, noise: float = 0.1, seed: int = 0, factor: float = 0.5) -> Dataset:
    """``sklearn.datasets.make_circles``."""
    n, noise, seed = _args(n, noise, seed)
    factor = checks.number("factor", factor, low=0.0, high=1.0, low_open=True, high_open=True)
    X, y = _sklearn("make_circles", n_samples=n, noise=noise, random_state=seed, factor=factor)
    return _dataset("circles", X, y, n=n, noise=noise, seed=seed, factor=factor)


def blobs(n: int = 100, noise: float = 1.0, seed: int = 0, centers: int = 2) -> Dataset:
    """``sklearn.datasets.make_blobs`` in 2-D with ``centers`` classes; ``noise`` is ``cluster_std``."""
    n, noise, seed = _args(n, noise, seed)
    centers = checks.integer("centers", centers, low=2)
    X, y = _sklearn("make_blobs", n_samples=n, n_features=2, centers=centers, cluster_std=noise, random_state=seed)
    return _dataset("blobs", X, y, n=n, noise=noise, seed=seed, centers=centers)


def classification(n: int = 1000, n_features: int = 20, n_informative: int = 3, seed: int = 1) -> Dataset:
    """``sklearn.datasets.make_classification`` with ``n_informative`` informative features first and the rest pure
    noise (no redundant or repeated ones); rows shuffled with ``seed``, columns kept, so the truth is known:
    ``params["informative"]`` lists the informative columns."""
    n, seed = checks.integer("n", n, low=2), checks.integer("seed", seed, low=0)
    n_features = checks.integer("n_features", n_features, low=1)
    n_informative = checks.integer("n_informative", n_informative, low=1)
    if n_informative > n_features:
        raise ReglabError("n_informative", n_informative, f"an integer <= n_features ({n_features})")
    X, y = _sklearn("make_classification", n_samples=n, n_features=n_features, n_informative=n_informative,
                    n_redundant=0, n_repeated=0, shuffle=False, random_state=seed)
    order = np.random.default_rng(seed).permutation(n)
    names = tuple(f"f{i + 1}" for i in range(n_features))
    return Dataset("classification", X[order].astype(np.float32), y[order].astype(np.int32), (0, 1), names,
                   {"n": n, "n_features": n_features, "n_informative": n_informative, "seed": seed,
                    "informative": list(range(n_informative))})


def xor(n: int = 200, noise: float = 0.0, seed: int = 0) -> Dataset:
    """Playground XOR: uniform in [-5, 5]^2 pushed 0.3 away from the axes; label = sign(x*y) of the noisy point."""
    n, noise, seed = _args(n, noise, seed)
    rng = np.random.default_rng(seed)
    xy = rng.uniform(-5, 5, size=(n, 2))
    xy += np.where(xy > 0, 0.3, -0.3)
    noisy = xy + rng.uniform(-5, 5, size=(n, 2)) * noise
    y = (noisy[:, 0] * noisy[:, 1] >= 0).astype(int)
    return _dataset("xor", xy, y, n=n, noise=noise, seed=seed)


def gauss(n: int = 200, noise: float = 0.0, seed: int = 0) -> Dataset:
    """Playground two Gaussians at (2, 2) (label 1) and (-2, -2) (label 0); variance 0.5 + 7 * noise."""
    n, noise, seed = _args(n, noise, seed)
    rng = np.random.default_rng(seed)
    std = np.sqrt(0.5 + noise * (4 - 0.5) / 0.5)  # d3 linear scale [0, .5] -> [0.5, 4] gives the variance
    half = n // 2
    X = np.concatenate([rng.normal(2, std, (half, 2)), rng.normal(-2, std, (n - half, 2))])
    y = np.r_[np.ones(half, int), np.zeros(n - half, int)]
    return _shuffled("gauss", X, y, rng, n=n, noise=noise, seed=seed)


def spiral(n: int = 200, noise: float = 0.0, seed: int = 0) -> Dataset:
    """Playground two-arm spiral: radius i/m*5, angle 1.75*i/m*2*pi (+pi for label 0), uniform noise * [-1, 1]."""
    n, noise, seed = _args(n, noise, seed)
    rng = np.random.default_rng(seed)
    parts, labels = [], []
    for delta, label, m in ((0.0, 1, n // 2), (np.pi, 0, n - n // 2)):
        i = np.arange(m)
        r = i / m * 5
        t = 1.75 * i / m * 2 * np.pi + delta
        pts = np.c_[r * np.sin(t), r * np.cos(t)] + rng.uniform(-1, 1, size=(m, 2)) * noise
        parts.append(pts)
        labels.append(np.full(m, label))
    return _shuffled("spiral", np.concatenate(parts), np.concatenate(labels), rng, n=n, noise=noise, seed=seed)


def _sklearn(maker: str, **kwargs):
    """``sklearn.datasets.<maker>(**kwargs)`` as (X, y), kept in ``$REGLAB_CACHE_DIR/data`` under a key made of the
    generator, its arguments and scikit-learn's version: importing scikit-learn costs more than a second, about a
    tenth of a whole demo, and a generator's output is fixed by exactly those three."""
    key = json.dumps([maker, sorted(kwargs.items()), version("scikit-learn")])
    path = cache_dir("data") / f"{maker}-{hashlib.sha256(key.encode()).hexdigest()[:20]}.npz"
    try:
        with np.load(path) as saved:
            return saved["X"], saved["y"]
    except (OSError, KeyError, ValueError):  # not there yet, or unreadable: generate it again
        pass
    import sklearn.datasets

    X, y = getattr(sklearn.datasets, maker)(**kwargs)
    blob = io.BytesIO()
    np.savez(blob, X=X, y=y)
    put(path, blob.getvalue())  # whole or absent, even with several processes at once
    return X, y


def _args(n, noise, seed):
    return checks.integer("n", n, low=2), checks.number("noise", noise, low=0.0), checks.integer("seed", seed, low=0)


def _shuffled(name, X, y, rng, **params):
    order = rng.permutation(len(y))
    return _dataset(name, X[order], y[order], **params)


def _dataset(name, X, y, **params):
    classes = tuple(int(c) for c in np.unique(y))
    return Dataset(name, np.asarray(X, np.float32), np.asarray(y, np.int32), classes, ("x1", "x2"), params)
