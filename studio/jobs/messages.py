"""What the app and a worker process say to each other over their pipe: typed messages.

parent → worker: :class:`Run` a job, or :class:`Stop`.
worker → parent: :class:`Ready` once its imports are done; per job, any number of
:class:`Progress` reports, then exactly one outcome: :class:`Finished`, :class:`Failed` or
:class:`JobCancelled`. All fields are plain data, so every message pickles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
class Finished:
    job_id: str
    files: tuple[str, ...]
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Failed:
    job_id: str
    error: str  # one readable line
    detail: str = ""  # a traceback, when there is one


@dataclass(frozen=True)
class JobCancelled:
    """The generator stopped on the cancel token."""

    job_id: str


ToWorker = Run | Stop
Outcome = Finished | Failed | JobCancelled
FromWorker = Ready | Progress | Outcome
