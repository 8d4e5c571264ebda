"""Everything JAX: the MLP, penalties, optimizers, one run as one compiled program, and the runner.

Importing this package turns on JAX's persistent compilation cache (``$REGLAB_CACHE_DIR/jax``, default
``~/.cache/reglab/jax``), so a second process reuses programs compiled by the first.
"""

import jax

from ..cache import cache_dir


def _enable_compilation_cache():
    if jax.config.jax_compilation_cache_dir:  # the user chose one already
        return
    jax.config.update("jax_compilation_cache_dir", str(cache_dir("jax")))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.2)


_enable_compilation_cache()

from .program import Program, plan, train  # noqa: E402
from .runner import Trained, train_many, train_one  # noqa: E402

__all__ = ["Program", "plan", "train", "Trained", "train_one", "train_many"]
