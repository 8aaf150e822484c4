"""Soak: the studio window over a long session. Drives the real window (real job workers,
a private STUDIO_HOME) for ``--minutes`` with what an artist does for hours: live drags on
the pad (image and music panels), a generation of every kind (image, music, speech,
talking head, clip), history re-opens (filter, reload, re-open into the form, show), exports
to a folder (a copy, and another format rendered again), arc edits with Undo, and a
history Delete with Undo delete.

Every ``--sample`` seconds it records the window process's resident memory, open file
descriptors, threads (Python's and the kernel's), top-level widgets and QObjects under the
window, the workers' resident memory, and the bookkeeping that could grow (jobs tracked,
job rows, thumbnails cached, preview scratch files, staging leftovers). Prints JSON: the
curve, and each figure's growth after the warm-up (the first ``--warm-up`` seconds) in
percent (goal: <= 10 % for memory, descriptors and threads).

Run: nice -n 10 python benchmarks/ui_soak.py [--minutes 10] [--sample 10] [--warm-up 120]
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import math
import os
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Short texts: each generation finishes in seconds, so a session sees many of them.
SCRIPT = "Well, here we are again."
CLIP_EVERY = 2  # cycles: the clip is the slowest kind
JOB_TIMEOUT_S = 300.0
MOVE_HZ = 60  # a mouse reports about this often while it moves
# Figures whose growth decides the verdict (the rest are printed for diagnosis).
JUDGED = ("rss_mb", "workers_rss_mb", "fds", "threads", "top_level_widgets")


# -- measuring (Linux /proc; psutil is not a dependency) ------------------------------------
def proc_status(pid: int | str = "self") -> dict[str, int]:
    """VmRSS (kB) and Threads of a process; {} when it has gone."""
    out: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "Threads"):
                out[key] = int(value.split()[0])
    except (OSError, ValueError):
        return {}
    return out


def fd_count(pid: int | str = "self") -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def descendants(pid: int) -> list[int]:
    """A process's children, grandchildren, … (a generator may start its own)."""
    found: list[int] = []
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                kids = Path(f"/proc/{p}/task/{task}/children").read_text().split()
            except OSError:
                continue
            for kid in map(int, kids):
                found.append(kid)
                todo.append(kid)
    return found


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd",
            "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost",
        )
    ]  # fmt: skip


