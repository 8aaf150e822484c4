"""Where the shipped data tables live (kept inside studio.emotion so the schema package
imports nothing else of the project)."""

from __future__ import annotations

from functools import cache
from pathlib import Path


@cache
def assets_dir() -> Path:
    """The shipped ``assets/`` folder.

    In a wheel it is packed as ``studio/_assets``; in a source checkout (editable install)
    it is the top-level ``assets/`` beside the package.
    """
    studio_pkg = Path(__file__).resolve().parent.parent
    for candidate in (studio_pkg / "_assets", studio_pkg.parent / "assets"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"shipped assets folder not found next to {studio_pkg}")
