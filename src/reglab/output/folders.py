"""Writing files and folders atomically: a reader, in this process or another, sees the whole thing or none of
it. The one place reglab writes outputs and caches from."""

import os
import re
import shutil
import uuid
from contextlib import contextmanager
from pathlib import Path

from ..vocabulary.errors import ReglabError


def leftovers(folder: Path):
    """The temporary files and folders that a killed process left in ``folder`` (names ``.NAME.….tmp…``)."""
    return folder.glob(".*.tmp*")


def write_atomic(path, data: bytes | str) -> None:
    """Write ``data`` to the file ``path`` through a temporary file and a rename; the file gets the permissions the
    umask gives a new file (as ``open`` would), not a temporary file's owner-only ones."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{uuid.uuid4().hex[:12]}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
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


MARK = ".reglab"  # in every study folder reglab writes, listing the files it wrote: those it may replace
MARK_HEADER = "A folder reglab wrote. reglab may replace the files listed below, and no others:\n"


def written_files(folder: Path) -> list[str]:
    """Every file under ``folder``, as paths relative to it with '/' between parts, sorted."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if not p.is_dir())


def foreign_files(folder: Path) -> list[str]:
    """The files in a folder reglab wrote that its MARK does not list: files someone else put there since (a
    MARK from before the list was kept lists nothing and vouches for everything)."""
    listed = (folder / MARK).read_text().splitlines()
    if not listed or listed[0] + "\n" != MARK_HEADER:
        return []
    known = {MARK, *listed[1:]}
    return [name for name in written_files(folder) if name not in known]


def check_output(folder) -> Path:
    """``folder`` if reglab may write a study there: a new folder, an empty one or one reglab wrote holding only
    files reglab wrote (it never removes a file it did not write: a rerun is refused, naming them), not the current
    folder or one above it, under a folder it can write."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ReglabError("out", str(folder), "a folder (a file of that name is in the way)")
    if folder.resolve() in (Path.cwd(), *Path.cwd().parents):
        raise ReglabError("out", str(folder), "a folder other than the current one or one above it")
    if folder.is_dir() and any(folder.iterdir()):
        if not (folder / MARK).exists():
            raise ReglabError("out", str(folder), "a new or empty folder, or one reglab wrote (this one holds files "
                              "reglab did not write)")
        foreign = foreign_files(folder)
        if foreign:
            named = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
            raise ReglabError("out", str(folder), f"a folder holding only files reglab wrote, which a rerun replaces "
                              f"(move {named} elsewhere, or choose another --out)")
    above = next(p for p in folder.resolve().parents if p.exists())
    if not above.is_dir() or not os.access(above, os.W_OK | os.X_OK):
        raise ReglabError("out", str(folder), f"a folder under one reglab can write ({above} is not)")
    return folder


@contextmanager
def marked_folder(path):
    """``atomic_folder(path)`` marked as a folder reglab wrote (MARK, listing every file the block wrote), OS errors
    as the one ``out`` line; the folder it replaces is checked again (``check_output``) just before."""
    with written(path), atomic_folder(path) as folder:
        yield folder
        (folder / MARK).write_text(MARK_HEADER + "".join(f"{name}\n" for name in written_files(folder)))
        check_output(path)  # a file put there while the study trained is not replaced either


@contextmanager
def written(folder):
    """Turns an OS error while the block writes ``folder`` (no permission, a full disk, …) into the one line."""
    try:
        yield
    except OSError as err:
        raise ReglabError("out", str(folder), f"a folder reglab can write ({err.strerror or err})") from None


def slug(name: str) -> str:
    """A name as a file or folder name: runs of other characters than letters, digits, ``.``, ``_``, ``-`` as one
    ``_``."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "model"
