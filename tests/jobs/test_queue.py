"""The job system end to end, with the fake generators in real worker processes."""

from __future__ import annotations

import itertools
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from studio.emotion import Condition
from studio.jobs import EventKind, Job, JobEvent, JobQueue, JobState
from studio.plugins.contract import Request

ECHO = "studio.plugins.fakes:EchoGenerator"
STUBBORN = "studio.plugins.fakes:StubbornGenerator"
CRASH = "studio.plugins.fakes:CrashingGenerator"
FAIL = "studio.plugins.fakes:FailingGenerator"
WAIT = 15.0  # generous: a loaded CI machine boots workers slowly


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _job_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("studio-jobs")]


@pytest.fixture
def make_queue() -> Iterator[Callable[..., JobQueue]]:
    """Warm queues, closed at teardown; asserts nothing is left running afterwards."""
    made: list[tuple[JobQueue, set[int]]] = []

    def make(**kwargs: Any) -> JobQueue:
        q = JobQueue(**kwargs)
        assert q.wait_ready(WAIT)
        made.append((q, set(q.worker_pids)))
        return q

    yield make
    for q, first_pids in made:
        pids = first_pids | set(q.worker_pids)
        q.close()
        assert all(_gone(pid) for pid in pids)
    assert multiprocessing.active_children() == []
    assert _job_threads() == []


def _request(
    tmp_path: Path, name: str = "out.json", generator: str = "echo", **params: Any
) -> Request:
    return Request(
        generator,
        tmp_path / name,
        condition=Condition.from_vad(0.6, 0.4, 0.1),
        params=params,
        seed=7,
    )


class Recorder:
    """A subscriber that keeps every event and signals each job's final one."""

    def __init__(self) -> None:
        self.events: list[JobEvent] = []
        self._ended: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    def __call__(self, event: JobEvent) -> None:
        with self._lock:
            self.events.append(event)
            if event.is_final:
                self._ended.setdefault(event.job_id, threading.Event()).set()

    def wait_end(self, job: Job) -> list[JobEvent]:
        with self._lock:
            ended = self._ended.setdefault(job.id, threading.Event())
        assert ended.wait(WAIT), f"no final event for {job}"
        return self.of(job)

    def of(self, job: Job) -> list[JobEvent]:
        with self._lock:
            return [e for e in self.events if e.job_id == job.id]


def _wait_progress(job: Job, at_least: float = 0.0) -> None:
    deadline = time.monotonic() + WAIT
    while not any(e.kind is EventKind.PROGRESS and e.fraction >= at_least for e in job.events):
        assert time.monotonic() < deadline, f"{job} never reported progress"
        time.sleep(0.005)


def test_finished_job_reports_every_stage_and_an_artifact(make_queue, tmp_path: Path) -> None:
    q = make_queue()
    seen = Recorder()
    q.subscribe(seen)
    request = _request(tmp_path, steps=4)
    job = q.submit(request, ECHO)
    assert job.wait(WAIT) is JobState.FINISHED
    events = seen.wait_end(job)
    kinds = [e.kind for e in events]
    assert kinds[:2] == [EventKind.QUEUED, EventKind.STARTED]
    assert kinds[-1] is EventKind.FINISHED
    assert set(kinds[2:-1]) == {EventKind.PROGRESS} and len(kinds) > 3
    assert [e.kind for e in job.events] == kinds  # the same history kept on the job
    artifact = events[-1].artifact
    assert artifact is not None and job.result == artifact
    assert artifact.path == request.output and artifact.path.is_file()
    assert artifact.metadata["condition"] == request.condition.to_dict()  # type: ignore[union-attr]
    assert artifact.metadata["seed"] == 7
    assert job.progress == 1.0 and job.error is None
    assert all(b.timestamp >= a.timestamp for a, b in itertools.pairwise(events))


