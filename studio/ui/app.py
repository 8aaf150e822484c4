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


# What Qt's X11 plugin (libqxcb.so and libQt6XcbQpa.so.6) links against, by soname, and the
# Debian/Ubuntu package that ships each (read from the plugin's ELF NEEDED entries; package
# names from packages.debian.org, bookworm). Qt's own message names only xcb-cursor0.
XCB_LIBRARIES: dict[str, str] = {
    "libxcb.so.1": "libxcb1",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libGL.so.1": "libgl1",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libfontconfig.so.1": "libfontconfig1",
    "libdbus-1.so.3": "libdbus-1-3",
}


def missing_packages(libraries: dict[str, str] = XCB_LIBRARIES) -> list[str]:
    """The packages whose libraries the dynamic loader cannot find here (tried by soname,
    exactly as Qt's plugin would load them)."""
    import ctypes

    missing = []
    for soname, package in libraries.items():
        try:
            ctypes.CDLL(soname)
        except OSError:
            missing.append(package)
    return missing


def install_line(packages: list[str]) -> str:
    return f"sudo apt install {' '.join(packages)}"


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
        packages = missing_packages()
        if packages:
            return (
                "the window needs system libraries that are missing here; on Debian/Ubuntu: "
                + install_line(packages)
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
