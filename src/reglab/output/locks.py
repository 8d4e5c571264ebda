"""One process at a time writes an output folder. A claim is a lock (``flock``) on a file in
``$REGLAB_CACHE_DIR/locks`` named after the folder's absolute path and holding the writer's process id: the kernel
drops it when the process ends, even by SIGKILL, so a dead writer never blocks the next one."""

import fcntl
import hashlib
import os
from contextlib import contextmanager
from pathlib import Path

from ..vocabulary.errors import ReglabError
from .cache import cache_dir


@contextmanager
def claim(folder):
    """Hold ``folder`` for this process while the block runs; while another process holds it, one ReglabError
    naming that process. Without a writable cache there is no lock to take, and the block runs unclaimed."""
    path = cache_dir("locks") / f"{hashlib.sha256(str(Path(folder).resolve()).encode()).hexdigest()[:32]}.lock"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        yield
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 20, 0).decode(errors="replace").strip() or "?"
            raise ReglabError("out", str(folder), f"a folder no other reglab process is writing (process {holder} "
                              "is writing this one)") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)  # and with it the lock
