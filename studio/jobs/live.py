"""Scheduling of live previews while the artist drags (no Qt; as krita-ai-diffusion's
``LiveScheduler``).

A preview that is rendering is never cancelled: killing a worker mid-render costs more than
letting it finish. While ``depth`` previews render, the newest position waits (latest wins,
older waiting positions are forgotten) and starts as soon as one ends, or as soon as one
reports it is finishing (``FINISHING`` of its progress): then it waits in the job queue
behind that one and its worker takes it the moment it is free, instead of after the news
of the end has gone through the window and back (~15 ms a frame of an idle worker while
the window paints the drag). A frame that ends after a newer one is already on screen is
dropped, so the picture never steps back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from studio.jobs.events import JobState
from studio.jobs.job import Job
from studio.plugins.contract import Request

# Progress from which a preview counts as finishing: the image drafts report their tone
# stage at 0.8 with about a fifth of their work left (benchmarks/image_draft_stages.py).
FINISHING: Final = 0.8

# A request that makes the same picture as another (e.g. the release after a drag that
# already asked for that position).
SameWork = Callable[[Request, Request], bool]


class LiveScheduler:
    """The live previews of one panel: ask, and hear when each ended."""

    def __init__(
        self,
        submit: Callable[[Request], Job],
        depth: int = 1,
        same_work: SameWork | None = None,
    ) -> None:
        if depth < 1:
            raise ValueError(f"depth must be at least 1, got {depth}")
        self._submit = submit
        self.depth = depth
        self._same: SameWork = same_work or (lambda a, b: a == b)
        self.pending: Request | None = None  # the newest position, waiting for a worker
        self.rendering: list[Job] = []  # in flight, oldest first
        self.latest: Job | None = None  # the last one started
        self.frames_shown = 0
        self._finishing: set[str] = set()  # ids of rendering jobs past FINISHING
        self._sequence: dict[str, int] = {}  # job id → order asked
        self._asked = self._on_screen = 0

    def ask(self, request: Request) -> Job | None:
        """A preview of ``request``: started now (the job), or waiting (``None``). A request
        the newest preview already makes is not made twice (that job is returned)."""
        newest = self.latest
        if (
            newest is not None
            and newest.state in (JobState.QUEUED, JobState.RUNNING, JobState.FINISHED)
            and self._same(newest.request, request)
        ):
            self.pending = None
            return newest
        if self._busy() >= self.depth:
            self.pending = request
            return None
        return self._start(request)

    def progressed(self, job: Job, fraction: float) -> Job | None:
        """``job`` (one of ours) reported progress: once it is finishing, the waiting
        preview is started (it queues behind it); that job, or ``None``."""
        if job not in self.rendering or fraction < FINISHING or job.id in self._finishing:
            return None
        self._finishing.add(job.id)
        if self.pending is not None and self._busy() < self.depth:
            return self._start(self.pending)
        return None

    def _busy(self) -> int:
        """Previews rendering and not yet finishing."""
        return sum(1 for j in self.rendering if j.id not in self._finishing)

    def owns(self, job: Job) -> bool:
        return job in self.rendering

    def ended(self, job: Job, finished: bool) -> tuple[bool, Job | None]:
        """``job`` (one of ours) ended: whether to show its frame (it finished and nothing
        newer is on screen), and the waiting preview started now, if one was."""
        if job not in self.rendering:
            return False, None
        self.rendering.remove(job)
        self._finishing.discard(job.id)
        order = self._sequence.pop(job.id, 0)
        show = finished and order >= self._on_screen
        if show:
            self._on_screen = order
            self.frames_shown += 1
        started = None
        if self.pending is not None and self._busy() < self.depth:
            started = self._start(self.pending)
        return show, started

    def forget_pending(self) -> None:
        """Drop the waiting position (the artist cancelled, or the panel stopped)."""
        self.pending = None

    def _start(self, request: Request) -> Job:
        self.pending = None
        job = self._submit(request)
        self._asked += 1
        self._sequence[job.id] = self._asked
        self.rendering.append(job)
        self.latest = job
        return job
