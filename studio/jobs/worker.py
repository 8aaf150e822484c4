"""The loop that runs inside each worker process.

A worker is started once (spawn, never fork: the app has threads) and reused for many jobs,
so imports and loaded generators stay warm. It speaks the typed messages of
:mod:`studio.jobs.messages` over one duplex pipe.

Cancellation is a shared ``multiprocessing.Event`` the parent sets and clears; it is the
generator's :class:`~studio.plugins.contract.CancelToken`.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import signal
import threading
import time
import traceback
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Final

from studio.errors import describe, one_line
from studio.jobs.messages import Ended, Progress, Ready, Run, ToWorker
from studio.plugins.contract import AnyGenerator, CancelToken, Request
from studio.plugins.outcome import Broke, Outcome, Refused, attempt
from studio.plugins.registry import PluginLoadError, load_spec

# Progress throttle: a generator may report thousands of tiny steps; send a report only when
# it moved by at least MIN_STEP or MIN_INTERVAL passed (first, last and previews always go).
MIN_INTERVAL: Final = 0.02
MIN_STEP: Final = 0.01


class _Reporter:
    """The generator's progress callback: forwards throttled reports to the parent."""

    def __init__(self, conn: Connection, job_id: str) -> None:
        self._conn = conn
        self._job_id = job_id
        self._last_time = -math.inf
        self._last_fraction = -math.inf

    def __call__(self, fraction: float, message: str = "", preview: Path | None = None) -> None:
        value = float(fraction)
        if not math.isfinite(value):
            return
        now = time.monotonic()
        quiet = now - self._last_time < MIN_INTERVAL and value - self._last_fraction < MIN_STEP
        if quiet and preview is None and value < 1.0:
            return
        self._last_time, self._last_fraction = now, value
        shown = None if preview is None else str(preview)
        self._conn.send(Progress(self._job_id, value, str(message), shown))


def run_job(
    job_id: str,
    spec: str,
    data: dict[str, Any],
    conn: Connection,
    cancel: CancelToken,
    loaded: dict[tuple[str, str], AnyGenerator],
) -> Outcome:
    """Run one job to its outcome (:func:`studio.plugins.outcome.attempt`, which validates
    the request once and classifies how it ended); never raises for a job's failure."""
    try:
        request = Request.from_dict(data)
    except (KeyError, TypeError, ValueError) as exc:
        return Refused(f"request: {one_line(exc)}")
    key = (spec, request.generator)
    if key not in loaded:
        try:
            loaded[key] = load_spec(spec, request.generator)
        except PluginLoadError as exc:
            return Broke("", one_line(exc), traceback.format_exc())  # says what failed
    return attempt(loaded[key], request, _Reporter(conn, job_id), cancel)


def _watch_parent() -> None:
    """Exit when the app process is gone, even in the middle of a long job."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()
        os._exit(1)  # nobody is left to report to; skip cleanup that could hang

    threading.Thread(target=watch, name="studio-parent-watch", daemon=True).start()


def worker_main(conn: Connection, cancel: CancelToken) -> None:
    """Entry point of a worker process (the target of ``Process``)."""
    # Ctrl-C in a terminal reaches the whole process group; the app decides when we stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _watch_parent()
    loaded: dict[tuple[str, str], AnyGenerator] = {}
    try:
        conn.send(Ready(os.getpid()))
        while True:
            task: ToWorker = conn.recv()
            if not isinstance(task, Run):
                return  # Stop
            job_id = task.job_id
            outcome = run_job(job_id, task.spec, task.request, conn, cancel, loaded)
            try:
                conn.send(Ended(job_id, outcome))
            except (BrokenPipeError, ConnectionResetError):
                raise
            except Exception as exc:  # e.g. metadata that cannot be pickled
                error = f"could not send the result: {describe(exc)}"
                conn.send(Ended(job_id, Broke("", error, traceback.format_exc())))
    except (EOFError, BrokenPipeError, ConnectionResetError):
        return  # the app closed its end: nothing left to do
    finally:
        conn.close()
