"""Fixtures for the window tests: a window on the test-only generator plugins (the private
data folder comes from the suite-wide ``studio_home``), and job queues that are always
closed."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from studio.jobs import JobState
from studio.library.history import History
from studio.plugins import Registry, fakes

WAIT_MS = 30_000  # generous: workers boot slowly on a loaded machine


@pytest.fixture
def make_window(qtbot: Any, studio_home: Path) -> Iterator[Callable[..., Any]]:
    """Build a MainWindow on the given registry; closed (workers stopped) at teardown."""
    from studio.ui.app import ensure_app, make_settings
    from studio.ui.job_bridge import JobBridge
    from studio.ui.main_window import MainWindow

    ensure_app()
    made: list[Any] = []

    def make(registry: Registry | None = None, workers: int = 1) -> MainWindow:
        history = History()
        bridge = JobBridge(history, workers=workers)
        window = MainWindow(
            make_settings(),  # type: ignore[arg-type]
            registry=registry or fakes.registry("echo", "fail"),
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
