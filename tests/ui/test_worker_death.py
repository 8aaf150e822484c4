"""The window survives its workers: a worker process killed mid-job (kill -9, as the OOM
killer does) fails that job in one line, a new worker takes over, and the next Generate
works; a preview worker dying while the pad is dragged does not freeze the pad."""

from __future__ import annotations

import os
import signal
import time
from typing import Any

import pytest
from PySide6.QtCore import QTimer

from studio.jobs import JobState
from studio.library.history import History
from tests.ui.conftest import WAIT_MS, wait_final


def _kill_workers(window: Any) -> list[int]:
    pids = window.bridge.queue.worker_pids
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    return pids


class _Gaps:
    """The widest gap between ticks of a 5 ms timer: how long the event loop stalled."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._last = time.perf_counter()
        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.worst = max(self.worst, now - self._last)
        self._last = now


def test_a_worker_killed_mid_generate_fails_that_job_and_the_next_one_works(
    make_window: Any, qtbot: Any
) -> None:
    window = make_window()
    panel = window.panels["echo"]
    panel.mode.setCurrentIndex(panel.mode.findData("manual"))
    window.tabs.setCurrentWidget(panel)
    panel.form.editors["steps"].put(400)
    panel.form.editors["step_seconds"].put(0.05)
    job = panel.generate()
    assert job is not None
    qtbot.waitUntil(lambda: job.state is JobState.RUNNING and job.progress > 0, timeout=WAIT_MS)
    victims = _kill_workers(window)
    assert wait_final(qtbot, job) is JobState.FAILED
    row = window.jobs_panel.row(job)
    qtbot.waitUntil(lambda: row.status.text().startswith("the worker stopped"), timeout=WAIT_MS)
    text = row.status.text()
    assert "\n" not in text and "SIGKILL" in text and "a new worker was started" in text
    assert row.status.objectName() == "error"
    assert panel.caption.text() == f"Failed: {text}"
    assert not job.request.output.exists()  # nothing half-written kept

    panel.form.editors["steps"].put(2)
    panel.form.editors["step_seconds"].put(0.0)
    again = panel.generate()
    assert again is not None and wait_final(qtbot, again) is JobState.FINISHED
    assert not set(window.bridge.queue.worker_pids) & set(victims)
    qtbot.waitUntil(lambda: window.history_browser.list.count() == 1, timeout=WAIT_MS)
    with History() as history:
        (entry,) = history.list()
    assert entry.path == again.result.path and entry.path.is_file()


def test_a_preview_worker_dying_while_dragging_does_not_freeze_the_pad(
    make_window: Any, qtbot: Any
) -> None:
    window = make_window()
    panel = window.panels["echo"]
    window.tabs.setCurrentWidget(panel)
    panel.mode.setCurrentIndex(panel.mode.findData("live"))
    panel.form.editors["steps"].put(40)
    panel.form.editors["step_seconds"].put(0.05)  # each preview renders for ~2 s
    window.condition.begin_drag()
    window.condition.set_vad(-0.8, 0.1)
    qtbot.waitUntil(
        lambda: panel.preview_job is not None and panel.preview_job.progress > 0,
        timeout=WAIT_MS,
    )
    dying = panel.preview_job
    gaps = _Gaps()
    _kill_workers(window)
    # The artist keeps dragging while no worker is there: every move is taken at once.
    for i in range(1, 25):
        started = time.perf_counter()
        window.condition.set_vad(-0.8 + 0.05 * i, 0.1 + 0.01 * i)
        assert time.perf_counter() - started < 0.5
        qtbot.wait(20)
    assert wait_final(qtbot, dying) is JobState.FAILED
    assert dying.error is not None and dying.error.startswith("the worker stopped")
    panel.form.editors["steps"].put(2)  # quick frames from here on
    panel.form.editors["step_seconds"].put(0.0)
    window.condition.set_vad(0.5, 0.6)
    window.condition.end_drag()
    target = window.condition.condition.valence

    def newest_shown() -> bool:
        job = panel.preview_job
        return (
            job is not None
            and job.state is JobState.FINISHED
            and job.request.condition.valence == pytest.approx(target)
            and panel.last_path == job.result.path
        )

    qtbot.waitUntil(newest_shown, timeout=WAIT_MS)
    gaps.timer.stop()
    # The event loop kept turning throughout (a freeze would be seconds; a loaded machine
    # may pause any thread for a few hundred milliseconds).
    assert gaps.worst < 2.0, f"the window stalled for {gaps.worst:.2f} s"
    assert panel.pending_preview is None and not panel.rendering
    assert "preview" in panel.caption.text()
