"""18 fits of the lecture's network (2 -> 128 -> 128 -> 1, Adam(0.01), ``l1(0.001)``) one after another in one
process with an empty cache, over epochs {100, 300, 700} x make_moons n {60, 100, 400} x validation_split {0, 0.2}:
what a user changing one setting at a time waits for. Prints the first fit's seconds, the other 17's, and how many
programs were compiled.

    python benchmarks/fits_grid.py
    PYTHONPATH=/path/to/old/src python benchmarks/fits_grid.py   # another tree, in the same minute
"""

import os
import tempfile
import time

os.environ["REGLAB_CACHE_DIR"] = tempfile.mkdtemp(prefix="reglab-bench-cache-")  # empty: every program compiles

import reglab  # noqa: E402
from reglab.engine.runner import _COMPILED  # noqa: E402


def main():
    seconds = []
    for epochs in (100, 300, 700):
        for n in (60, 100, 400):
            for validation in (0.0, 0.2):
                began = time.perf_counter()
                reglab.fit(reglab.data.split(reglab.data.moons(n=n), validation), hidden=(128, 128),
                           learning_rate=0.01, epochs=epochs, kernel_regularizer=reglab.l1(0.001))
                seconds.append(time.perf_counter() - began)
    print(f"first fit {seconds[0]:.1f} s, the other 17 {sum(seconds[1:]):.1f} s, {_COMPILED.compiles} programs "
          "compiled")


if __name__ == "__main__":
    main()
