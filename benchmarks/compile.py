"""Compile and training seconds of the engine's programs, from an empty cache (never run by the tests).

    python benchmarks/compile.py
    python benchmarks/old_vs_new.py --old 5f9df80 --rounds 3 compile.py   # against an earlier commit

Prints: the programs and compile seconds for six small data sets trained as scikit-learn's batch_size="auto" does
(one batch of every row; 30 to 100 rows, 5 inputs, 8 hidden units), and compile and training seconds of the
lecture's model (2-128-128-1, 2000 epochs, batches of 32 on 80 rows) with l1(0.001) and with dropout 0.2.
"""

import os
import tempfile

os.environ["REGLAB_CACHE_DIR"] = tempfile.mkdtemp(prefix="reglab-bench-cache-")  # a cold cache for this process

import numpy as np  # noqa: E402
from sklearn.datasets import make_classification  # noqa: E402

from reglab import data  # noqa: E402
from reglab.engine import runner  # noqa: E402
from reglab.vocabulary.config import ModelConfig  # noqa: E402


def main():
    import jax

    jax.numpy.zeros(1).block_until_ready()  # JAX's own start-up, outside every figure
    before, seconds = runner._COMPILED.compiles, 0.0
    for n in (30, 40, 50, 60, 70, 100):
        X, y = make_classification(n, n_features=5, n_informative=3, n_redundant=0, random_state=0)
        small = data.Dataset("small", X.astype(np.float32), y.astype(np.int32), ("0", "1"), tuple("abcde"))
        split = data.split(small, validation_split=0)
        seconds += runner.train_one(ModelConfig(hidden=(8,), epochs=20, batch_size=200), split).compile_seconds
    programs = runner._COMPILED.compiles - before
    print(f"six one-batch data sets (30-100 rows): {programs} programs, compile {seconds / 6:.3f} s per data set")
    split = data.split(data.moons())
    for name, settings in (("l1(0.001)", {"kernel_regularizer": "l1(0.001)"}), ("dropout 0.2", {"dropout": 0.2})):
        first = runner.train_one(ModelConfig(**settings, epochs=2000, seed=0), split)
        again = runner.train_one(ModelConfig(**settings, epochs=2000, seed=1), split)  # the same program: no compile
        print(f"lecture's model, {name}: compile {first.compile_seconds:.3f} s, train {again.train_seconds:.3f} s")


if __name__ == "__main__":
    main()
