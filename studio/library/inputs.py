"""Reading files the user names, bounded: type and size are checked before anything is read.

Only regular files are read (a FIFO would block forever, ``/dev/zero`` never ends, a folder
is not a file); each reader states how many bytes it will take at most, and JSON is checked
for size and nesting depth before it is parsed, so a hostile file costs at most its cap in
memory. Every refusal is a :class:`~studio.errors.BadInput` (exit 2) naming the file.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
from pathlib import Path
from typing import IO, Any, Final

import numpy as np

from studio.errors import BadInput, printable

__all__ = [
    "MAX_JSON_BYTES",
    "MAX_JSON_DEPTH",
    "check_regular",
    "loads_json",
    "not_a_file",
    "open_regular",
    "read_bytes",
    "read_json",
]

# A trajectory at its 10 000-keyframe limit is ~2.5 MB of JSON and a speech clip's phoneme
# timings a few hundred kB; 16 MiB leaves room for both while bounding a hostile file.
MAX_JSON_BYTES: Final = 16 * 2**20
# Our documents nest 6 levels deep (trajectory → keyframes → condition → vad); 64 is
# generous yet far below the depth where the parser recurses out of stack.
MAX_JSON_DEPTH: Final = 64

_KINDS: Final = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a pipe (FIFO)"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def not_a_file(path: Path) -> str | None:
    """What ``path`` is when it is not a regular file ("a folder", "a pipe (FIFO)", "a
    device", "a socket"; "missing" when nothing is there, even a dangling link), ``None``
    for a regular file (links followed). Stats only: a pipe is never opened."""
    try:
        mode = Path(path).stat().st_mode
    except FileNotFoundError:
        return "missing"
    except OSError as exc:
        return (exc.strerror or "unreadable").lower()
    return None if stat.S_ISREG(mode) else _kind(mode)


def _refuse(exc: OSError, path: Path, what: str) -> BadInput:
    """A one-line message for a file that cannot be opened or inspected."""
    shown = printable(path, 200)
    if exc.errno == errno.ENOENT:
        return BadInput(f"{what}: no such file: {shown}")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return BadInput(f"{what}: cannot read {shown}: permission denied")
    if exc.errno == errno.ENAMETOOLONG:
        return BadInput(f"{what}: file name too long: {printable(path.name, 60)}")
    if exc.errno == errno.ELOOP:
        return BadInput(f"{what}: {shown}: too many levels of symbolic links")
    if exc.errno == errno.ENOTDIR:
        return BadInput(f"{what}: {shown}: a part of the path is not a folder")
    return BadInput(f"{what}: cannot read {shown}: {exc.strerror or exc}")


def _check_stat(st: os.stat_result, path: Path, what: str, max_bytes: int | None) -> int:
    if not stat.S_ISREG(st.st_mode):
        raise BadInput(f"{what}: {printable(path, 200)} is {_kind(st.st_mode)}, not a file")
    if max_bytes is not None and st.st_size > max_bytes:
        raise BadInput(
            f"{what}: {printable(path, 200)} is too large "
            f"({st.st_size / 2**20:.1f} MiB; at most {max_bytes / 2**20:g} MiB)"
        )
    return st.st_size


def check_regular(path: Path | str, what: str, max_bytes: int | None = None) -> int:
    """The size of ``path`` if it is a regular file (symlinks followed) within
    ``max_bytes``; ``BadInput`` otherwise. Never opens the file, so a FIFO cannot block."""
    p = Path(path)
    try:
        st = p.stat()
    except OSError as exc:
        raise _refuse(exc, p, what) from None
    except ValueError:  # an embedded NUL in the name
        raise BadInput(f"{what}: {printable(p, 200)} is not a valid file name") from None
    return _check_stat(st, p, what, max_bytes)


def open_regular(path: Path | str, what: str, max_bytes: int | None = None) -> IO[bytes]:
    """Open ``path`` for reading if it is a regular file within ``max_bytes``.

    ``O_NONBLOCK`` makes opening a FIFO return at once (it then fails the type check on
    the opened descriptor, so a file swapped in after a check cannot slip through).
    """
    p = Path(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(p, flags)
    except OSError as exc:
        raise _refuse(exc, p, what) from None
    except ValueError:
        raise BadInput(f"{what}: {printable(p, 200)} is not a valid file name") from None
    try:
        _check_stat(os.fstat(fd), p, what, max_bytes)
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")


def read_bytes(path: Path | str, what: str, max_bytes: int) -> bytes:
    """All of a regular file of at most ``max_bytes`` (checked again while reading: a file
    that grows meanwhile is cut off, not read without end)."""
    with open_regular(path, what, max_bytes) as fh:
        try:
            data = fh.read(max_bytes + 1)
        except OSError as exc:
            raise _refuse(exc, Path(path), what) from None
    if len(data) > max_bytes:
        raise BadInput(f"{what}: {printable(path, 200)} is too large (grew while being read)")
    return data


_STRING: Final = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS: Final = bytes(b for b in range(256) if b not in b"[]{}")


def json_depth(data: bytes) -> int:
    """How deeply ``data``'s arrays and objects nest (strings skipped), without parsing."""
    brackets = _STRING.sub(b"", data).translate(None, _NOT_BRACKETS)
    if not brackets:
        return 0
    codes = np.frombuffer(brackets, dtype=np.uint8)
    steps = np.where((codes == ord("[")) | (codes == ord("{")), 1, -1)
    return int(np.cumsum(steps, dtype=np.int64).max())


def loads_json(
    text: str | bytes,
    what: str,
    *,
    max_bytes: int = MAX_JSON_BYTES,
    max_depth: int = MAX_JSON_DEPTH,
) -> Any:
    """Parse JSON after checking its size and nesting depth; every failure a ``BadInput``
    whose message starts with ``what`` ("condition file c.json is not valid JSON …")."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else bytes(text)
    if len(data) > max_bytes:
        raise BadInput(f"{what} is too large ({len(data)} bytes of JSON; at most {max_bytes})")
    depth = json_depth(data)
    if depth > max_depth:
        raise BadInput(f"{what} is JSON nested too deeply ({depth} levels; at most {max_depth})")
    try:
        return json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadInput(f"{what} is not valid JSON ({printable(exc, 120)})") from None
    except RecursionError:  # not reached after the depth check; kept as a last guard
        raise BadInput(f"{what} is JSON nested too deeply") from None


def read_json(path: Path | str, what: str, *, max_bytes: int = MAX_JSON_BYTES) -> Any:
    """A regular JSON file of at most ``max_bytes``, parsed with :func:`loads_json`."""
    data = read_bytes(path, what, max_bytes)
    return loads_json(data, f"{what} file {printable(path, 200)}", max_bytes=max_bytes)
