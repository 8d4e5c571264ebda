"""Everything JAX: the MLP (mlp), its penalties, the step as an optax chain (chain, sparse), one run as
one compiled program (program, exported), and the runner that trains jobs on an executor (runner). Importing
``reglab.engine`` alone imports no JAX: ``engine.history`` is read by results too.

XLA's CPU runtime is asked to run a program's operations one after another
(``--xla_cpu_enable_concurrency_optimized_scheduler=false``, unless XLA_FLAGS names that flag): its concurrent
schedule hands the small operations of these networks to a thread pool and back, which made a step of the lecture's
network a quarter slower, and the runner already keeps every core busy with models of its own (benchmarks/README.md).
The flag takes effect where JAX's CPU backend has not started before reglab's engine is imported.
"""

import os

_SCHEDULER = "--xla_cpu_enable_concurrency_optimized_scheduler"
if _SCHEDULER not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {_SCHEDULER}=false".strip()
