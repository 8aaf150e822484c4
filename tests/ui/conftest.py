"""Fixtures for the window tests: a private data folder and settings file per test, the
test-only generator plugins (plus music), and job queues that are always closed."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import pytest

from studio.jobs import JobState
from studio.library.history import History
from studio.plugins import GROUP, Registry

WAIT_MS = 30_000  # generous: workers boot slowly on a loaded machine

FAKES = {
    "echo": "studio.plugins.fakes:EchoGenerator",
    "fail": "studio.plugins.fakes:FailingGenerator",
    "stubborn": "studio.plugins.fakes:StubbornGenerator",
}


@pytest.fixture(autouse=True)
def studio_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """History and the window's QSettings (settings.ini) live under STUDIO_HOME."""
    home = tmp_path / "home"
    monkeypatch.setenv("STUDIO_HOME", str(home))
    return home


def make_registry(*names: str, music: bool = False, broken: bool = False) -> Registry:
    eps = [EntryPoint(n, FAKES[n], GROUP) for n in names]
    if music:
        eps.append(EntryPoint("music", "generators.music:MusicGenerator", GROUP))
    if broken:
        eps.append(EntryPoint("broken", "studio.plugins.fakes:BrokenOnImport", GROUP))
    return Registry(eps)


@pytest.fixture
def make_window(qtbot: Any, studio_home: Path) -> Iterator[Callable[..., Any]]:
    """Build a MainWindow on the given registry; closed (workers stopped) at teardown."""
    from studio.ui.app import ensure_app, make_settings
    from studio.ui.job_bridge import JobBridge
    from studio.ui.main_window import MainWindow

    ensure_app()
    made: list[Any] = []

    def make(registry: Registry | None = None, **kwargs: Any) -> MainWindow:
        history = History()
        bridge = JobBridge(history, workers=1)
        window = MainWindow(
            make_settings(),  # type: ignore[arg-type]
            registry=registry or make_registry("echo", "fail"),
            history=history,
            bridge=bridge,
        )
        qtbot.addWidget(window)
        made.append(window)
        return window

    yield make
    for window in made:
        window.close()
        assert window.bridge.closed
    assert multiprocessing.active_children() == []


def wait_final(qtbot: Any, job: Any, timeout: int = WAIT_MS) -> JobState:
    qtbot.waitUntil(lambda: job.state.is_final, timeout=timeout)
    return job.state
