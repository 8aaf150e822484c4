"""Live drag in the studio window: the pad is dragged programmatically (mouse events at
60 Hz along a circle) for a few seconds on the image and on the music panel, with the real
generators in the job workers. Prints, per panel, the preview frames shown per second
while dragging (goal: >= 25 for image on a 2-core machine) and the worst event-loop stall
(the longest gap of a 5 ms timer beyond its interval). Also prints, per frame shown, the
CPU milliseconds the window process and the worker processes spent (load-independent, unlike
frames per second on a shared machine), and how busy the workers were: the share of the drag
each spent rendering, and the median gap between a preview ending and the next starting.
Prints JSON.

Run: nice -n 10 python benchmarks/ui_live_drag.py [--seconds 5] [--platform offscreen|xcb]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TICK_MS = 5  # the stall probe
MOVE_HZ = 60  # a mouse reports about this often while it moves
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc; 0 where it cannot be read)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime


def occupancy(jobs: list[Any], start: float, end: float, workers: int) -> dict[str, float]:
    """From the preview jobs' events: the share of the drag the workers spent on previews,
    and the median wait of a worker between one preview ending and the next starting."""
    from studio.jobs import EventKind

    spans = []
    for job in jobs:
        times = {e.kind: e.timestamp for e in job.events}
        if EventKind.STARTED in times:
            final = max(e.timestamp for e in job.events)
            spans.append((times[EventKind.STARTED], final))
    busy = sum(max(0.0, min(b, end) - max(a, start)) for a, b in spans)
    spans.sort()
    # Gaps: each start against the latest end before it (a worker coming free).
    ends = sorted(b for _a, b in spans)
    gaps = []
    for a, _b in spans:
        before = [b for b in ends if b <= a]
        if before and start <= a <= end:
            gaps.append(a - before[-1])
    return {
        "worker_busy_share": round(busy / (workers * (end - start)), 2),
        "gap_end_to_next_start_ms_median": round(statistics.median(gaps) * 1000, 1)
        if gaps
        else 0.0,
    }


def drag(window: Any, app: Any, generator: str, seconds: float) -> dict[str, Any]:
    from PySide6.QtCore import QPointF, Qt, QTimer
    from PySide6.QtGui import QMouseEvent

    from studio.jobs import JobState

    panel = window.panels[generator]
    window.tabs.setCurrentWidget(panel)
    panel.mode.setCurrentIndex(panel.mode.findData("live"))
    pad = window.emotion_panel.pad

    def send(kind: Any, pos: QPointF, buttons: Any) -> None:
        button = (
            Qt.MouseButton.LeftButton
            if kind != QMouseEvent.Type.MouseMove
            else Qt.MouseButton.NoButton
        )
        event = QMouseEvent(
            kind, pos, pad.mapToGlobal(pos), button, buttons, Qt.KeyboardModifier.NoModifier
        )
        app.sendEvent(pad, event)

    def spot(t: float) -> QPointF:
        r = pad.square()
        angle = 2 * math.pi * t / 2.5  # once round the pad every 2.5 s
        return QPointF(
            r.center().x() + 0.4 * r.width() * math.cos(angle),
            r.center().y() + 0.4 * r.height() * math.sin(angle),
        )

    # warm: one full-size preview, so the first frame does not pay the worker's imports
    window.condition.set_vad(0.5, 0.5)
    panel.preview(draft=False)
    deadline = time.perf_counter() + 120
    while (
        panel.preview_job is None or not panel.preview_job.state.is_final
    ) and time.perf_counter() < deadline:
        app.processEvents()
        time.sleep(0.005)
    if panel.preview_job is None or panel.preview_job.state is not JobState.FINISHED:
        raise SystemExit(f"{generator}: the warm-up preview did not finish")

    stalls: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        stalls.append(now - last[0] - TICK_MS / 1000)
        last[0] = now

    probe = QTimer()
    probe.setInterval(TICK_MS)
    probe.timeout.connect(tick)
    shown_before = panel.frames_shown
    submitted: list[Any] = []
    submit = panel.live._submit

    def counted(request: Any) -> Any:
        submitted.append(submit(request))
        return submitted[-1]

    panel.live._submit = counted
    workers = window.bridge.queue.worker_pids
    cpu_before = time.process_time(), [cpu_seconds(pid) for pid in workers]
    wall_start = time.time()
    start = time.perf_counter()
    send(QMouseEvent.Type.MouseButtonPress, spot(0.0), Qt.MouseButton.LeftButton)
    last[0] = time.perf_counter()
    probe.start()
    next_move = start
    while (now := time.perf_counter()) - start < seconds:
        if now >= next_move:
            send(QMouseEvent.Type.MouseMove, spot(now - start), Qt.MouseButton.LeftButton)
            next_move += 1 / MOVE_HZ
        app.processEvents()
        time.sleep(0.001)
    shown = panel.frames_shown - shown_before
    cpu_window = time.process_time() - cpu_before[0]
    cpu_workers = sum(cpu_seconds(p) for p in workers) - sum(cpu_before[1])
    wall_end = time.time()
    probe.stop()
    send(QMouseEvent.Type.MouseButtonRelease, spot(seconds), Qt.MouseButton.NoButton)
    # let the last frames land, so the next panel starts quiet
    deadline = time.perf_counter() + 60
    while time.perf_counter() < deadline and (
        panel.pending_preview or (panel.preview_job and not panel.preview_job.state.is_final)
    ):
        app.processEvents()
        time.sleep(0.005)
    panel.live._submit = submit
    per_frame = 1000 / max(1, shown)
    return {
        "frames_shown": shown,
        "frames_per_second": round(shown / seconds, 2),
        "worst_stall_ms": round(max(stalls, default=0.0) * 1000, 1),
        "stall_p95_ms": round(sorted(stalls)[int(0.95 * (len(stalls) - 1))] * 1000, 1)
        if stalls
        else 0.0,
        "draft_size": panel.build_request(preview=True, draft=True).params.get("size"),
        "cpu_ms_per_frame": {
            "window": round(cpu_window * per_frame, 1),
            "workers": round(cpu_workers * per_frame, 1),
        },
        "previews_started": len(submitted),
        **occupancy(submitted, wall_start, wall_end, len(workers)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--platform", default=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    parser.add_argument("--generators", default="image,music")
    args = parser.parse_args()
    os.environ["QT_QPA_PLATFORM"] = args.platform
    os.environ.setdefault("STUDIO_HOME", tempfile.mkdtemp(prefix="studio-drag-"))

    from studio.ui.app import build_window, ensure_app

    app = ensure_app()
    window: Any = build_window()
    window.resize(1280, 720)
    window.show()
    window.bridge.start()
    results = {}
    try:
        for generator in args.generators.split(","):
            if generator not in window.panels:
                raise SystemExit(f"no {generator} panel here")
            results[generator] = drag(window, app, generator, args.seconds)
    finally:
        window.bridge.close()
        window.close()
    print(
        json.dumps(
            {
                "seconds": args.seconds,
                "platform": args.platform,
                "cpus": os.cpu_count(),
                "load_average_1min": round(os.getloadavg()[0], 2),
                **results,
            },
            indent=2,
        )
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
