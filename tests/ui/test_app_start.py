"""Starting the window where there is nothing to show it on."""

from __future__ import annotations

import sys

import pytest

from studio.ui import app


@pytest.fixture
def linux_without_display(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    for name in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.usefixtures("linux_without_display")
def test_no_display_is_one_clear_line_not_a_qt_abort(capsys: pytest.CaptureFixture[str]) -> None:
    assert app.run() == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: no display") and "\n" not in err
    assert "studio --help" in err


@pytest.mark.usefixtures("linux_without_display")
def test_missing_xcb_cursor_library_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    import ctypes.util

    monkeypatch.setenv("DISPLAY", ":99")
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    problem = app.display_problem()
    assert problem is not None and "libxcb-cursor0" in problem


@pytest.mark.usefixtures("linux_without_display")
def test_an_explicit_platform_or_wayland_is_left_to_qt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    assert app.display_problem() is None
    monkeypatch.delenv("WAYLAND_DISPLAY")
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert app.display_problem() is None
