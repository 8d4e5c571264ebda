"""Sweep cost per model for batches of seed-size models (2000 epochs), beside the machine's matmul rate.

    python benchmarks/sweep.py                      # batches of 1, 8, 64, 256 (about 2.5 minutes on 2 cores)
    python benchmarks/sweep.py --sizes 1 8 64 --vectorized   # also time jax.vmap-ed chunks

Prints per batch: seconds per model (after compilation), the ratio to one model alone, achieved GFLOP/s, and the
process's peak resident memory; and the machine's float32 matmul GFLOP/s measured in the same run.
"""

import argparse
import os
import resource
import time

import jax

from _common import matmul_gflops, model_flops
from reglab import data
from reglab.config import ModelConfig
from reglab.engine.runner import Job, run, train_one
from reglab.regularizers import l1, l2


def configs(n):
    """n seed-size models differing in penalty and seed, as a sweep's are."""
    return [ModelConfig(learning_rate=0.01, epochs=2000, seed=i % 4,
                        kernel_regularizer=(l1 if i % 2 else l2)(10 ** (-5 + 4 * (i // 2) / max(n // 2, 1))))
            for i in range(n)]


def train_many(configs, split, mode):
    return list(run([Job(c, split) for c in configs], executor=mode))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 8, 64, 256])
    parser.add_argument("--vectorized", action="store_true", help="also time the jax.vmap mode")
    args = parser.parse_args()
    split = data.split(data.moons())
    flops = model_flops((2, 128, 128, 1), len(split.y_train), len(split.y_val), 2000)
    train_one(configs(1)[0], split)  # compile once, outside the timings
    print(f"backend {jax.default_backend()}, {os.cpu_count()} CPUs; one model = {flops / 1e9:.1f} GFLOP")
    modes = ["threads"] + (["vectorized"] if args.vectorized else [])
    base = {}
    for mode in modes:
        for n in args.sizes:
            batch = configs(n)
            if mode == "vectorized":
                train_many(batch, split, mode=mode)  # compile this batch shape first
            times = []
            for _ in range(3 if n == 1 else 1):  # one model alone is short and noisy: the median of three
                start = time.perf_counter()
                train_many(batch, split, mode=mode)
                times.append((time.perf_counter() - start) / n)
            per_model = sorted(times)[len(times) // 2]
            base.setdefault(mode, per_model)
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"{mode:10s} {n:4d} models: {per_model:.3f} s/model, {per_model / base['threads']:.2f}x one model, "
                  f"{flops / per_model / 1e9:6.1f} GFLOP/s, peak memory {peak:.0f} MiB")
    big = matmul_gflops((1024, 1024), (1024, 1024))
    small = matmul_gflops((64, 32, 128), (64, 128, 128), repeats=200)
    print(f"machine float32 matmul: {big:.1f} GFLOP/s (1024x1024 @ 1024x1024), {small:.1f} GFLOP/s "
          f"(64 batched 32x128 @ 128x128)")


if __name__ == "__main__":
    main()
