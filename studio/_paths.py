"""Where the user's data lives."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs


def studio_home() -> Path:
    """The user data folder: ``$STUDIO_HOME`` if set (tests, portable installs)."""
    override = os.environ.get("STUDIO_HOME")
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_data_dir("emotion-studio", appauthor=False))
