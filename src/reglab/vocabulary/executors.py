"""The executors that train a runner's jobs, as every face offers them (``--executor``, ``reglab.sweep``'s and the
CV estimators' ``executor=``): each name and what it does. The engine's runner maps each to its implementation."""

EXECUTORS = {
    "threads": "one compiled program per model, models concurrently on the CPU cores",
    "vectorized": "jax.vmap over the models of one network, one program for many (an accelerator's way)",
    "ray": 'Ray tasks on a cluster (pip install "reglab[ray]")',
}
CHOICES = ("auto", *EXECUTORS)  # auto: threads on a CPU, vectorized where JAX finds an accelerator
