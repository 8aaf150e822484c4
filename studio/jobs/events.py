"""What the job system reports: job states and the typed event stream (krita-ai-diffusion's
one event stream: queued, started, progress, finished, failed, cancelled)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from studio.plugins.contract import Artifact


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        return self in _FINAL_STATES


_FINAL_STATES = frozenset({JobState.FINISHED, JobState.FAILED, JobState.CANCELLED})


class EventKind(StrEnum):
    QUEUED = "queued"
    STARTED = "started"
    PROGRESS = "progress"
    FINISHED = "finished"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def state(self) -> JobState | None:
        """The state a job is in after this event (``None`` for progress)."""
        return _STATE_AFTER.get(self)


_STATE_AFTER = {
    EventKind.QUEUED: JobState.QUEUED,
    EventKind.STARTED: JobState.RUNNING,
    EventKind.FINISHED: JobState.FINISHED,
    EventKind.FAILED: JobState.FAILED,
    EventKind.CANCELLED: JobState.CANCELLED,
}


@dataclass(frozen=True, slots=True)
class JobEvent:
    """One thing that happened to a job.

    ``fraction`` is the job's progress in [0, 1] (never decreasing within a job).
    ``message`` is the generator's progress text, or for ``cancelled`` the reason
    ("cancelled", "queue closed"). ``artifact`` is set on ``finished``;
    ``error`` (one readable line) and ``detail`` (a traceback, when there is one) on
    ``failed``. ``timestamp`` is wall-clock seconds (``time.time()``) in the app process.
    """

    kind: EventKind
    job_id: str
    fraction: float = 0.0
    message: str = ""
    preview: Path | None = None
    artifact: Artifact | None = None
    error: str | None = None
    detail: str = ""
    timestamp: float = field(default_factory=time.time)

    @property
    def is_final(self) -> bool:
        state = self.kind.state
        return state is not None and state.is_final
