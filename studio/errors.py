"""The one family of errors a generation raises below the front ends.

``BadInput`` is the user's to fix (the command exits 2); ``GenerationFailed`` means a
generator or the file work after it failed on accepted input (the command exits 1). Both
carry one readable line; the original exception is chained as ``__cause__``.
"""

from __future__ import annotations

import re

from studio.emotion.quoting import QUOTE_LIMIT, quote

__all__ = [
    "BadInput",
    "GenerationFailed",
    "Interrupted",
    "StudioError",
    "classify",
    "one_line",
    "printable",
    "printable_json",
    "quote",
]


class StudioError(Exception):
    """Base of the errors the session and option resolution raise."""


class BadInput(StudioError, ValueError):
    """Bad input: an option, a file, a request the generator refuses (exit 2)."""


class GenerationFailed(StudioError, RuntimeError):
    """A generator failed after its input was accepted (exit 1)."""


class ExportError(OSError):
    """A file could not be written; ``str()`` is one line naming the path."""

    def __str__(self) -> str:
        return self.strerror or super().__str__()


class Interrupted(KeyboardInterrupt):
    """SIGTERM or SIGINT arrived: unwinds like Ctrl-C, so every temp file is removed."""

    def __init__(self, signame: str = "SIGINT") -> None:
        super().__init__(signame)
        self.signame = signame


# -- printing what came from a file ----------------------------------------------------------
# C0 and C1 control characters, DEL, and the bidirectional overrides and isolates that can
# reorder what a terminal shows (Unicode TR#9; CVE-2021-42574 "Trojan Source").
_UNSAFE = {
    **{c: f"\\x{c:02x}" for c in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0))},
    **{c: f"\\u{c:04x}" for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))},
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_ESCAPES = str.maketrans({**_UNSAFE, **{ord(k): v for k, v in _SHORT.items()}})
MAX_QUOTE = 300  # characters of file content quoted in one message


def printable(text: object, limit: int | None = None) -> str:
    """``text`` safe to print on a terminal: control characters escaped (``\\x1b``), so a
    file cannot set the window title, clear the screen or forge lines. One sanitiser for
    everything printed that came from a file; ``limit`` cuts long text with an ellipsis."""
    out = str(text).translate(_ESCAPES)
    if limit is not None and len(out) > limit:
        return out[: max(0, limit - 1)] + "…"
    return out


# json.dumps already escapes C0 controls; these it leaves raw with ensure_ascii=False.
_JSON_ESCAPES = str.maketrans({c: f"\\u{c:04x}" for c in _UNSAFE if c >= 0x7F})


def printable_json(text: str) -> str:
    """JSON text (from ``json.dumps(..., ensure_ascii=False)``) with DEL, C1 controls and
    bidi overrides escaped as ``\\uXXXX``: still the same JSON, safe on a terminal."""
    return text.translate(_JSON_ESCAPES)


def one_line(exc: BaseException | str) -> str:
    """An error as one printable line (whitespace runs folded, controls escaped)."""
    text = " ".join(str(exc).split())
    if not text and isinstance(exc, BaseException):
        text = type(exc).__name__
    return printable(_LONG_QUOTE.sub(_shorten, text), 2 * MAX_QUOTE)


# The net under every message that reaches the user: user text quoted with !r somewhere
# below (an id, a value) is cut like quote() cuts it, so no line echoes a page of input.
_LONG_QUOTE = re.compile(r"(['\"])([^'\"]{" + str(2 * QUOTE_LIMIT + 1) + r",})\1")


def _shorten(match: re.Match[str]) -> str:
    mark, inner = match.group(1), match.group(2)
    return f"{mark}{inner[:QUOTE_LIMIT]}{mark}… ({len(inner)} characters)"


def describe(exc: BaseException) -> str:
    """``RuntimeError: the backend ran out of ink`` (just the type when there is no text)."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {one_line(text)}" if text else type(exc).__name__


# -- the error funnel ------------------------------------------------------------------------
def _os_message(exc: OSError) -> str:
    """``PATH: reason`` rather than ``[Errno 13] Permission denied: 'PATH'``."""
    if exc.strerror and exc.filename is not None:
        name = str(exc.filename)
        if len(name) > 120:  # a 300-character name: its end says which file
            name = "…" + name[-100:]
        return f"{name}: {exc.strerror}"
    return str(exc)


def classify(exc: BaseException) -> tuple[int, str]:
    """The exit status and one-line message for a failure (the command's error funnel).

    2: the input is at fault (an option, a file that is missing, unreadable, malformed,
    too large or nested too deeply, an output that cannot be written there); 1: a
    generator failed on accepted input, or anything unexpected.
    """
    if isinstance(exc, GenerationFailed):
        return 1, f"generation failed: {one_line(exc)}"
    if isinstance(exc, RecursionError):
        return 2, "input nested too deeply (JSON or a parameter value)"
    if isinstance(exc, MemoryError):
        return 2, "input too large to process in memory"
    if isinstance(exc, ValueError):  # BadInput, schema and params errors, bad encodings
        return 2, one_line(exc)
    if isinstance(exc, OSError):  # generator failures arrive as GenerationFailed: a path
        return 2, one_line(_os_message(exc))
    return 1, f"{type(exc).__name__}: {one_line(exc)}"
