"""Writing files and folders atomically: a reader, in this process or another, sees the whole thing or none of
it. The one place reglab writes outputs and caches from."""

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path


def leftovers(folder: Path):
    """The temporary files and folders that a killed process left in ``folder`` (names ``.NAME.….tmp…``)."""
    return folder.glob(".*.tmp*")


def write_atomic(path, data: bytes | str) -> None:
    """Write ``data`` to the file ``path`` through a temporary file and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException:
        os.remove(tmp)
        raise


@contextmanager
def atomic_folder(path):
    """Yield an empty temporary folder; when the block ends without error it takes the place of ``path``
    (replacing a folder already there), and when it fails it is removed."""
    path = Path(path)
    tmp = path.parent / f".{path.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        yield tmp
        old = None
        if path.exists():
            old = path.parent / f".{path.name}.old-{os.getpid()}"
            path.rename(old)
        tmp.rename(path)
        if old:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
