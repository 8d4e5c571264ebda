"""Time the lecture's run and `reglab demo`; print the figures (never run by the tests).

    python benchmarks/seed_run.py            # about a minute on the 2-core machine

Prints: compile seconds (cold: an empty compilation cache) and training seconds for one seed run (2000 epochs,
6000 Adam steps), optimizer steps per second, achieved GFLOP/s beside the machine's float32 matmul GFLOP/s measured
in the same process, and `reglab demo` wall time from process start to report written (cold and warm cache).
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time

os.environ["REGLAB_CACHE_DIR"] = tempfile.mkdtemp(prefix="reglab-bench-cache-")  # a cold cache for this process

import jax  # noqa: E402
from _common import matmul_gflops, model_flops  # noqa: E402

from reglab import data  # noqa: E402
from reglab.engine.runner import train_one  # noqa: E402
from reglab.vocabulary.config import ModelConfig  # noqa: E402


def demo_seconds(cache_dir):
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "reglab", "demo", "--out", out], check=True, capture_output=True,
                       env={**os.environ, "REGLAB_CACHE_DIR": cache_dir})
        return time.perf_counter() - start


def main():
    split = data.split(data.moons())
    config = ModelConfig(learning_rate=0.01, epochs=2000)
    first = train_one(config, split)
    runs = [train_one(config, split).train_seconds for _ in range(5)]
    train_s = statistics.median(runs)
    steps = config.epochs * -(-len(split.y_train) // config.batch_size)
    flops = model_flops((2, 128, 128, 1), len(split.y_train), len(split.y_val), config.epochs)
    print(f"backend: {jax.default_backend()}, {os.cpu_count()} CPUs, jax {jax.__version__}")
    print(f"seed run (2000 epochs, {steps} steps): compile {first.compile_seconds:.2f} s (cold cache), "
          f"train {train_s:.3f} s median of 5 (min {min(runs):.3f}, first call {first.train_seconds:.3f})")
    print(f"  {steps / train_s:,.0f} optimizer steps/s; {flops / 1e9:.1f} GFLOP per run -> "
          f"{flops / train_s / 1e9:.1f} GFLOP/s")
    big = matmul_gflops((1024, 1024), (1024, 1024))
    small = matmul_gflops((32, 128), (128, 128), repeats=2000)
    print(f"  machine float32 matmul: {big:.1f} GFLOP/s (1024x1024 @ 1024x1024), {small:.1f} GFLOP/s "
          f"(32x128 @ 128x128); the run achieves {flops / train_s / 1e9 / big:.1%} of the large-matmul rate")
    cache = tempfile.mkdtemp(prefix="reglab-bench-demo-")
    cold, warm = demo_seconds(cache), demo_seconds(cache)
    print(f"reglab demo, process start to report.html: {cold:.1f} s with an empty compilation cache, {warm:.1f} s warm")


if __name__ == "__main__":
    main()