def test_progress_is_monotonic(make_queue, tmp_path: Path) -> None:
    q = make_queue()
    job = q.submit(_request(tmp_path, steps=300), ECHO)
    assert job.wait(WAIT) is JobState.FINISHED
    fractions = [e.fraction for e in job.events]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert all(0.0 <= f <= 1.0 for f in fractions)


def test_backwards_progress_is_clamped(tmp_path: Path) -> None:
    job = Job(_request(tmp_path), ECHO, lambda _job: False)
    job.record(JobEvent(EventKind.QUEUED, job.id))
    assert job.record(JobEvent(EventKind.PROGRESS, job.id, 0.2)) is None  # not started yet
    job.record(JobEvent(EventKind.STARTED, job.id))
    job.record(JobEvent(EventKind.PROGRESS, job.id, 0.5, "half"))
    late = job.record(JobEvent(EventKind.PROGRESS, job.id, 0.3, "late"))
    assert late is not None and late.fraction == 0.5 and job.progress == 0.5
    job.record(JobEvent(EventKind.CANCELLED, job.id, message="cancelled"))
    assert job.record(JobEvent(EventKind.PROGRESS, job.id, 0.9)) is None  # after the end
    assert job.state is JobState.CANCELLED and job.done


def test_cancel_queued_job_ends_at_once(make_queue, tmp_path: Path) -> None:
    q = make_queue()
    running = q.submit(_request(tmp_path, "a.json", steps=100, step_seconds=0.02), ECHO)
    queued = q.submit(_request(tmp_path, "b.json"), ECHO)
    assert queued.state is JobState.QUEUED
    assert q.cancel(queued.id)
    assert queued.state is JobState.CANCELLED  # no waiting on any worker
    assert queued.events[-1].message == "cancelled"
    assert not q.cancel(queued.id)  # already ended
    assert running.cancel()
    assert running.wait(WAIT) is JobState.CANCELLED
    assert not (tmp_path / "b.json").exists()


def test_cancel_running_job_cooperatively(make_queue, tmp_path: Path) -> None:
    q = make_queue(grace_seconds=10.0)  # a kill would take 10 s: this must be cooperative
    pid = q.worker_pids[0]
    job = q.submit(_request(tmp_path, steps=500, step_seconds=0.01), ECHO)
    _wait_progress(job, 0.002)
    asked = time.monotonic()
    assert q.cancel(job)
    assert job.wait(WAIT) is JobState.CANCELLED
    assert time.monotonic() - asked < 2.0
    assert q.worker_pids == [pid]  # the same warm worker, not a replacement
    assert not (tmp_path / "out.json").exists()
    assert q.submit(_request(tmp_path, "next.json"), ECHO).wait(WAIT) is JobState.FINISHED


def test_stubborn_job_is_killed_after_grace(make_queue, tmp_path: Path) -> None:
    q = make_queue(grace_seconds=0.5)
    pid = q.worker_pids[0]
    job = q.submit(_request(tmp_path, generator="stubborn"), STUBBORN)
    _wait_progress(job, 0.1)
    asked = time.monotonic()
    q.cancel(job)
    assert job.wait(WAIT) is JobState.CANCELLED
    assert time.monotonic() - asked >= 0.5
    assert _gone(pid) and q.worker_pids != [pid]
    after = q.submit(_request(tmp_path, "after.json"), ECHO)
    assert after.wait(WAIT) is JobState.FINISHED


def test_crashing_worker_fails_its_job_and_is_replaced(make_queue, tmp_path: Path) -> None:
    q = make_queue()
    pid = q.worker_pids[0]
    job = q.submit(_request(tmp_path, generator="crash"), CRASH)
    assert job.wait(WAIT) is JobState.FAILED
    assert job.error == (
        "the worker stopped: killed by SIGKILL (out of memory, or ended from outside) "
        "while running crash; a new worker was started"
    )
    assert q.submit(_request(tmp_path, "after.json"), ECHO).wait(WAIT) is JobState.FINISHED
    assert q.worker_pids != [pid]


