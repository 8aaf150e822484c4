"""What the app and a worker process say to each other over their pipe: typed messages.

parent → worker: :class:`Run` a job, or :class:`Stop`.
worker → parent: :class:`Ready` once its imports are done; per job, any number of
:class:`Progress` reports, then exactly one :class:`Ended` carrying the generation's
typed outcome (:mod:`studio.plugins.outcome`, the same value the session and Ray actors
produce). Every message pickles.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from studio.plugins.outcome import Outcome


@dataclass(frozen=True)
class Run:
    job_id: str
    spec: str  # "module:Class" of the generator
    request: dict[str, Any]  # Request.to_dict()


@dataclass(frozen=True)
class Stop:
    """Leave the loop (the worker is idle)."""


@dataclass(frozen=True)
class Ready:
    pid: int


@dataclass(frozen=True)
class Progress:
    job_id: str
    fraction: float
    message: str = ""
    preview: str | None = None


@dataclass(frozen=True)
class Ended:
    """The job's one outcome: made, refused, broke or stopped."""

    job_id: str
    outcome: Outcome


ToWorker = Run | Stop
FromWorker = Ready | Progress | Ended
