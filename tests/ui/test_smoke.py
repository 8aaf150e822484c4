"""The smoke test driver, run in-process on the test plugins."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from studio.plugins import fakes
from studio.ui.smoke import SmokeTest


def test_smoke_generates_each_panel_and_measures_stalls(
    make_window: Any, qtbot: Any, tmp_path: Path, capsys: Any
) -> None:
    window = make_window(fakes.registry("echo", "fail"))
    window.show()
    smoke = SmokeTest(window, tmp_path / "shots")
    smoke.start()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=60_000)
    out = capsys.readouterr().out
    assert "echo: " in out and "stall: " in out
    assert (tmp_path / "shots" / "panel-echo.png").is_file()
    assert (tmp_path / "shots" / "window-light.png").is_file()
    assert smoke.exit_code == 1  # the failing plugin failed, and says so
    assert any(f.startswith("fail:") for f in smoke.failures)
