"""QtMultimedia, if this machine can load it.

It lives in the PySide6-Addons wheel and on Linux needs the system's libpulse; the window
must open without it, with playback disabled and the reason shown.
"""

from __future__ import annotations

import importlib
from functools import cache
from types import ModuleType


@cache
def load() -> tuple[ModuleType | None, ModuleType | None, str]:
    """``(QtMultimedia, QtMultimediaWidgets, "")`` or ``(None, None, reason)``."""
    try:
        media = importlib.import_module("PySide6.QtMultimedia")
        widgets = importlib.import_module("PySide6.QtMultimediaWidgets")
    except ImportError as exc:  # missing Addons wheel or system library (libpulse)
        return None, None, f"playback is unavailable: QtMultimedia did not load ({exc})"
    return media, widgets, ""


SILENT = "No sound device here: playing silently (the playhead still moves)"


def silent_notice() -> str:
    """What to tell an artist who presses Play where no sound can come out, or ""."""
    media = load()[0]
    if media is None:
        return ""
    return "" if media.QMediaDevices.audioOutputs() else SILENT
