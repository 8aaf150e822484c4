"""Atomic file writes: a temp file beside the target, fsync, then ``os.replace``.

Readers of the target see either the old file or the complete new one, never a partial
file; on any failure (``KeyboardInterrupt`` included) the temp file is removed, so nothing
is left beside the target either.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

__all__ = ["ExportError", "atomic_copy_with", "atomic_path", "atomic_write", "temp_name"]

# Room for the "." prefix, the random tag and ".part" within a 255-byte NAME_MAX.
_MAX_STEM = 100


class ExportError(OSError):
    """A file could not be written; ``str()`` is one line naming the path."""

    def __str__(self) -> str:
        return self.strerror or super().__str__()


def temp_name(target: Path) -> str:
    """A fresh hidden temp-file name for ``target``: ``.<name>.<random>.part``."""
    return f".{target.name[:_MAX_STEM]}.{secrets.token_hex(4)}.part"


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
        os.close(fd)
        with contextlib.suppress(OSError):
            # Replacing a file keeps its permissions; failure here is only cosmetic.
            shutil.copymode(target, tmp)
        return tmp
    raise ExportError(errno.EEXIST, f"cannot write {target}: no free temp-file name")


def _fsync_file(path: Path) -> None:
    """Flush ``path``'s data to disk so the rename never exposes an empty file."""
    fd = os.open(path, os.O_RDWR)
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
    """Flush ``tmp`` and move it onto ``target`` in one step."""
    try:
        _fsync_file(tmp)
        os.replace(tmp, target)
    except OSError as exc:
        raise _write_error(target, exc) from exc
    _fsync_dir(target.parent)


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
