"""Sweep cost per model for batches of seed-size models (2000 epochs), beside the machine's matmul rate.

    python benchmarks/sweep.py                      # batches of 1, 8, 64, 256 (about 2.5 minutes on 2 cores)
    python benchmarks/sweep.py --sizes 1 8 64 --vectorized   # also time jax.vmap-ed chunks
    python benchmarks/sweep.py --sizes 256 --executor threads ray   # the Ray executor on a local runtime

Prints per batch: seconds per model (after compilation), the ratio to one model alone with threads (and, for
another executor, to threads at the same batch size), achieved GFLOP/s, and the process's peak resident memory;
and the machine's float32 matmul GFLOP/s measured in the same run. The Ray runtime (one worker per CPU) starts
before the timings, as a cluster would be up before a sweep; its first batch, which pays each worker's JAX import
and program load, is printed apart ("cold workers"), then every size is timed on the warm workers.
"""

import argparse
import os
import resource
import time

import jax
from _common import matmul_gflops, model_flops

from reglab import data
from reglab.engine.runner import Job, run, train_one
from reglab.vocabulary.config import ModelConfig
from reglab.vocabulary.regularizers import l1, l2


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
    parser.add_argument("--executor", nargs="+", default=["threads"], choices=["threads", "vectorized", "ray"])
    args = parser.parse_args()
    split = data.split(data.moons())
    flops = model_flops((2, 128, 128, 1), len(split.y_train), len(split.y_val), 2000)
    train_one(configs(1)[0], split)  # compile once, outside the timings
    print(f"backend {jax.default_backend()}, {os.cpu_count()} CPUs; one model = {flops / 1e9:.1f} GFLOP")
    modes = list(dict.fromkeys(["threads", *args.executor] + (["vectorized"] if args.vectorized else [])))
    base, threads = {}, {}
    for mode in modes:
        if mode == "ray":
            import ray

            os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
            ray.init(address="local", num_cpus=os.cpu_count(), include_dashboard=False, log_to_driver=False)
            warm = configs(2 * os.cpu_count())
            start = time.perf_counter()
            train_many(warm, split, mode=mode)
            print(f"ray        {len(warm):4d} models: {(time.perf_counter() - start) / len(warm):.3f} s/model on cold "
                  "workers (each imports JAX and loads the program once)")
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
            if mode == "threads":
                threads[n] = per_model
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            beside = "" if mode == "threads" else f", {per_model / threads[n]:.3f}x threads at {n}"
            print(f"{mode:10s} {n:4d} models: {per_model:.3f} s/model, {per_model / base['threads']:.2f}x one model"
                  f"{beside}, {flops / per_model / 1e9:6.1f} GFLOP/s, peak memory {peak:.0f} MiB", flush=True)
        if mode == "ray":
            ray.shutdown()
    big = matmul_gflops((1024, 1024), (1024, 1024))
    small = matmul_gflops((64, 32, 128), (64, 128, 128), repeats=200)
    print(f"machine float32 matmul: {big:.1f} GFLOP/s (1024x1024 @ 1024x1024), {small:.1f} GFLOP/s "
          f"(64 batched 32x128 @ 128x128)")


if __name__ == "__main__":
    main()