def heap_in_use_mb() -> float | None:
    """Bytes the C allocator has handed out and not had back (glibc's mallinfo2: in use
    plus mmapped). RSS also counts freed heap the allocator keeps, so a leak shows here
    more plainly; None where the C library is not glibc 2.33+."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2.restype = _MallInfo2
    except (OSError, AttributeError):
        return None
    info = libc.mallinfo2()
    return round((info.uordblks + info.hblkhd) / 2**20, 1)


def _files(folder: Path, hidden_only: bool = False) -> int:
    if not folder.is_dir():
        return 0
    return sum(1 for p in folder.iterdir() if not hidden_only or p.name.startswith("."))


def sample(window: Any, app: Any, t: float) -> dict[str, Any]:
    """One point of the curve."""
    from PySide6.QtCore import QObject

    me = proc_status()
    workers = window.bridge.queue.worker_pids
    worker_rss = [proc_status(p).get("VmRSS", 0) for p in workers]
    extra = [p for w in workers for p in descendants(w)]
    history = window.history
    artifacts = history.artifacts_dir() if history is not None else None
    return {
        "t": round(t, 1),
        "rss_mb": round(me.get("VmRSS", 0) / 1024, 1),
        "heap_in_use_mb": heap_in_use_mb(),
        "fds": fd_count(),
        "threads": me.get("Threads", 0),
        "python_threads": threading.active_count(),
        "top_level_widgets": len(app.topLevelWidgets()),
        "qobjects": len(window.findChildren(QObject)),
        "python_objects": len(gc.get_objects()),
        "workers_rss_mb": round(sum(worker_rss) / 1024, 1),
        "worker_rss_mb": [round(r / 1024, 1) for r in worker_rss],
        "worker_children": len(extra),
        "jobs_tracked": len(window.bridge.jobs),
        "job_rows": len(window.jobs_panel.rows),
        "thumbnails_cached": len(window.history_browser.thumbs.cache),
        "preview_files": _files(Path(window.bridge._previews.name)),
        "staging_leftovers": _files(artifacts, hidden_only=True) if artifacts else 0,
        "load_1min": round(os.getloadavg()[0], 2),
    }


def growth(samples: list[dict[str, Any]], warm_up: float) -> dict[str, Any]:
    """Each figure's change from just after the warm-up to the end, in %: the median of
    the first three samples after the warm-up against the median of the last three, so
    one busy moment (a clip being shown, a drag in flight) decides neither end."""
    after = [s for s in samples if s["t"] >= warm_up]
    if len(after) < 2:
        return {"note": "too short: no samples after the warm-up"}
    head, tail = after[:3], after[-3:]
    out: dict[str, Any] = {}
    for key, first in after[0].items():
        if key in ("t", "load_1min") or not isinstance(first, int | float):
            continue
        value = sorted(s[key] for s in head)[len(head) // 2]
        end = sorted(s[key] for s in tail)[len(tail) // 2]
        peak = max(s[key] for s in after)
        pct = (end - value) / value * 100 if value else (0.0 if end == value else math.inf)
        out[key] = {"from": value, "to": end, "peak": peak, "growth_pct": round(pct, 1)}
    out["ok"] = all(out[k]["growth_pct"] <= 10.0 for k in JUDGED if k in out)
    return out


# -- driving -------------------------------------------------------------------------------
class SoakDriver:
    """Runs the actions of a session one after another on a built, shown window; ``tick``
    is called while waiting (the caller samples there)."""

    def __init__(
        self,
        window: Any,
        app: Any,
        export_dir: Path,
        *,
        drag_seconds: float = 4.0,
        tick: Callable[[], None] = lambda: None,
        seed: int = 7,
    ) -> None:
        self.window, self.app, self.export_dir = window, app, export_dir
        self.drag_seconds = drag_seconds
        self.tick = tick
        self.rng = random.Random(seed)
        self.counts: Counter[str] = Counter()
        self.problems: list[str] = []
        self.cycles = 0
        window.settings.setValue("export/folder", str(export_dir))
        for panel in window.panels.values():
            # Short scripts, small frames: the session is about many generations.
            for name, value in (("text", SCRIPT), ("size", 256), ("duration", 5.0)):
                editor = panel.form.editors.get(name)
                if editor is not None and panel.generator.id != "image":
                    editor.put(value)

    # -- helpers
    def pump(self, seconds: float = 0.0) -> None:
        end = time.perf_counter() + seconds
        while True:
            self.app.processEvents()
            self.tick()
            if time.perf_counter() >= end:
                return
            time.sleep(0.005)

    def wait(self, done: Callable[[], bool], timeout: float, what: str) -> bool:
        deadline = time.perf_counter() + timeout
        while not done():
            if time.perf_counter() > deadline:
                self.problems.append(f"{what}: not done after {timeout:g} s")
                return False
            self.pump()
        return True

    def live_panels(self) -> list[Any]:
        from studio.plugins.contract import PreviewMode

        return [p for p in self.window.panels.values() if p.generator.preview == PreviewMode.LIVE]

    # -- actions
    def drag(self, panel: Any) -> None:
        """Mouse events along a circle on the pad, live previews following."""
        from PySide6.QtCore import QPointF, Qt
        from PySide6.QtGui import QMouseEvent

        w = self.window
        w.tabs.setCurrentWidget(panel)
        panel.mode.setCurrentIndex(panel.mode.findData("live"))
        pad = w.emotion_panel.pad
        phase = self.rng.random() * 2 * math.pi
        left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton

        def spot(t: float) -> QPointF:
            r = pad.square()
            angle = phase + 2 * math.pi * t / 2.5
            radius = 0.25 + 0.2 * math.sin(t)
            return QPointF(
                r.center().x() + radius * r.width() * math.cos(angle),
                r.center().y() + radius * r.height() * math.sin(angle),
            )

        def send(kind: Any, pos: QPointF, button: Any, buttons: Any) -> None:
            event = QMouseEvent(
                kind, pos, pad.mapToGlobal(pos), button, buttons, Qt.KeyboardModifier.NoModifier
            )
            self.app.sendEvent(pad, event)

        send(QMouseEvent.Type.MouseButtonPress, spot(0.0), left, left)
        start = next_move = time.perf_counter()
        while (now := time.perf_counter()) - start < self.drag_seconds:
            if now >= next_move:
                send(QMouseEvent.Type.MouseMove, spot(now - start), none, left)
                next_move += 1 / MOVE_HZ
            self.app.processEvents()
            self.tick()
            time.sleep(0.001)
        send(QMouseEvent.Type.MouseButtonRelease, spot(self.drag_seconds), left, none)
        self.wait(
            lambda: not panel.pending_preview and not panel.rendering,
            JOB_TIMEOUT_S,
            f"{panel.generator.id} drag",
        )
        self.counts[f"drag {panel.generator.id}"] += 1

    def generate(self, panel: Any) -> None:
        """Generate (kept in the history) with a fresh seed; waits until it is shown."""
        from studio.jobs import JobState

        w = self.window
        w.tabs.setCurrentWidget(panel)
        panel.seed.setValue(self.rng.randint(0, 2**31 - 2))
        shown: list[Path] = []
        panel.result_shown.connect(shown.append)
        try:
            job = panel.generate()
            gid = panel.generator.id
            if job is None:
                self.problems.append(f"{gid}: not submitted ({panel.problem.text()})")
                return
            if not self.wait(lambda: job.state.is_final, JOB_TIMEOUT_S, f"{gid} generate"):
                return
            if job.state is not JobState.FINISHED or job.result is None:
                self.problems.append(f"{gid}: {job.state.value}: {job.error or job.message}")
                return
            # Shown once (a live preview of the same emotion, asked for by the tab switch,
            # may land after it and take its place).
            self.wait(lambda: job.result.path in shown, 30, f"{gid} result shown")
        finally:
            panel.result_shown.disconnect(shown.append)
        self.counts[f"generate {gid}"] += 1

    def history(self) -> None:
        """Filter, reload, re-open the newest entry into its form, show another one."""
        browser = self.window.history_browser
        browser.search.setText("j")
        self.pump(0.3)  # the filter waits for typing to pause
        browser.search.clear()
        self.pump(0.3)
        browser.refresh()
        if browser.list.count() == 0:
            self.problems.append("history: empty after generations")
            return
        browser.list.setCurrentRow(0)
        browser.reopen_button.click()
        self.pump(0.2)
        row = self.rng.randrange(browser.list.count())
        browser.list.itemDoubleClicked.emit(browser.list.item(row))
        self.pump(0.3)
        self.counts["history re-open"] += 1

    def export(self) -> None:
        """The window's export: the dialog as the artist fills it, into a temp folder; every
        other time in another format (rendered again)."""
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication

        from studio.ui.export_dialog import ExportDialog

        w, browser = self.window, self.window.history_browser
        if browser.list.count() == 0:
            return
        browser.list.clearSelection()
        browser.list.setCurrentRow(self.rng.randrange(min(5, browser.list.count())))
        other_format = self.counts["export"] % 2 == 1
        answered: list[bool] = []

        def answer() -> None:
            dialog = QApplication.activeModalWidget()
            if not isinstance(dialog, ExportDialog):
                QTimer.singleShot(20, answer)
                return
            dialog.overwrite.setChecked(True)
            if other_format and dialog.format.count() > 2:
                dialog.format.setCurrentIndex(2)
            dialog.ok.click()
            answered.append(True)

        before = w.last_export
        QTimer.singleShot(0, answer)
        browser.export_button.click()
        if not answered:
            self.problems.append("export: the dialog did not open")
            return
        self.wait(lambda: w.last_export is not before, JOB_TIMEOUT_S, "export")
        paths, errors = w.last_export
        self.problems.extend(f"export: {e}" for e in errors)
        if paths:
            self.counts["export"] += 1

    def undo(self) -> None:
        """An arc edit taken back with Undo, and a history Delete taken back."""
        editor = self.window.trajectory_editor
        editor.add_keyframe()
        self.pump(0.1)
        editor.undo()
        browser = self.window.history_browser
        if browser.list.count():
            browser.list.clearSelection()
            browser.list.setCurrentRow(0)
            if browser.delete_selected(confirm=False):
                self.pump(0.1)
                browser.undo_delete()
        self.pump(0.1)
        self.counts["undo"] += 1

    def cycle(self) -> None:
        """One round of everything (the clip every CLIP_EVERY rounds, the first included)."""
        for panel in self.live_panels():
            self.drag(panel)
        for panel in self.window.panels.values():
            if panel.generator.id == "clip" and self.cycles % CLIP_EVERY:
                continue
            if any(b.available for b in panel.generator.backends()):
                self.generate(panel)
        self.history()
        self.export()
        self.undo()
        self.cycles += 1

    def run(self, seconds: float) -> None:
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            self.cycle()


class Sampler:
    """Records a sample every ``every`` seconds (called from the driver's waits)."""

    def __init__(self, window: Any, app: Any, every: float, echo: bool = False) -> None:
        self.window, self.app, self.every, self.echo = window, app, every, echo
        self.start = time.perf_counter()
        self.next = self.start
        self.samples: list[dict[str, Any]] = []

    def __call__(self) -> None:
        now = time.perf_counter()
        if now >= self.next:
            self.next += self.every
            point = sample(self.window, self.app, now - self.start)
            self.samples.append(point)
            if self.echo:
                keys = ("t", "rss_mb", "workers_rss_mb", "fds", "threads", "top_level_widgets")
                print(json.dumps({k: point[k] for k in keys}), file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--sample", type=float, default=10.0, help="seconds between samples")
    parser.add_argument("--warm-up", type=float, default=120.0, help="seconds not judged")
    parser.add_argument("--drag", type=float, default=4.0, help="seconds per drag")
    parser.add_argument("--platform", default=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    args = parser.parse_args()
    if args.minutes <= 0 or args.sample <= 0:
        raise SystemExit("error: --minutes and --sample must be positive")
    os.environ["QT_QPA_PLATFORM"] = args.platform
    home = tempfile.TemporaryDirectory(prefix="studio-soak-")
    os.environ["STUDIO_HOME"] = home.name
    exports = Path(home.name) / "exports"

    from studio.ui.app import build_window, ensure_app

    app = ensure_app()
    window: Any = build_window()
    window.resize(1280, 720)
    window.show()
    window.bridge.start()
    window.warm_up()
    if not window.bridge.queue.wait_ready(120):
        raise SystemExit("error: the job workers did not start")
    sampler = Sampler(window, app, args.sample, echo=True)
    driver = SoakDriver(window, app, exports, drag_seconds=args.drag, tick=sampler)
    try:
        driver.run(args.minutes * 60)
        sampler.next = 0.0
        sampler()  # the end point
    finally:
        window.bridge.close()
        window.close()
    print(
        json.dumps(
            {
                "minutes": args.minutes,
                "platform": args.platform,
                "cpus": os.cpu_count(),
                "warm_up_s": args.warm_up,
                "cycles": driver.cycles,
                "actions": dict(driver.counts),
                "problems": driver.problems,
                "growth_after_warm_up": growth(sampler.samples, args.warm_up),
                "curve": sampler.samples,
            },
            indent=1,
        )
    )
    sys.stdout.flush()
    home.cleanup()


if __name__ == "__main__":
    main()
