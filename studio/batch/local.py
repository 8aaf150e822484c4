"""Lines on this machine: the job system's warm worker processes (each keeps its loaded
generators, so the Piper voice or a diffusion pipeline loads once per worker, not per line).

Each line is staged by the session (a private file beside its output) and rendered there
by a worker; the driver — this process — embeds the state, renames it into place and
records it. Only a few lines per worker are staged at a time.
"""

from __future__ import annotations

import contextlib
import queue
from collections import deque
from collections.abc import Iterator, Sequence

from studio import session
from studio.batch.lines import Line
from studio.batch.runner import DEPTH, Deliver, Note, stage
from studio.errors import BadInput
from studio.jobs import EventKind, JobEvent, JobQueue
from studio.plugins import Registry
from studio.session import Staged


@contextlib.contextmanager
def _discarding(waiting: dict[str, tuple[Line, Staged]]) -> Iterator[None]:
    """On an interrupt, remove the staging folders of the lines still out with workers."""
    try:
        yield
    finally:
        for _, staged in waiting.values():
            session.discard(staged)


class LocalRunner:
    """``jobs`` worker processes (never more than there are lines)."""

    def __init__(self, registry: Registry, jobs: int) -> None:
        self.registry = registry
        self.jobs = jobs

    def where(self, lines: int) -> str:
        n = min(self.jobs, lines)
        return f"{n} local worker process{'es' if n != 1 else ''}"

    def run(self, lines: Sequence[Line], deliver: Deliver, note: Note) -> None:
        if not lines:
            return
        workers = min(self.jobs, len(lines))
        todo = deque(lines)
        events: queue.SimpleQueue[JobEvent] = queue.SimpleQueue()
        waiting: dict[str, tuple[Line, Staged]] = {}
        started: dict[str, float] = {}
        with _discarding(waiting), JobQueue(workers=workers) as jobs:  # workers stop first
            jobs.subscribe(events.put)
            while todo or waiting:
                while todo and len(waiting) < DEPTH * workers:
                    line = todo.popleft()
                    try:
                        staged = stage(line)
                    except BadInput as exc:  # the folder cannot be written (any more)
                        deliver(line, None, str(exc), 0.0)
                        continue
                    spec = self.registry.entry_point(line.request.generator).value
                    job = jobs.submit(line.request, spec, render=staged.render)
                    waiting[job.id] = (line, staged)
                if not waiting:
                    continue
                try:
                    event = events.get(timeout=0.5)  # a timeout keeps Ctrl-C responsive
                except queue.Empty:
                    continue
                if event.kind == EventKind.STARTED:
                    started[event.job_id] = event.timestamp
                if not event.is_final or event.job_id not in waiting:
                    continue
                line, staged = waiting.pop(event.job_id)
                seconds = event.timestamp - started.pop(event.job_id, event.timestamp)
                if event.kind == EventKind.FINISHED and event.artifact is not None:
                    deliver(line, staged, event.artifact, seconds)
                else:
                    error = event.error or event.message or str(event.kind)
                    deliver(line, staged, error, seconds)
