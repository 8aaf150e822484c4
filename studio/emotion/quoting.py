"""Bounded quoting of user text echoed back in an error message.

Lives at the bottom layer so every layer can use it (``studio.errors`` re-exports it): a
100 000-character emotion id must come back as its start and its length, not as a page
of text. Escaping for the terminal is ``studio.errors.printable``'s job, done later.
"""

from __future__ import annotations

from typing import Final

QUOTE_LIMIT: Final = 60  # characters of user text quoted in one message


def quote(value: object, limit: int = QUOTE_LIMIT) -> str:
    """``repr`` of ``value`` (a string's text) bounded to about ``limit`` characters:
    a longer one is cut, with an ellipsis and how long it was."""
    text = value if isinstance(value, str) else repr(value)
    if len(text) <= limit:
        return repr(text) if isinstance(value, str) else text
    shown = repr(text[:limit]) if isinstance(value, str) else text[:limit]
    return f"{shown}… ({len(text)} characters)"
