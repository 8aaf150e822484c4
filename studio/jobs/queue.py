"""The job queue: generation in persistent worker processes, off the UI thread.

Threads in the app process: the caller's (``submit``/``cancel``/``supersede``), one
*supervisor* that owns the workers (dispatch, messages, deaths, kill deadlines) and one
*event* thread that calls subscribers in order. Every change to jobs and workers happens
under one lock; the supervisor waits for pipes, process sentinels and a wake-up pipe with
``multiprocessing.connection.wait`` outside it. No Qt: a UI adapts by polling :class:`Job`
or by re-emitting subscriber calls as queued signals.
"""

from __future__ import annotations

import atexit
import itertools
import logging
import math
import multiprocessing
import multiprocessing.util  # noqa: F401  (imported before our atexit hook: see _close_all)
import os
import queue
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable
from multiprocessing.connection import wait
from pathlib import Path
from types import TracebackType
from typing import Any, Final

from studio.jobs.events import EventKind, JobEvent, JobState
from studio.jobs.job import Job
from studio.jobs.pool import KILL_AFTER, STOP_AFTER, WorkerSlot, exit_reason, spawn_worker
from studio.jobs.worker import describe_error
from studio.plugins.contract import Artifact, Request

_log = logging.getLogger("studio.jobs")

Subscriber = Callable[[JobEvent], None]
MAX_BOOT_FAILURES: Final = 3  # consecutive workers dying before "ready": stop respawning
MAX_READS: Final = 256  # messages taken from one worker per turn, so none starves the rest


