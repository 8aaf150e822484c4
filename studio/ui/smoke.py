"""``studio gui --smoke-test OUT_DIR``: drive the real window end to end.

First prints "window shown: N.NN s after start": the process's age (from /proc, Linux)
when the event loop first runs with the window shown, i.e. the start-up time of whatever
launched it, a frozen bundle included. Then runs one generation per generator that has an
available backend, by pressing its Generate button; saves a screenshot per panel (plus
the light theme and each dock) to OUT_DIR; measures the longest event-loop stall while
generating (a 5 ms timer recording the widest gap between its ticks) and prints
"stall: N ms". Exit 0 when every generation finished, 1 otherwise.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication

from studio.jobs import Job, JobState
from studio.ui.generator_panel import GeneratorPanel
from studio.ui.main_window import MainWindow

TICK_MS = 5
WARM_UP_MS = 1500
JOB_TIMEOUT_S = 240.0


class StallMeter(QObject):
    """Widest gap between ticks of a fast timer, while running."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.worst = 0.0
        self._last: float | None = None

    def start(self) -> None:
        self._last = time.perf_counter()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        self._last = None

    def _tick(self) -> None:
        now = time.perf_counter()
        if self._last is not None:
            self.worst = max(self.worst, (now - self._last) * 1000.0)
        self._last = now


def process_age() -> float | None:
    """Seconds since this process started (Linux /proc), or None where that is unknown."""
    try:
        # Fields after the ")" that closes the command name start at field 3 (state);
        # starttime is field 22, in clock ticks since boot.
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")
        return time.clock_gettime(time.CLOCK_BOOTTIME) - started
    except (OSError, ValueError, IndexError, AttributeError):
        return None


def _usable(panel: GeneratorPanel) -> bool:
    return any(b.available for b in panel.generator.backends())


class SmokeTest(QObject):
    def __init__(self, window: MainWindow, out_dir: Path) -> None:
        super().__init__(window)
        self.window = window
        self.out = out_dir
        self.meter = StallMeter(self)
        self.queue = [p for p in window.panels.values() if _usable(p)]
        self.job: Job | None = None
        self.started = 0.0
        self.failures: list[str] = []
        self.worst_before = 0.0
        self.exit_code = 1
        self.poll = QTimer(self)
        self.poll.setInterval(20)
        self.poll.timeout.connect(self._check)

    def say(self, text: str) -> None:
        print(text, flush=True)

    def start(self) -> None:
        age = process_age()
        if age is not None:
            self.say(f"window shown: {age:.2f} s after start")
        try:
            self.out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self.say(f"error: cannot create {self.out}: {exc.strerror}")
            QApplication.instance().exit(1)  # type: ignore[union-attr]
            return
        self.window.raise_()
        self.window.condition.set_vad(0.62, 0.45, source="smoke")
        if not self.window.bridge.queue.wait_ready(60):
            self.say("error: the job workers did not start")
        self._snap("window")
        # An artist does not press Generate in the first second: let the idle warm-up
        # (viewers, QtMultimedia) finish, as it would before any real first click.
        QTimer.singleShot(WARM_UP_MS, self._next)

    def _snap(self, name: str) -> None:
        QApplication.processEvents()
        self.window.grab().save(str(self.out / f"{name}.png"))

    def _next(self) -> None:
        if not self.queue:
            self._finish()
            return
        panel = self.queue.pop(0)
        self.window.tabs.setCurrentWidget(panel)
        QApplication.processEvents()
        self.meter.start()
        self.worst_before = self.meter.worst
        self.meter.worst = 0.0
        self.started = time.perf_counter()
        panel.mode.setCurrentIndex(panel.mode.findData("manual"))  # one job, no previews
        panel.generate_button.click()
        self.job = panel.current_job
        if self.job is None:
            self.meter.stop()
            self.failures.append(f"{panel.generator.id}: {panel.problem.text() or 'not submitted'}")
            self._snap(f"panel-{panel.generator.id}")
            QTimer.singleShot(0, self._next)
            return
        self.panel = panel
        self.poll.start()

    def _check(self) -> None:
        job = self.job
        assert job is not None
        waited = time.perf_counter() - self.started
        if not job.state.is_final and waited < JOB_TIMEOUT_S:
            return
        shown = job.result is not None and self.panel.last_path == job.result.path
        if job.state is JobState.FINISHED and not shown and waited < JOB_TIMEOUT_S:
            return  # the finished event (embedding, history) is still on its way to the panel
        self.poll.stop()
        self.meter.stop()
        gid = self.panel.generator.id
        if job.result is None:
            why = job.error or job.message or f"still {job.state} after {JOB_TIMEOUT_S:g} s"
            self.failures.append(f"{gid}: {why}")
            self.say(f"{gid}: FAILED ({why})")
        else:
            self.say(
                f"{gid}: {job.result.path.name} in {waited:.2f} s "
                f"(longest stall {self.meter.worst:.0f} ms)"
            )
        self.meter.worst = max(self.meter.worst, self.worst_before)
        QTimer.singleShot(300, lambda: self._after(gid))  # let the preview load and paint

    def _after(self, gid: str) -> None:
        self._snap(f"panel-{gid}")
        self._next()

    def _finish(self) -> None:
        w = self.window
        for key in ("emotion", "jobs", "history", "arc"):
            w.docks[key].widget().grab().save(str(self.out / f"dock-{key}.png"))
        w.set_theme("light")
        self._snap("window-light")
        w.set_theme("dark")
        self.say(f"stall: {self.meter.worst:.0f} ms")
        for failure in self.failures:
            print(f"error: {failure}", file=sys.stderr)
        ran = len([p for p in w.panels.values() if _usable(p)])
        self.say(f"generated {ran - len(self.failures)} of {ran}; screenshots in {self.out}")
        self.exit_code = 0 if not self.failures else 1
        w.close()
        QApplication.instance().quit()  # type: ignore[union-attr]
