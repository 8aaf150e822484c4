"""One container format's three small functions: load (parse the file; anything raised
there means a damaged file), extract (the stored text, if any) and store (tag what was
loaded, save it to the given path)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.library.metadata.payload import Payload


@dataclass(frozen=True)
class Codec:
    kind: str  # named in error messages
    load: Callable[[Path], Any]
    extract: Callable[[Any], str | None]
    store: Callable[[Any, Path, Payload], None]
    # Reads just the stored text for inspect, when ``load`` would read more than that.
    peek: Callable[[Path], str | None] | None = None
