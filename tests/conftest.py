"""Suite-wide settings: Qt without a screen, and a private data folder per test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def studio_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """History, settings, caches and models folder of one test: never the user's own."""
    home = tmp_path / "home"
    monkeypatch.setenv("STUDIO_HOME", str(home))
    return home
