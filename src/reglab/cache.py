"""Where reglab keeps what it can reuse between processes: ``$REGLAB_CACHE_DIR`` (default ``~/.cache/reglab``),
with ``jax/`` (JAX's persistent compilation cache), ``programs/`` (traced training programs, engine/exported.py)
and ``data/`` (generated data sets)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def cache_dir(kind: str) -> Path:
    """The cache folder for ``kind`` (``"jax"``, ``"programs"`` or ``"data"``); not created here."""
    root = os.environ.get("REGLAB_CACHE_DIR") or Path.home() / ".cache" / "reglab"
    return Path(root) / kind


def put(path: Path, blob: bytes):
    """Write ``blob`` to the cache file ``path`` atomically (a reader, in this process or another, sees the whole
    file or none); where the cache cannot be written (a read-only home), nothing is kept and the next process makes
    it again."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(blob)
        os.replace(tmp, path)
    except OSError:
        if tmp and os.path.exists(tmp):
            os.remove(tmp)
