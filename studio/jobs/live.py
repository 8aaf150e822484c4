"""Scheduling of live previews while the artist drags (no Qt; as krita-ai-diffusion's
``LiveScheduler``).

A preview that is rendering is never cancelled: killing a worker mid-render costs more than
letting it finish. While ``depth`` previews render, the newest position waits (latest wins,
older waiting positions are forgotten) and starts as soon as one ends. A frame that ends
after a newer one is already on screen is dropped, so the picture never steps back.
"""

from __future__ import annotations

from collections.abc import Callable

from studio.jobs.events import JobState
from studio.jobs.job import Job
from studio.plugins.contract import Request

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
        if len(self.rendering) >= self.depth:
            self.pending = request
            return None
        return self._start(request)

    def owns(self, job: Job) -> bool:
        return job in self.rendering

    def ended(self, job: Job, finished: bool) -> tuple[bool, Job | None]:
        """``job`` (one of ours) ended: whether to show its frame (it finished and nothing
        newer is on screen), and the waiting preview started now, if one was."""
        if job not in self.rendering:
            return False, None
        self.rendering.remove(job)
        order = self._sequence.pop(job.id, 0)
        show = finished and order >= self._on_screen
        if show:
            self._on_screen = order
            self.frames_shown += 1
        started = None
        if self.pending is not None and len(self.rendering) < self.depth:
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
