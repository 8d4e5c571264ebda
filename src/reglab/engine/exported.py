"""Traced programs kept on disk (``$REGLAB_CACHE_DIR/programs``), so that a new process skips tracing and lowering.

JAX's persistent compilation cache (``engine/__init__``) already skips XLA's compile, but finding an entry needs the
lowered program, and tracing plus lowering a training run costs about 0.5 s of Python in every process. A
``jax.export`` serialization of the lowered program costs 5 ms to read back. The file name hashes everything the
program depends on: the Program, the argument shapes, the JAX, jaxlib and Optax versions, the backend, and the
engine's own source files, so an edited engine never reuses a stale program.
"""

import contextlib
import hashlib
from functools import cache
from pathlib import Path

import jax
import jaxlib
import optax

from ..output.cache import cache_dir, put

ENGINE = Path(__file__).parent  # the source a traced program is made of


@cache
def _source_digest(folder: Path) -> str:
    """A digest of the Python files in ``folder`` (their names and bytes)."""
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def _path(kind, program, args) -> Path:
    shapes = [(a.shape, str(a.dtype)) for a in jax.tree.leaves(args)]
    ident = repr((kind, program, jax.tree.structure(args), shapes, jax.__version__, jaxlib.__version__,
                  optax.__version__, jax.default_backend(), _source_digest(ENGINE)))
    return cache_dir("programs") / f"{hashlib.sha256(ident.encode()).hexdigest()[:32]}.jaxexport"


def compile_exported(kind, jitted, program, args):
    """``jitted.lower(program, *args).compile()``, through the on-disk export when there is one (and writing it
    when there is not). Results are the same: the export holds the very program tracing would give."""
    path = _path(kind, program, args)
    try:
        exported = jax.export.deserialize(bytearray(path.read_bytes()))
    except Exception:  # noqa: BLE001  (none yet, or unreadable: trace anew and replace it)
        exported = jax.export.export(jitted)(program, *args)
        with contextlib.suppress(ImportError):  # without flatbuffers (its serializer) the next process traces again
            put(path, exported.serialize())
    return jax.jit(exported.call).lower(*args).compile()
