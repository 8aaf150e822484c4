"""Lines on this machine: the job system's warm worker processes (each keeps its loaded
generators, so the Piper voice or a diffusion pipeline loads once per worker, not per line).
The driver — this process — embeds and records every result."""

from __future__ import annotations

import queue
from collections.abc import Sequence

from studio.batch.lines import Line
from studio.batch.runner import Deliver
from studio.jobs import EventKind, JobEvent, JobQueue
from studio.plugins import Registry


class LocalRunner:
    """``jobs`` worker processes (never more than there are lines)."""

    def __init__(self, registry: Registry, jobs: int) -> None:
        self.registry = registry
        self.jobs = jobs

    def where(self, lines: int) -> str:
        n = min(self.jobs, lines)
        return f"{n} local worker process{'es' if n != 1 else ''}"

    def run(self, lines: Sequence[Line], deliver: Deliver) -> None:
        if not lines:
            return
        events: queue.SimpleQueue[JobEvent] = queue.SimpleQueue()
        with JobQueue(workers=min(self.jobs, len(lines))) as jobs:
            jobs.subscribe(events.put)
            waiting = {}
            for line in lines:
                spec = self.registry.entry_point(line.request.generator).value
                waiting[jobs.submit(line.request, spec).id] = line
            started: dict[str, float] = {}
            while waiting:
                try:
                    event = events.get(timeout=0.5)  # a timeout keeps Ctrl-C responsive
                except queue.Empty:
                    continue
                if event.kind == EventKind.STARTED:
                    started[event.job_id] = event.timestamp
                if not event.is_final or event.job_id not in waiting:
                    continue
                line = waiting.pop(event.job_id)
                seconds = event.timestamp - started.get(event.job_id, event.timestamp)
                if event.kind == EventKind.FINISHED and event.artifact is not None:
                    deliver(line, event.artifact, seconds)
                else:
                    deliver(line, event.error or event.message or str(event.kind), seconds)
