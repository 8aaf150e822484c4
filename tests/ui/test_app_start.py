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
def test_missing_x11_libraries_are_named_as_packages_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import ctypes

    real = ctypes.CDLL
    absent = {"libxcb-icccm.so.4", "libxcb-keysyms.so.1"}  # what a fresh desktop lacked

    def load(name: str, *args: object, **kwargs: object) -> object:
        if name in absent:
            raise OSError(f"{name}: cannot open shared object file")
        return real(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setenv("DISPLAY", ":99")
    monkeypatch.setattr(ctypes, "CDLL", load)
    assert app.run() == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "xcb-cursor0" not in err  # not Qt's misleading guess
    assert err.endswith("on Debian/Ubuntu: sudo apt install libxcb-icccm4 libxcb-keysyms1")


@pytest.mark.usefixtures("linux_without_display")
def test_an_explicit_platform_or_wayland_is_left_to_qt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    assert app.display_problem() is None
    monkeypatch.delenv("WAYLAND_DISPLAY")
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert app.display_problem() is None