class JobQueue:
    """Runs generator jobs in ``workers`` warm worker processes.

    ``grace_seconds`` is how long a running job may take to stop cooperatively after a
    cancel before its worker is killed and replaced. ``mp_context`` is "spawn" or
    "forkserver"; fork is refused because the app process has threads.
    """

    def __init__(
        self, workers: int = 1, grace_seconds: float = 2.0, mp_context: str = "spawn"
    ) -> None:
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ValueError(f"workers must be a positive integer, got {workers!r}")
        if not (math.isfinite(grace_seconds) and grace_seconds >= 0):
            raise ValueError(f"grace_seconds must be >= 0, got {grace_seconds!r}")
        if mp_context not in ("spawn", "forkserver"):
            raise ValueError(f"mp_context must be 'spawn' or 'forkserver', got {mp_context!r}")
        self._size = workers
        self._grace = float(grace_seconds)
        self._ctx = multiprocessing.get_context(mp_context)
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._pending: deque[Job] = deque()
        self._active: dict[str, Job] = {}  # queued and running jobs, in submission order
        self._slots: list[WorkerSlot] = []
        self._subscribers: dict[int, Subscriber] = {}  # replaced, never mutated: safe to iterate
        self._tokens = itertools.count()
        self._outbox: queue.SimpleQueue[JobEvent | None] = queue.SimpleQueue()
        self._wake_r = self._wake_w = -1
        self._supervisor: threading.Thread | None = None
        self._deliverer: threading.Thread | None = None
        self._closing = False
        self._closed = False
        self._close_lock = threading.Lock()
        self._broken: str | None = None
        self._boot_failures = 0

    # -- life cycle ----------------------------------------------------------------------
    def start(self) -> None:
        """Start the workers and threads (``submit`` does this on first use)."""
        with self._lock:
            if self._closing:
                raise RuntimeError("the job queue is closed")
            if self._supervisor is not None:
                return
            self._wake_r, self._wake_w = os.pipe()
            os.set_blocking(self._wake_r, False)
            os.set_blocking(self._wake_w, False)
            self._slots = [spawn_worker(self._ctx) for _ in range(self._size)]
            self._supervisor = threading.Thread(
                target=self._supervise, name="studio-jobs-supervisor", daemon=True)
            self._deliverer = threading.Thread(
                target=self._deliver, name="studio-jobs-events", daemon=True)
            self._supervisor.start()
            self._deliverer.start()
            _live.add(self)

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Block until every worker has booted (imports done); ``False`` on timeout."""
        self.start()
        with self._changed:
            return self._changed.wait_for(
                lambda: len(self._slots) == self._size and all(s.ready for s in self._slots),
                timeout)

    def close(self) -> None:
        """Cancel what is queued or running, stop every worker and join all threads."""
        with self._lock:
            self._closing = True
            started = self._supervisor is not None
        if not started:
            self._closed = True
            return
        self._wake()
        if threading.current_thread() is self._deliverer:
            return  # called from a subscriber: the event thread cannot wait for itself
        with self._close_lock:
            if self._closed:
                return
            assert self._supervisor is not None and self._deliverer is not None
            self._supervisor.join(self._grace + KILL_AFTER + STOP_AFTER + 5.0)
            if self._supervisor.is_alive():
                _log.error("job supervisor did not stop; killing its workers")
                with self._lock:
                    self._abandon("the job queue was closed")
            self._outbox.put(None)
            self._deliverer.join()
            os.close(self._wake_r)
            os.close(self._wake_w)
            self._closed = True
            _live.discard(self)

    def __enter__(self) -> JobQueue:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- the public API ------------------------------------------------------------------
    def submit(self, request: Request, spec: str, *, key: str | None = None) -> Job:
        """Queue ``request`` for the generator at ``spec`` ("module:Class")."""
        job = Job(request, spec, key, self.cancel)
        with self._lock:
            self.start()
            self._enqueue(job)
        self._wake()
        return job

    def supersede(self, request: Request, spec: str, key: str = "preview") -> Job:
        """Submit under ``key``, cancelling every older job with that key ("superseded")."""
        job = Job(request, spec, key, self.cancel)
        with self._lock:
            self.start()
            for other in list(self._active.values()):
                if other.key == key:
                    self._cancel_locked(other, "superseded")
            self._enqueue(job)
        self._wake()
        return job

    def cancel(self, job: str | Job, reason: str = "cancelled") -> bool:
        """Cancel a job: at once if queued, cooperatively then by force if running.

        Returns ``False`` when the job is unknown or has already ended.
        """
        with self._lock:
            found = self._active.get(job if isinstance(job, str) else job.id)
            if found is None:
                return False
            self._cancel_locked(found, reason)
        self._wake()
        return True

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback(event)`` for every event, on the event thread; returns unsubscribe."""
        token = next(self._tokens)
        with self._lock:
            self._subscribers = {**self._subscribers, token: callback}

        def unsubscribe() -> None:
            with self._lock:
                self._subscribers = {k: v for k, v in self._subscribers.items() if k != token}

        return unsubscribe

    def jobs(self) -> list[Job]:
        """Queued and running jobs, oldest first."""
        with self._lock:
            return list(self._active.values())

    @property
    def worker_pids(self) -> list[int]:
        with self._lock:
            return [slot.pid for slot in self._slots]

    # -- bookkeeping (under the lock) ----------------------------------------------------
    def _enqueue(self, job: Job) -> None:
        self._active[job.id] = job
        self._pending.append(job)
        self._emit(job, JobEvent(EventKind.QUEUED, job.id))

    def _cancel_locked(self, job: Job, reason: str) -> None:
        if job.state is JobState.QUEUED:
            self._pending.remove(job)
            job.cancel_reason = reason
            self._emit(job, JobEvent(EventKind.CANCELLED, job.id, message=reason))
        elif job.cancel_reason is None:
            job.cancel_reason = reason  # the first reason wins; it ends the job either way
            for slot in self._slots:
                if slot.job is job and not slot.doomed:
                    slot.cancel.set()
                    slot.cancel_deadline = time.monotonic() + self._grace

    def _emit(self, job: Job, event: JobEvent) -> None:
        delivered = job.record(event)
        if delivered is None:
            return
        if delivered.is_final:
            self._active.pop(job.id, None)
        self._outbox.put(delivered)

    def _end(self, job: Job, kind: EventKind, **fields: Any) -> None:
        """End a job; a job someone cancelled ends ``cancelled`` whatever the worker said."""
        if job.cancel_reason is not None:
            self._emit(job, JobEvent(EventKind.CANCELLED, job.id, message=job.cancel_reason))
        else:
            self._emit(job, JobEvent(kind, job.id, **fields))

    def _wake(self) -> None:
        try:
            os.write(self._wake_w, b"\0")
        except (BlockingIOError, OSError):
            pass  # a wake-up is already pending, or the queue is closed

    # -- the supervisor thread -----------------------------------------------------------
    def _supervise(self) -> None:
        try:
            while self._turn():
                pass
        except Exception as exc:  # a bug here must not leave jobs waiting forever
            _log.exception("job supervisor failed")
            with self._lock:
                self._abandon(f"job system error: {describe_error(exc)}")

    def _turn(self) -> bool:
        with self._lock:
            self._dispatch()
            if self._closing and self._wind_down():
                return False
            watched: dict[Any, WorkerSlot] = {}
            for slot in self._slots:
                watched[slot.process.sentinel] = slot
                if slot.reading:
                    watched[slot.conn] = slot
            deadlines = [d for d in (s.deadline() for s in self._slots) if d is not None]
            timeout = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
        ready = wait([self._wake_r, *watched], timeout)
        with self._lock:
            for obj in ready:
                if obj == self._wake_r:
                    self._drain_wake()
                elif watched[obj] in self._slots:  # not yet buried through its other handle
                    slot = watched[obj]
                    if obj is slot.conn:
                        self._read(slot)
                    else:
                        self._bury(slot)
            now = time.monotonic()
            for slot in self._slots:
                slot.check_deadlines(now)
        return True

    def _drain_wake(self) -> None:
        try:
            while os.read(self._wake_r, 4096):
                pass
        except BlockingIOError:
            pass

    def _dispatch(self) -> None:
        if self._broken is not None and not self._slots:
            while self._pending:
                job = self._pending.popleft()
                self._emit(job, JobEvent(EventKind.FAILED, job.id, error=self._broken))
            return
        for slot in self._slots:
            if not self._pending or self._closing:
                return
            if not slot.idle:
                continue
            job = self._pending.popleft()
            slot.cancel.clear()  # before sending: the worker reads it only once it has the job
            try:
                slot.conn.send(("run", job.id, job.spec, job.request_data))
            except OSError:  # the worker is dying; its sentinel will say how
                self._pending.appendleft(job)
                slot.terminate()
                continue
            except Exception as exc:  # request data that cannot be pickled
                self._emit(job, JobEvent(EventKind.FAILED, job.id,
                                         error=f"could not send the request: {describe_error(exc)}"))
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
            except Exception as exc:  # a result the app process cannot unpickle
                message = ("failed", slot.job.id if slot.job else "",
                           f"could not read the worker's result: {describe_error(exc)}", "")
            self._handle(slot, message)

    def _handle(self, slot: WorkerSlot, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == "ready":
            slot.ready = True
            self._boot_failures = 0
            self._changed.notify_all()
            return
        job = slot.job
        if job is None or message[1] != job.id:
            return  # late word about a job that has already ended
        if kind == "progress":
            _, _, fraction, text, preview = message
            self._emit(job, JobEvent(EventKind.PROGRESS, job.id, fraction, text,
                                     Path(preview) if preview else None))
            return
        slot.job, slot.cancel_deadline = None, None  # the worker is free again
        if kind == "finished":
            artifact = Artifact(files=tuple(Path(f) for f in message[2]), metadata=message[3])
            self._end(job, EventKind.FINISHED, artifact=artifact)
        elif kind == "failed":
            self._end(job, EventKind.FAILED, error=message[2], detail=message[3])
        else:
            self._end(job, EventKind.CANCELLED, message="cancelled by the generator")

    def _bury(self, slot: WorkerSlot) -> None:
        """A worker process has exited: end its job, replace it unless closing."""
        if slot.reading:
            self._read(slot)  # its last words, e.g. a result sent just before exiting
        slot.process.join(KILL_AFTER)
        reason = exit_reason(slot.process.exitcode)
        slot.conn.close()
        slot.process.close()
        self._slots.remove(slot)
        job = slot.job
        if job is not None:
            crash = f"worker process crashed ({reason}) while running {job.request.generator}"
            self._end(job, EventKind.FAILED, error=crash)
        if slot.doomed or self._closing:
            return
        _log.warning("job worker exited unexpectedly (%s)", reason)
        if not slot.ready:
            self._boot_failures += 1
        if self._boot_failures >= MAX_BOOT_FAILURES:
            self._broken = f"worker processes fail to start ({reason})"
            return
        self._slots.append(spawn_worker(self._ctx))

    def _wind_down(self) -> bool:
        """One closing step; ``True`` once every worker has exited."""
        for job in list(self._active.values()):
            self._cancel_locked(job, "queue closed")
        for slot in self._slots:
            if slot.doomed:
                continue
            if not slot.ready:
                slot.terminate()  # still booting: nothing to lose
            elif slot.job is None:
                slot.stop()
        return not self._slots

    def _abandon(self, reason: str) -> None:
        """Last resort: kill every worker and fail every job that has not ended."""
        for slot in self._slots:
            if slot.process.exitcode is None:
                slot.process.kill()
            slot.process.join(KILL_AFTER)
        self._slots.clear()
        self._broken = reason
        for job in list(self._active.values()):
            job.cancel_reason = None
            self._emit(job, JobEvent(EventKind.FAILED, job.id, error=reason))
        self._pending.clear()

    # -- the event thread ----------------------------------------------------------------
    def _deliver(self) -> None:
        while (event := self._outbox.get()) is not None:
            for callback in tuple(self._subscribers.values()):
                try:
                    callback(event)
                except Exception:  # one broken subscriber must not silence the others
                    _log.exception("job event subscriber %r failed", callback)


_live: weakref.WeakSet[JobQueue] = weakref.WeakSet()


def _close_all() -> None:
    # Registered after multiprocessing.util's own exit hook, so it runs first: that hook
    # joins non-daemonic children and would wait forever for workers nobody stopped.
    for q in list(_live):
        q.close()


atexit.register(_close_all)
