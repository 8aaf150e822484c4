"""The supervisor: the one thread that owns the worker processes.

It dispatches queued jobs to idle workers, turns worker messages into job events, notices
workers that died (their process sentinel becomes readable), enforces the cancel grace
period by killing, and replaces dead workers. Every change to jobs and workers happens
under one lock; the thread waits for pipes, sentinels and a wake-up pipe with
``multiprocessing.connection.wait`` outside it, so callers never wait on a worker.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from multiprocessing.connection import wait
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import Any, Final

from studio.errors import describe
from studio.jobs.events import EventKind, JobEvent, JobState
from studio.jobs.job import Job
from studio.jobs.messages import Ended, FromWorker, Progress, Ready, Run
from studio.jobs.pool import KILL_AFTER, WorkerSlot, exit_reason, spawn_worker, stop_reason
from studio.plugins.outcome import Broke, Made, Refused

_log = logging.getLogger("studio.jobs")

MAX_BOOT_FAILURES: Final = 3  # consecutive workers dying before "ready": stop respawning
MAX_READS: Final = 256  # messages taken from one worker per turn, so none starves the rest


class Supervisor:
    """Jobs, workers and the thread that drives them; ``emit`` receives delivered events."""

    def __init__(
        self, ctx: BaseContext, size: int, grace: float, emit: Callable[[JobEvent], None]
    ) -> None:
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.slots: list[WorkerSlot] = []
        self.active: dict[str, Job] = {}  # queued and running jobs, in submission order
        self._pending: deque[Job] = deque()
        self._ctx, self._size, self._grace, self._deliver = ctx, size, grace, emit
        self._closing = False
        self._released = False
        self._broken: str | None = None
        self._boot_broken = False  # broken because workers kept dying while starting
        self._boot_failures = 0
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        try:
            for _ in range(size):
                self.slots.append(spawn_worker(ctx))
        except BaseException:  # leave no half-started pool behind, then re-raise
            self.release()
            raise
        self.thread = threading.Thread(target=self._run, name="studio-jobs-supervisor", daemon=True)
        self.thread.start()

    # -- called from other threads -------------------------------------------------------
    def settled(self) -> bool:  # a wait_for predicate: the caller holds the lock
        """Every worker has booted, or workers keep failing to boot (see ``broken``)."""
        ready = len(self.slots) == self._size and all(s.ready for s in self.slots)
        return ready or self._broken is not None

    @property
    def broken(self) -> str | None:
        return self._broken

    def enqueue(self, job: Job) -> None:
        with self.lock:
            if self._closing:
                raise RuntimeError("the job queue is closed")
            self.active[job.id] = job
            self._pending.append(job)
            self._emit(job, JobEvent(EventKind.QUEUED, job.id))
            if self._boot_broken and not self.slots:
                self._restart()
            if self._broken is not None and not self.slots:
                self._dispatch()  # no worker will ever take it: fail it now
        self.wake()

    def cancel(self, job_id: str, reason: str) -> bool:
        with self.lock:
            job = self.active.get(job_id)
            if job is None:
                return False
            self._cancel(job, reason)
        self.wake()
        return True

    def close(self) -> None:
        """Start winding down; the thread ends once every worker has exited."""
        with self.lock:
            self._closing = True
        self.wake()

    def release(self) -> None:
        """After the thread has ended: kill anything left and close the wake-up pipe."""
        with self.lock:
            if self._released:
                return
            self._released = True
            if self.slots:
                self._abandon("the job queue was closed")
            os.close(self._wake_r)
            os.close(self._wake_w)

    def wake(self) -> None:
        # A full pipe already holds a wake-up. After release the fd numbers may belong to
        # someone else's file by now, so never write to them again.
        with self.lock, contextlib.suppress(OSError):
            if not self._released:
                os.write(self._wake_w, b"\0")

    # -- bookkeeping (under the lock) ----------------------------------------------------
    def _restart(self) -> None:
        """A new job after workers kept dying at start-up (memory was short, say): try a
        fresh pool once more instead of failing every job until the app restarts."""
        for _ in range(self._size):
            try:
                self.slots.append(spawn_worker(self._ctx))
            except OSError:
                break  # cannot start processes at all: with none, the job fails as before
        if self.slots:
            self._broken, self._boot_broken, self._boot_failures = None, False, 0

    def _cancel(self, job: Job, reason: str) -> None:
        if job.state is JobState.QUEUED:
            self._pending.remove(job)
            job.cancel_reason = reason
            self._emit(job, JobEvent(EventKind.CANCELLED, job.id, message=reason))
        elif job.cancel_reason is None:
            job.cancel_reason = reason  # the first reason wins; it ends the job either way
            for slot in self.slots:
                if slot.job is job and not slot.doomed:
                    slot.cancel.set()
                    slot.cancel_deadline = time.monotonic() + self._grace

    def _emit(self, job: Job, event: JobEvent) -> None:
        delivered = job.record(event)
        if delivered is None:
            return
        if delivered.is_final:
            self.active.pop(job.id, None)
        self._deliver(delivered)

    def _end(self, job: Job, kind: EventKind, **fields: Any) -> None:
        """End a job; a job someone cancelled ends ``cancelled`` whatever the worker said."""
        if job.cancel_reason is not None:
            self._emit(job, JobEvent(EventKind.CANCELLED, job.id, message=job.cancel_reason))
        else:
            self._emit(job, JobEvent(kind, job.id, **fields))

    # -- the thread ----------------------------------------------------------------------
    def _run(self) -> None:
        try:
            while self._turn():
                pass
        except Exception as exc:  # a bug here must not leave jobs waiting forever
            _log.exception("job supervisor failed")
            with self.lock:
                self._abandon(f"job system error: {describe(exc)}")

    def _turn(self) -> bool:
        with self.lock:
            self._dispatch()
            if self._closing and self._wind_down():
                return False
            watched: dict[Any, WorkerSlot] = {}
            for slot in self.slots:
                watched[slot.process.sentinel] = slot
                if slot.reading:
                    watched[slot.conn] = slot
            deadlines = [d for d in (s.deadline() for s in self.slots) if d is not None]
            timeout = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
        ready = wait([self._wake_r, *watched], timeout)
        with self.lock:
            for obj in ready:
                if obj == self._wake_r:
                    self._drain_wake()
                elif watched[obj] in self.slots:  # not yet buried through its other handle
                    slot = watched[obj]
                    if obj is slot.conn:
                        self._read(slot)
                    else:
                        self._bury(slot)
            now = time.monotonic()
            for slot in self.slots:
                slot.check_deadlines(now)
        return True

    def _drain_wake(self) -> None:
        with contextlib.suppress(BlockingIOError):
            while os.read(self._wake_r, 4096):
                pass

    def _dispatch(self) -> None:
        if self._broken is not None and not self.slots:
            while self._pending:
                job = self._pending.popleft()
                self._emit(job, JobEvent(EventKind.FAILED, job.id, error=self._broken))
            return
        for slot in self.slots:
            if not self._pending or self._closing:
                return
            if not slot.idle:
                continue
            job = self._pending.popleft()
            slot.cancel.clear()  # before sending: the worker reads it only once it has the job
            try:
                slot.conn.send(Run(job.id, job.spec, job.request_data))
            except OSError:  # the worker is dying; its sentinel will say how
                self._pending.appendleft(job)
                slot.terminate()
                continue
            except Exception as exc:  # request data that cannot be pickled
                error = f"could not send the request: {describe(exc)}"
                self._emit(job, JobEvent(EventKind.FAILED, job.id, error=error))
                continue
            slot.job = job
            self._emit(job, JobEvent(EventKind.STARTED, job.id))

    def _read(self, slot: WorkerSlot) -> None:
        for _ in range(MAX_READS):
            try:
                if not slot.conn.poll():
                    return
                message = slot.conn.recv()
            except (EOFError, OSError):
                slot.reading = False  # it closed its end; the sentinel follows
                return
            except Exception as exc:  # a result this process cannot unpickle
                error = f"could not read the worker's result: {describe(exc)}"
                message = Ended(slot.job.id if slot.job else "", Broke("", error))
            self._handle(slot, message)

    def _handle(self, slot: WorkerSlot, message: FromWorker) -> None:
        if isinstance(message, Ready):
            slot.ready = True
            self._boot_failures = 0
            self.changed.notify_all()
            return
        job = slot.job
        if job is None or message.job_id != job.id:
            return  # late word about a job that has already ended
        if isinstance(message, Progress):
            preview = Path(message.preview) if message.preview else None
            event = JobEvent(EventKind.PROGRESS, job.id, message.fraction, message.message, preview)
            self._emit(job, event)
            return
        slot.job, slot.cancel_deadline = None, None  # the worker is free again
        if not isinstance(message, Ended):
            return
        outcome = message.outcome
        if isinstance(outcome, Made):
            self._end(job, EventKind.FINISHED, artifact=outcome.artifact)
        elif isinstance(outcome, Refused):  # bad input: the generator's own words
            self._end(job, EventKind.FAILED, error=outcome.message)
        elif isinstance(outcome, Broke):
            self._end(job, EventKind.FAILED, error=outcome.line, detail=outcome.detail)
        else:
            self._end(job, EventKind.CANCELLED, message="cancelled by the generator")

    def _bury(self, slot: WorkerSlot) -> None:
        """A worker process has exited: end its job, replace it unless closing."""
        if slot.reading:
            self._read(slot)  # its last words, e.g. a result sent just before exiting
        slot.process.join(KILL_AFTER)
        code = slot.process.exitcode
        reason = exit_reason(code)
        slot.conn.close()
        slot.process.close()
        self.slots.remove(slot)
        job = slot.job
        if job is not None:
            # One line for the job list; the pool goes on with a fresh worker (below).
            again = "" if self._closing else "; a new worker was started"
            stopped = stop_reason(code)
            error = f"the worker stopped: {stopped} while running {job.request.generator}{again}"
            self._end(job, EventKind.FAILED, error=error)
        if self._closing:
            return
        if not slot.doomed:  # not one we stopped or killed ourselves
            _log.warning("job worker exited unexpectedly (%s)", reason)
            if not slot.ready:
                self._boot_failures += 1
        if self._boot_failures >= MAX_BOOT_FAILURES:
            self._broken = f"worker processes fail to start ({reason})"
            self._boot_broken = True
            self.changed.notify_all()  # wake wait_ready: it will never be ready
            return
        self.slots.append(spawn_worker(self._ctx))

    def _wind_down(self) -> bool:
        """One closing step; ``True`` once every worker has exited."""
        for job in list(self.active.values()):
            self._cancel(job, "queue closed")
        for slot in self.slots:
            if slot.doomed:
                continue
            if not slot.ready:
                slot.terminate()  # still booting: nothing to lose
            elif slot.job is None:
                slot.stop()
        return not self.slots

    def _abandon(self, reason: str) -> None:
        """Last resort: kill every worker and fail every job that has not ended."""
        for slot in self.slots:
            if slot.process.exitcode is None:
                slot.process.kill()
            slot.process.join(KILL_AFTER)
            slot.conn.close()
        self.slots.clear()
        self._broken = reason
        self._pending.clear()
        for job in list(self.active.values()):
            job.cancel_reason = None
            self._emit(job, JobEvent(EventKind.FAILED, job.id, error=reason))