def test_workers_killed_from_outside_fail_their_jobs_and_the_pool_restarts(
    make_queue, tmp_path: Path
) -> None:
    """kill -9 (as the OOM killer does) on both busy workers of a pool: each job fails in
    one line, both workers are replaced, and the next jobs run."""
    import signal

    q = make_queue(workers=2)
    jobs = [
        q.submit(_request(tmp_path, f"slow{i}.json", steps=500, step_seconds=0.02), ECHO)
        for i in range(2)
    ]
    for job in jobs:
        _wait_progress(job, 0.002)
    victims = q.worker_pids
    for pid in victims:
        os.kill(pid, signal.SIGKILL)
    for job in jobs:
        assert job.wait(WAIT) is JobState.FAILED
        assert job.error is not None and "\n" not in job.error
        assert job.error.startswith("the worker stopped: killed by SIGKILL")
        assert job.error.endswith("while running echo; a new worker was started")
        assert not (tmp_path / job.request.output.name).exists()
    assert q.wait_ready(WAIT)
    assert len(q.worker_pids) == 2 and not set(q.worker_pids) & set(victims)
    after = [q.submit(_request(tmp_path, f"after{i}.json"), ECHO) for i in range(2)]
    assert all(job.wait(WAIT) is JobState.FINISHED for job in after)


def test_a_pool_whose_workers_kept_dying_at_start_tries_again_for_the_next_job(
    tmp_path: Path,
) -> None:
    """Workers killed while still starting (memory short, say) until the pool gives up:
    the next job starts a fresh pool instead of failing until the app restarts."""
    import signal

    q = JobQueue(workers=1)
    try:
        q.start()
        killed: set[int] = set()
        deadline = time.monotonic() + 60
        while q._sup is not None and q._sup.broken is None:
            assert time.monotonic() < deadline, "the pool never gave up"
            for pid in set(q.worker_pids) - killed:
                os.kill(pid, signal.SIGKILL)  # long before its imports are done
                killed.add(pid)
            time.sleep(0.002)
        assert not q.wait_ready(0.1)  # broken: workers fail to start
        job = q.submit(_request(tmp_path, "after.json"), ECHO)
        assert job.wait(WAIT) is JobState.FINISHED
        assert q.wait_ready(WAIT) and not set(q.worker_pids) & killed
    finally:
        q.close()


def test_generator_exception_fails_with_a_readable_message(make_queue, tmp_path: Path) -> None:
    q = make_queue()
    job = q.submit(_request(tmp_path, generator="fail"), FAIL)
    assert job.wait(WAIT) is JobState.FAILED
    assert job.error == "RuntimeError: the backend ran out of ink"
    assert "Traceback" in job.events[-1].detail
    assert job.progress == 0.5  # what it reached before failing


def test_input_the_generator_finds_bad_fails_in_its_own_words(make_queue, tmp_path: Path) -> None:
    """InputError is the user's input, not a crash: no exception class, no traceback."""
    q = make_queue()
    job = q.submit(_request(tmp_path, generator="refuse"), "studio.plugins.fakes:RefusingGenerator")
    assert job.wait(WAIT) is JobState.FAILED
    assert job.error == "audio: cannot read voice.wav: it is a JPEG image, not audio"
    assert not job.events[-1].detail


def test_invalid_params_fail_naming_the_field(make_queue, tmp_path: Path) -> None:
    q = make_queue()
    job = q.submit(_request(tmp_path, steps=0), ECHO)
    assert job.wait(WAIT) is JobState.FAILED
    assert job.error is not None and job.error.startswith("params.steps: ")
    assert "\n" not in job.error


def test_spec_that_fails_to_import_fails_the_job(make_queue, tmp_path: Path) -> None:
    q = make_queue()
    job = q.submit(_request(tmp_path), "studio.plugins.no_such_module:Gen")
    assert job.wait(WAIT) is JobState.FAILED
    assert job.error is not None
    assert job.error.startswith("failed to import studio.plugins.no_such_module:Gen: ")
    assert q.submit(_request(tmp_path, "ok.json"), ECHO).wait(WAIT) is JobState.FINISHED


