"""Suite-wide settings: Qt without a screen, and a private data folder per test run."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
