"""Everything JAX: the MLP (mlp), its penalties, the step as an optax chain (optimizers, sparse, chain), one run as
one compiled program (program, exported) and the runner that trains jobs on an executor (runner).

``reglab.engine`` itself imports no JAX (``engine.history`` is read by results too); ``run``, ``Job``,
``Trained`` and ``train_one`` come from ``engine.runner`` on first use.
"""

_RUNNER = ("run", "Job", "Trained", "train_one", "EXECUTORS")


def __getattr__(name):
    if name in _RUNNER:
        from . import runner

        return getattr(runner, name)
    raise AttributeError(f"module 'reglab.engine' has no attribute {name!r}")
