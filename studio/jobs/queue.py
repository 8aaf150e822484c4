"""The job queue: generation in persistent worker processes, off the UI thread.

Threads in the app process: the caller's (``submit``/``cancel``), the
:class:`~studio.jobs.supervisor.Supervisor` that owns the workers, and one *event* thread
that calls subscribers in order (so a slow subscriber never stalls the workers). No Qt: a
UI adapts by polling :class:`Job` or by re-emitting subscriber calls as queued signals.
"""

from __future__ import annotations

import atexit
import itertools
import logging
import math
import multiprocessing
import multiprocessing.util
import queue
import threading
import weakref
from collections.abc import Callable
from types import TracebackType
from typing import Final

from studio.jobs.events import JobEvent
from studio.jobs.job import Job
from studio.jobs.pool import KILL_AFTER, STOP_AFTER
from studio.jobs.supervisor import Supervisor
from studio.plugins.contract import Request

_log = logging.getLogger("studio.jobs")

Subscriber = Callable[[JobEvent], None]
START_METHODS: Final = ("spawn", "forkserver")


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
        if mp_context not in START_METHODS:
            raise ValueError(f"mp_context must be 'spawn' or 'forkserver', got {mp_context!r}")
        self._size = workers
        self._grace = float(grace_seconds)
        self._ctx = multiprocessing.get_context(mp_context)
        self._lock = threading.Lock()
        self._sup: Supervisor | None = None
        self._subscribers: dict[int, Subscriber] = {}  # replaced, never mutated: safe to iterate
        self._tokens = itertools.count()
        self._outbox: queue.SimpleQueue[JobEvent | None] = queue.SimpleQueue()
        self._deliverer: threading.Thread | None = None
        self._closing = False
        self._closed = threading.Event()

    def __repr__(self) -> str:
        state = "closed" if self._closing else "running" if self._sup else "new"
        return f"<JobQueue workers={self._size} {state}>"

    # -- life cycle ----------------------------------------------------------------------
    def start(self) -> None:
        """Start the workers and threads (``submit`` does this on first use)."""
        self._started()

    def _started(self) -> Supervisor:
        with self._lock:
            if self._closing:
                raise RuntimeError("the job queue is closed")
            if self._sup is None:
                self._sup = Supervisor(self._ctx, self._size, self._grace, self._outbox.put)
                self._deliverer = threading.Thread(
                    target=self._deliver, name="studio-jobs-events", daemon=True
                )
                self._deliverer.start()
                _live.add(self)
            return self._sup

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Block until every worker has booted (imports done); ``False`` on timeout."""
        sup = self._started()
        with sup.changed:
            return sup.changed.wait_for(sup.settled, timeout) and sup.broken is None

    def close(self) -> None:
        """Cancel what is queued or running, stop every worker and join all threads.

        Running jobs get ``grace_seconds`` to stop before their workers are killed.
        """
        if self._closed.is_set():
            return
        with self._lock:
            self._closing = True
            sup, deliverer = self._sup, self._deliverer
        if sup is None or deliverer is None:
            self._closed.set()
            return
        sup.close()
        if threading.current_thread() is deliverer:
            # Called from a subscriber: the event thread cannot wait for itself, so another
            # thread finishes the job and this one ends once the callback returns.
            threading.Thread(
                target=self._finish_close, args=(sup, deliverer), name="studio-jobs-closer"
            ).start()
            return
        self._finish_close(sup, deliverer)

    def _finish_close(self, sup: Supervisor, deliverer: threading.Thread) -> None:
        sup.thread.join(self._grace + KILL_AFTER + STOP_AFTER + 5.0)
        if sup.thread.is_alive():
            _log.error("job supervisor did not stop in time; killing its workers")
        with self._lock:
            if self._closed.is_set():
                return  # another thread finished closing meanwhile
            self._closed.set()
            sup.release()
            self._outbox.put(None)
        if threading.current_thread() is not deliverer:
            deliverer.join()
        _live.discard(self)

    def __enter__(self) -> JobQueue:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- jobs ----------------------------------------------------------------------------
    def submit(self, request: Request, spec: str, *, render: Request | None = None) -> Job:
        """Queue ``request`` for the generator at ``spec`` ("module:Class"); the worker makes
        ``render`` instead when given (the session's staged request)."""
        job = Job(request, spec, self.cancel, render)
        self._started().enqueue(job)
        return job

    def cancel(self, job: str | Job, reason: str = "cancelled") -> bool:
        """Cancel a job: at once if queued, cooperatively then by force if running.

        Returns ``False`` when the job is unknown or has already ended.
        """
        sup = self._sup
        return sup is not None and sup.cancel(job if isinstance(job, str) else job.id, reason)

    def jobs(self) -> list[Job]:
        """Queued and running jobs, oldest first."""
        sup = self._sup
        if sup is None:
            return []
        with sup.lock:
            return list(sup.active.values())

    @property
    def worker_pids(self) -> list[int]:
        """Process ids of the current workers (they change when one is replaced)."""
        sup = self._sup
        if sup is None:
            return []
        with sup.lock:
            return [slot.pid for slot in sup.slots]

    # -- events --------------------------------------------------------------------------
    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback(event)`` for every event, on the event thread; returns unsubscribe."""
        token = next(self._tokens)
        with self._lock:
            self._subscribers = {**self._subscribers, token: callback}

        def unsubscribe() -> None:
            with self._lock:
                self._subscribers = {k: v for k, v in self._subscribers.items() if k != token}

        return unsubscribe

    def _deliver(self) -> None:
        while (event := self._outbox.get()) is not None:
            for callback in tuple(self._subscribers.values()):
                try:
                    callback(event)
                except Exception:  # one broken subscriber must not silence the others
                    _log.exception("job event subscriber %r failed", callback)


_live: weakref.WeakSet[JobQueue] = weakref.WeakSet()


def _close_all() -> None:
    # Registered after multiprocessing.util's exit hook (imported above), so it runs first:
    # that hook joins non-daemonic children and would wait forever for running workers.
    for job_queue in list(_live):
        job_queue.close()


atexit.register(_close_all)
