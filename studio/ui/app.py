"""Start the studio window: ``studio`` / ``studio gui [--smoke-test OUT_DIR]``.

Nothing here runs at import time: job workers are spawned processes that re-import the
main module, so the window is built only inside :func:`run`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ORG = "Emotion Studio"
APP = "Emotion Studio"


def make_settings() -> object:
    """QSettings: an INI file inside ``$STUDIO_HOME`` when it is set (tests, portable
    installs), the platform's usual place otherwise."""
    from PySide6.QtCore import QSettings

    home = os.environ.get("STUDIO_HOME")
    if home:
        return QSettings(str(Path(home).expanduser() / "settings.ini"), QSettings.Format.IniFormat)
    return QSettings(ORG, APP)


# Qt Multimedia reports every missing optional system library (pipewire, VA-API) and its
# FFmpeg backend dumps each opened file's header to stderr; none of it is actionable for
# an artist. A user's own QT_LOGGING_RULES still wins.
QUIET_LOGGING = "qt.multimedia*=false"


def ensure_app() -> object:
    os.environ.setdefault("QT_LOGGING_RULES", QUIET_LOGGING)
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    app.setOrganizationName(ORG)
    app.setApplicationName(APP)
    app.setApplicationDisplayName(APP)
    app.setDesktopFileName("emotion-studio")
    return app


def build_window() -> object:
    from studio.ui.main_window import MainWindow

    ensure_app()
    return MainWindow(make_settings())  # type: ignore[arg-type]


def display_problem() -> str | None:
    """Why Qt could not open a window here, or None. Qt itself aborts the process (core
    dump, a page of plugin diagnostics) when it has no display; say it in one line first."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return None
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return (
            "no display to open the window on (DISPLAY and WAYLAND_DISPLAY are unset); "
            "use the headless commands (studio --help), or xvfb-run studio"
        )
    if not os.environ.get("WAYLAND_DISPLAY"):
        import ctypes.util

        if ctypes.util.find_library("xcb-cursor") is None:
            return (
                "Qt's X11 plugin needs the system library libxcb-cursor0 "
                "(Debian/Ubuntu: apt install libxcb-cursor0)"
            )
    return None


def run(smoke_test: Path | None = None) -> int:
    problem = display_problem()
    if problem is not None:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    from PySide6.QtCore import QTimer

    app = ensure_app()
    window = build_window()
    window.show()  # type: ignore[attr-defined]
    # Boot the job workers once the window is on screen, so the first Generate is warm.
    QTimer.singleShot(200, window.bridge.start)  # type: ignore[attr-defined]
    QTimer.singleShot(400, window.warm_up)  # type: ignore[attr-defined]
    smoke = None
    if smoke_test is not None:
        from studio.ui.smoke import SmokeTest

        smoke = SmokeTest(window, Path(smoke_test))  # type: ignore[arg-type]
        QTimer.singleShot(0, smoke.start)
    try:
        code = int(app.exec())  # type: ignore[attr-defined]
    finally:  # however the loop ended: no worker process outlives the window
        window.bridge.close()  # type: ignore[attr-defined]
    return smoke.exit_code if smoke is not None else code
