"""Atomic file writes: a temp file beside the target, fsync, then ``os.replace``.

Readers of the target see either the old file or the complete new one, never a partial
file; on any failure (``KeyboardInterrupt`` included) the temp file is removed, so nothing
is left beside the target either.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, ClassVar, Final

from studio.errors import ExportError  # raised here; defined below every layer that catches it

__all__ = [
    "ExportError",
    "Staging",
    "atomic_copy_with",
    "atomic_path",
    "atomic_write",
    "is_temp_name",
    "move_into_place",
    "remove_stale",
    "temp_name",
]

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; staleness then goes by age alone
    fcntl = None  # type: ignore[assignment]

# Room for the "." prefix, the random tag and ".part" within a 255-byte NAME_MAX.
_MAX_STEM = 100


def temp_name(target: Path) -> str:
    """A fresh hidden temp-file name for ``target``: ``.<name>.<random>.part``."""
    return f".{target.name[:_MAX_STEM]}.{secrets.token_hex(4)}.part"


# Exactly what temp_name makes: nothing else in a user's folder is ever removed as ours.
_TEMP_NAME: Final = re.compile(rf"\A\..{{1,{_MAX_STEM}}}\.[0-9a-f]{{8}}\.part\Z", re.DOTALL)
# Temp files of this process are newer than this (taken when the studio's file code loads,
# before any of them can exist); an older one was left by a process that was killed.
STARTED: Final = time.time()


def is_temp_name(name: str) -> bool:
    """Whether ``name`` is one of our temp names (``.<name>.<8 hex>.part``)."""
    return bool(_TEMP_NAME.match(name))


def _lock(fd: int) -> None:
    """Mark a temp file or folder as in use: a sweep by another process leaves it alone."""
    if fcntl is not None:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _in_use(path: Path) -> bool:
    if fcntl is None:
        return False
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return True  # cannot look: leave it
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)  # closing drops the lock we may have taken
    return False


def remove_stale(folder: Path) -> list[Path]:
    """Remove temp files and staging folders of ours in ``folder`` that a killed process
    left: our exact name pattern, last changed before this process started, and not
    locked by a live one. Returns what was removed; problems are ignored (best effort)."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not is_temp_name(entry.name):
            continue
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if st.st_mtime >= STARTED or _in_use(Path(entry.path)):
            continue
        path = Path(entry.path)
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(path)
            elif entry.is_file(follow_symlinks=False):
                path.unlink()
            else:
                continue
        except OSError:
            continue
        removed.append(path)
    return removed


def _write_error(target: Path, exc: OSError) -> ExportError:
    """Turn a low-level ``OSError`` into a one-line message naming ``target``."""
    parent = target.parent
    if isinstance(exc, FileNotFoundError) and not parent.exists():
        reason = f"folder {parent} does not exist"
    elif isinstance(exc, NotADirectoryError) or (parent.exists() and not parent.is_dir()):
        reason = f"{parent} is not a folder"
    elif isinstance(exc, PermissionError):
        reason = f"folder {parent} is not writable"
    elif isinstance(exc, IsADirectoryError) or target.is_dir():
        reason = "a folder with that name is in the way"
    else:
        reason = exc.strerror or str(exc)
    err = ExportError(exc.errno or errno.EIO, f"cannot write {target}: {reason}")
    err.filename = str(target)
    return err


def _create_temp(target: Path) -> Path:
    """Create an empty temp file beside ``target`` and return its path.

    ``os.open`` with mode 0o666 lets the umask decide the permissions, as for any new
    file (``mkstemp`` would leave exports readable by their owner only).
    """
    for _ in range(100):
        tmp = target.parent / temp_name(target)
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        except OSError as exc:
            raise _write_error(target, exc) from exc
        _lock(fd)
        with _HELD_LOCK:
            _HELD[tmp] = fd  # closed (lock released) when the temp file goes
        return tmp
    raise ExportError(errno.EEXIST, f"cannot write {target}: no free temp-file name")


_HELD: dict[Path, int] = {}
_HELD_LOCK = threading.Lock()


def _release(tmp: Path) -> None:
    with _HELD_LOCK:
        fd = _HELD.pop(tmp, None)
    if fd is not None:
        with contextlib.suppress(OSError):
            os.close(fd)


def _fsync_file(path: Path) -> None:
    """Flush ``path``'s data to disk so the rename never exposes an empty file."""
    fd = os.open(path, os.O_RDONLY)  # fsync needs no write access (the mode may be 0o444)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (POSIX only; Windows cannot open folders)."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _commit(tmp: Path, target: Path) -> None:
    """Flush ``tmp`` and move it onto ``target`` in one step.

    A replaced file keeps its permissions (copied now, after writing: a read-only mode
    on the temp file would have stopped the writer).
    """
    with contextlib.suppress(OSError):
        shutil.copymode(target, tmp)  # failure here is only cosmetic
    try:
        _fsync_file(tmp)
        os.replace(tmp, target)
    except OSError as exc:
        raise _write_error(target, exc) from exc
    _fsync_dir(target.parent)


