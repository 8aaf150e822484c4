"""The smoke test driver, run in-process on the test plugins."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from studio.plugins import fakes
from studio.ui.smoke import SmokeTest, process_age


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
    assert out.startswith("window shown: ")  # the start-up time, measured from /proc
    assert (tmp_path / "shots" / "panel-echo.png").is_file()
    assert (tmp_path / "shots" / "window-light.png").is_file()
    assert smoke.exit_code == 1  # the failing plugin failed, and says so
    assert any(f.startswith("fail:") for f in smoke.failures)


def test_process_age_is_time_since_this_process_started() -> None:
    import time

    first = process_age()
    assert first is not None and 0 < first < 3600
    time.sleep(0.05)
    second = process_age()
    assert second is not None and 0.03 < second - first < 1.0