def test_subscribers_get_events_in_order_and_can_leave(make_queue, tmp_path: Path) -> None:
    q = make_queue()
    first, second = Recorder(), Recorder()
    q.subscribe(lambda event: 1 / 0)  # a broken subscriber must not silence the others
    q.subscribe(first)
    leave = q.subscribe(second)
    job = q.submit(_request(tmp_path), ECHO)
    events = first.wait_end(job)
    assert second.wait_end(job) == events
    assert events == list(job.events)
    leave()
    later = q.submit(_request(tmp_path, "later.json"), ECHO)
    first.wait_end(later)
    assert second.of(later) == []
    threads = {threading.current_thread().name}
    q.subscribe(lambda event: threads.add(threading.current_thread().name))
    q.submit(_request(tmp_path, "third.json"), ECHO).wait(WAIT)
    q.close()  # drains the event thread
    assert threads == {"MainThread", "studio-jobs-events"}


def test_two_workers_run_jobs_in_parallel(make_queue, tmp_path: Path) -> None:
    q = make_queue(workers=2)
    assert len(set(q.worker_pids)) == 2
    began = time.monotonic()
    jobs = [
        q.submit(_request(tmp_path, f"{i}.json", steps=10, step_seconds=0.08), ECHO)
        for i in range(2)
    ]
    assert [j.wait(WAIT) for j in jobs] == [JobState.FINISHED] * 2
    assert time.monotonic() - began < 1.45  # serially it would take at least 1.6 s
    started = max(e.timestamp for j in jobs for e in j.events if e.kind is EventKind.STARTED)
    ended = min(j.events[-1].timestamp for j in jobs)
    assert started < ended


def test_close_stops_everything(tmp_path: Path) -> None:
    q = JobQueue(grace_seconds=0.3)
    assert q.wait_ready(WAIT)
    pids = q.worker_pids
    stuck = q.submit(_request(tmp_path, generator="stubborn"), STUBBORN)
    waiting = q.submit(_request(tmp_path, "w.json"), ECHO)
    _wait_progress(stuck, 0.1)
    q.close()
    assert stuck.state is JobState.CANCELLED and waiting.state is JobState.CANCELLED
    assert waiting.events[-1].message == "queue closed"
    assert all(_gone(pid) for pid in pids)
    assert multiprocessing.active_children() == []
    assert _job_threads() == []
    q.close()  # idempotent
    with pytest.raises(RuntimeError, match="closed"):
        q.submit(_request(tmp_path), ECHO)


def test_context_manager_and_bad_settings(tmp_path: Path) -> None:
    with JobQueue() as q:
        assert q.submit(_request(tmp_path), ECHO).wait(WAIT) is JobState.FINISHED
    assert multiprocessing.active_children() == []
    with pytest.raises(ValueError, match="mp_context"):
        JobQueue(mp_context="fork")
    with pytest.raises(ValueError, match="workers"):
        JobQueue(workers=0)
    JobQueue().close()  # never started: nothing to stop


def test_close_from_a_subscriber(tmp_path: Path) -> None:
    q = JobQueue()
    assert q.wait_ready(WAIT)
    pids = q.worker_pids

    def close_when_done(event: JobEvent) -> None:
        if event.is_final:
            q.close()  # on the event thread: must neither deadlock nor leave threads

    q.subscribe(close_when_done)
    assert q.submit(_request(tmp_path), ECHO).wait(WAIT) is JobState.FINISHED
    deadline = time.monotonic() + WAIT
    while _job_threads() or multiprocessing.active_children():
        assert time.monotonic() < deadline, _job_threads()
        time.sleep(0.01)
    assert all(_gone(pid) for pid in pids)