def move_into_place(tmp: Path, target: Path) -> None:
    """Move a finished temp file (in ``target``'s file system) onto ``target`` atomically:
    flushed, the replaced file's mode kept; ``ExportError`` naming ``target``."""
    _commit(Path(tmp), Path(target))


@contextlib.contextmanager
def atomic_path(path: Path | str) -> Iterator[Path]:
    """Yield a temp path to fill in; on success it replaces ``path`` atomically.

    For libraries that want a file name rather than a file object. The temp file exists
    (empty) when the block starts and sits in the same folder as ``path``, so the final
    rename never crosses file systems.

    Raises
    ------
    ExportError
        The folder is missing or not writable, or the rename failed.
    """
    target = Path(path)
    tmp = _create_temp(target)
    try:
        yield tmp
        _commit(tmp, target)
    except BaseException:
        # BaseException: an interrupt must not leave a stray .part file behind either.
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    finally:
        _release(tmp)


@contextlib.contextmanager
def atomic_write(
    path: Path | str, mode: str = "wb", *, encoding: str | None = None
) -> Iterator[IO[Any]]:
    """Open a temp file for writing; on success it replaces ``path`` atomically.

    Parameters
    ----------
    path
        The final file.
    mode
        ``"wb"`` or ``"w"`` (text, UTF-8 unless ``encoding`` says otherwise).
    encoding
        Text encoding for ``"w"``.

    Raises
    ------
    ExportError
        The folder is missing or not writable, or the rename failed.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_write supports modes 'w' and 'wb', not {mode!r}")
    if mode == "w" and encoding is None:
        encoding = "utf-8"
    with atomic_path(path) as tmp, open(tmp, mode, encoding=encoding) as fh:
        yield fh


def atomic_copy_with(
    src: Path | str, dst: Path | str, transform: Callable[[Path], Any] | None = None
) -> None:
    """Copy ``src`` to ``dst`` atomically, letting ``transform`` edit the copy first.

    ``transform`` gets the temp copy's path and modifies it in place (e.g. adds tags);
    ``dst`` appears only once the copy is complete and transformed. ``src`` may equal
    ``dst``, which edits a file in place atomically.
    """
    source = Path(src)
    if not source.is_file():
        raise FileNotFoundError(f"no such file: {source}")
    with atomic_path(dst) as tmp:
        shutil.copyfile(source, tmp)
        if transform is not None:
            transform(tmp)


class Staging:
    """A private folder beside ``target`` (``.<name>.<random>.part/``) holding ``<name>``.

    A generator renders into :attr:`path` (same name, so the format and anything that
    reads the name behave as for the target); the state is embedded there; then
    :meth:`commit` moves it onto ``target`` in one rename. Until then ``target`` is
    untouched, and :meth:`discard` (or an interrupted process's next sweep) removes the
    folder with whatever is in it. The folder is locked while this object lives, so a
    sweep by another process leaves it alone.
    """

    _live: ClassVar[dict[Path, Staging]] = {}
    _live_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, target: Path | str) -> None:
        self.target = Path(target)
        remove_stale(self.target.parent)
        for _ in range(100):
            folder = self.target.parent / temp_name(self.target)
            try:
                folder.mkdir(mode=0o700)
            except FileExistsError:
                continue
            except OSError as exc:
                raise _write_error(self.target, exc) from exc
            break
        else:
            raise ExportError(errno.EEXIST, f"cannot write {target}: no free temp-file name")
        self.folder = folder
        self.path = folder / self.target.name
        self._fd: int | None = None
        with contextlib.suppress(OSError):
            self._fd = os.open(folder, os.O_RDONLY)
            _lock(self._fd)
        with Staging._live_lock:
            Staging._live[self.path] = self

    @classmethod
    def of(cls, path: Path) -> Staging | None:
        """The live staging whose file is ``path``, if this process made it."""
        with cls._live_lock:
            return cls._live.get(Path(path))

    @staticmethod
    def is_staged(path: Path) -> bool:
        """Whether ``path`` lies in a staging folder (``.<name>.<8 hex>.part/<name>``)."""
        p = Path(path)
        return is_temp_name(p.parent.name) and p.parent.name[1:].startswith(p.name[:_MAX_STEM])

    def commit(self) -> None:
        """Move the staged file onto the target in one rename, then remove the folder."""
        try:
            if not self.path.is_file():
                raise ExportError(errno.ENOENT, f"cannot write {self.target}: nothing was made")
            _commit(self.path, self.target)
        finally:
            self.discard()

    def discard(self) -> None:
        """Remove the folder and everything in it (idempotent)."""
        with Staging._live_lock:
            Staging._live.pop(self.path, None)
        shutil.rmtree(self.folder, ignore_errors=True)
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None

    @classmethod
    def discard_all(cls) -> None:
        """Remove every staging folder this process still holds (on SIGTERM / SIGINT)."""
        with cls._live_lock:
            live = list(cls._live.values())
        for staging in live:
            staging.discard()
