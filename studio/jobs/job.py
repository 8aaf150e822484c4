"""One submitted generation, as the app sees it (safe to read from any thread)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from studio.jobs.events import EventKind, JobEvent, JobState
from studio.plugins.contract import Artifact, Request


class Job:
    """A job's live state and its event history; updated only by its :class:`JobQueue`.

    Poll ``state``/``progress`` (a UI timer) or block in :meth:`wait`; ``events`` is the
    full history in order.
    """

    def __init__(
        self,
        request: Request,
        spec: str,
        canceller: Callable[[Job], bool],
        render: Request | None = None,
    ) -> None:
        self.id: str = uuid.uuid4().hex[:12]
        self.request = request  # as submitted: what the app shows and compares
        self.spec = spec
        # What the worker makes: ``render`` when given (e.g. into a staging file beside the
        # output); the finished artifact names ``request.output`` either way.
        self._rendered_at = render.output if render is not None else None
        self.request_data: dict[str, Any] = (render or request).to_dict()
        self._canceller = canceller
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._state = JobState.QUEUED
        self._progress = 0.0
        self._message = ""
        self._preview: Path | None = None
        self._result: Artifact | None = None
        self._error: str | None = None
        self._events: list[JobEvent] = []
        # Set (by the queue, under its lock) once a cancel was asked for: the reason it ends.
        self.cancel_reason: str | None = None

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.request.generator} {self._state}>"

    # -- reading -------------------------------------------------------------------------
    @property
    def state(self) -> JobState:
        return self._state

    @property
    def progress(self) -> float:
        return self._progress

    @property
    def message(self) -> str:
        return self._message

    @property
    def preview(self) -> Path | None:
        return self._preview

    @property
    def result(self) -> Artifact | None:
        return self._result

    @property
    def error(self) -> str | None:
        return self._error

    @property
    def done(self) -> bool:
        return self._done.is_set()

    @property
    def events(self) -> tuple[JobEvent, ...]:
        with self._lock:
            return tuple(self._events)

    def wait(self, timeout: float | None = None) -> JobState:
        """Block until the job ends (or ``timeout`` passes); return its state then."""
        self._done.wait(timeout)
        return self._state

    def cancel(self) -> bool:
        """Ask the queue to cancel this job; ``False`` if it had already ended."""
        return self._canceller(self)

    def _named(self, artifact: Artifact | None) -> Artifact | None:
        """The worker's artifact with the file it rendered named by the request's output."""
        if artifact is None or self._rendered_at is None:
            return artifact
        at, output = self._rendered_at, self.request.output
        return Artifact(tuple(output if f == at else f for f in artifact.files), artifact.metadata)

    # -- updating (the queue only) -------------------------------------------------------
    def record(self, event: JobEvent) -> JobEvent | None:
        """Apply ``event``; return it as it should be delivered, or ``None`` to drop it."""
        with self._lock:
            if self._state.is_final:
                return None
            if event.kind is EventKind.PROGRESS:
                if self._state is not JobState.RUNNING:
                    return None
                # Progress never goes backwards: clamp a late or lower report.
                fraction = min(1.0, max(event.fraction, self._progress))
                if fraction != event.fraction:
                    event = replace(event, fraction=fraction)
                self._progress = fraction
                self._message = event.message
                if event.preview is not None:
                    self._preview = event.preview
            else:
                state = event.kind.state
                assert state is not None
                self._state = state
                if event.kind is EventKind.FINISHED:
                    self._progress = 1.0
                    event = replace(event, artifact=self._named(event.artifact))
                    self._result = event.artifact
                elif event.kind is EventKind.FAILED:
                    self._error = event.error
                event = replace(event, fraction=self._progress)
                if event.kind is not EventKind.STARTED:
                    self._message = event.message
            self._events.append(event)
        if event.is_final:
            self._done.set()
        return event
