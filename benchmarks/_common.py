"""Shared measuring helpers for the benchmark scripts."""

import time

import jax
import jax.numpy as jnp


def model_flops(sizes, n_train, n_val, epochs):
    """Training ~ 3x the forward matmul flops (forward, two backward products), plus the validation forward."""
    macs = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    return epochs * (3 * 2 * macs * n_train + 2 * macs * n_val)


def matmul_gflops(shape_a, shape_b, repeats=50):
    """float32 matmul rate of this machine through XLA, for one product of the given shapes (batched if 3-D)."""
    a = jnp.ones(shape_a, jnp.float32)
    b = jnp.ones(shape_b, jnp.float32)
    f = jax.jit(lambda a, b: a @ b)
    f(a, b).block_until_ready()
    start = time.perf_counter()
    for _ in range(repeats):
        out = f(a, b)
    out.block_until_ready()
    seconds = (time.perf_counter() - start) / repeats
    batch = shape_a[0] if len(shape_a) == 3 else 1
    return 2 * batch * shape_a[-2] * shape_a[-1] * shape_b[-1] / seconds / 1e9
