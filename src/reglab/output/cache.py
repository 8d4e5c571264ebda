"""Where reglab keeps what it can reuse between processes: ``$REGLAB_CACHE_DIR`` (default ``~/.cache/reglab``),
with ``jax/`` (JAX's persistent compilation cache), ``programs/`` (traced training programs, engine/exported.py)
and ``data/`` (generated data sets)."""

import os
from pathlib import Path

from .folders import write_atomic


def cache_dir(kind: str) -> Path:
    """The cache folder for ``kind`` (``"jax"``, ``"programs"`` or ``"data"``); not created here."""
    root = os.environ.get("REGLAB_CACHE_DIR") or Path.home() / ".cache" / "reglab"
    return Path(root) / kind


def put(path: Path, blob: bytes):
    """Keep ``blob`` in the cache file ``path`` (written atomically); where the cache cannot be written (a
    read-only home), nothing is kept and the next process makes it again."""
    try:
        write_atomic(path, blob)
    except OSError:
        pass
