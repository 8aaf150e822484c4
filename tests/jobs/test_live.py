"""Live preview scheduling without Qt: never cancel a rendering preview, newest waits,
an overtaken frame is dropped."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.emotion import Condition
from studio.jobs.events import EventKind, JobEvent, JobState
from studio.jobs.job import Job
from studio.jobs.live import FINISHING, LiveScheduler
from studio.plugins import Request


def _request(v: float) -> Request:
    return Request("echo", Path(f"/tmp/p{v}.json"), Condition.from_vad(v, 0.0, 0.0))


class Submitted:
    """A stand-in for the job queue: it records jobs; the test ends them."""

    def __init__(self) -> None:
        self.jobs: list[Job] = []

    def __call__(self, request: Request) -> Job:
        job = Job(request, "spec", lambda j: False)
        job.record(JobEvent(EventKind.QUEUED, job.id))
        self.jobs.append(job)
        return job


def _end(job: Job, kind: EventKind = EventKind.FINISHED) -> None:
    job.record(JobEvent(EventKind.STARTED, job.id))
    job.record(JobEvent(kind, job.id))


def test_newest_waits_and_starts_when_a_worker_frees() -> None:
    submit = Submitted()
    live = LiveScheduler(submit, depth=1)
    first = live.ask(_request(0.1))
    assert first is not None and live.rendering == [first]
    assert live.ask(_request(0.2)) is None and live.ask(_request(0.3)) is None
    assert live.pending == _request(0.3)  # latest wins; 0.2 is forgotten
    assert len(submit.jobs) == 1  # nothing was cancelled or queued behind it
    _end(first)
    show, started = live.ended(first, finished=True)
    assert show and started is not None and started.request == _request(0.3)
    assert live.pending is None and live.frames_shown == 1


def test_an_overtaken_frame_is_dropped() -> None:
    live = LiveScheduler(Submitted(), depth=2)
    older, newer = live.ask(_request(0.1)), live.ask(_request(0.2))
    assert older is not None and newer is not None
    _end(newer)
    assert live.ended(newer, finished=True) == (True, None)
    _end(older)
    show, _ = live.ended(older, finished=True)
    assert not show and live.frames_shown == 1  # the picture never steps back


def test_the_same_work_is_not_made_twice_and_failures_are_not_shown() -> None:
    live = LiveScheduler(Submitted(), depth=1)
    job = live.ask(_request(0.5))
    assert job is not None and live.ask(_request(0.5)) is job
    _end(job, EventKind.FAILED)
    assert job.state is JobState.FAILED
    assert live.ended(job, finished=False) == (False, None)
    again = live.ask(_request(0.5))
    assert again is not None and again is not job  # a failed one is asked again
    assert live.ended(job, finished=True) == (False, None)  # not ours any more


def test_depth_must_be_positive() -> None:
    with pytest.raises(ValueError, match="depth"):
        LiveScheduler(Submitted(), depth=0)


def test_the_newest_queues_behind_a_finishing_preview() -> None:
    submit = Submitted()
    live = LiveScheduler(submit, depth=1)
    first = live.ask(_request(0.1))
    assert first is not None
    assert live.ask(_request(0.2)) is None  # waits: the worker is busy
    assert live.progressed(first, FINISHING - 0.1) is None  # still drawing
    queued = live.progressed(first, FINISHING)  # finishing: the next goes to the queue now
    assert queued is not None and queued.request == _request(0.2)
    assert live.pending is None and live.rendering == [first, queued]
    assert live.progressed(first, 0.95) is None  # once only
    assert live.ask(_request(0.3)) is None  # the queued one counts as busy
    _end(first)
    assert live.ended(first, finished=True) == (True, None)  # its frame is still shown
    _end(queued)
    show, started = live.ended(queued, finished=True)
    assert show and started is not None and started.request == _request(0.3)
    assert live.frames_shown == 2 and len(submit.jobs) == 3


def test_a_finishing_preview_with_nothing_waiting_starts_nothing() -> None:
    live = LiveScheduler(Submitted(), depth=1)
    job = live.ask(_request(0.1))
    assert job is not None and live.progressed(job, 1.0) is None
    assert live.progressed(Submitted()(_request(0.9)), 1.0) is None  # not ours
    second = live.ask(_request(0.2))  # the first is finishing: this one queues behind it
    assert second is not None and live.rendering == [job, second]
