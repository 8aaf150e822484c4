"""Where the shipped data and the user's data live."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import platformdirs


@cache
def assets_dir() -> Path:
    """The shipped ``assets/`` folder.

    In a wheel it is packed as ``studio/_assets``; in a source checkout (editable install)
    it is the top-level ``assets/`` beside the package.
    """
    here = Path(__file__).resolve().parent
    for candidate in (here / "_assets", here.parent / "assets"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"shipped assets folder not found next to {here}")


def studio_home() -> Path:
    """The user data folder: ``$STUDIO_HOME`` if set (tests, portable installs)."""
    override = os.environ.get("STUDIO_HOME")
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_data_dir("emotion-studio", appauthor=False))
