"""Worker processes as the queue's supervisor sees them: start, stop, kill, explain exits."""

from __future__ import annotations

import signal
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event as CancelEvent
from typing import Final

from studio.jobs.job import Job
from studio.jobs.messages import Stop
from studio.jobs.worker import worker_main

# After SIGTERM, how long a worker may take to exit before SIGKILL.
KILL_AFTER: Final = 1.0
# After a polite stop request at close, how long an idle worker may take to exit.
STOP_AFTER: Final = 2.0


@dataclass(eq=False)
class WorkerSlot:
    """One worker process and what the supervisor knows about it."""

    process: BaseProcess
    conn: Connection
    cancel: CancelEvent
    ready: bool = False  # sent "ready": imports done, waiting for work
    reading: bool = True  # its pipe is still open (stop waiting on it after EOF)
    doomed: bool = False  # being stopped or killed: never give it work again
    job: Job | None = None
    cancel_deadline: float | None = None  # kill the job's worker if still running then
    kill_deadline: float | None = None  # SIGKILL if SIGTERM has not worked by then

    @property
    def pid(self) -> int:
        pid = self.process.pid
        assert pid is not None
        return pid

    @property
    def idle(self) -> bool:
        return self.ready and self.job is None and not self.doomed

    def deadline(self) -> float | None:
        times = [t for t in (self.cancel_deadline, self.kill_deadline) if t is not None]
        return min(times, default=None)

    def stop(self) -> None:
        """Ask an idle worker to leave its loop; it is killed if it lingers past STOP_AFTER."""
        self.doomed = True
        try:
            self.conn.send(Stop())
        except OSError:
            self.terminate()
            return
        self.kill_deadline = time.monotonic() + STOP_AFTER

    def terminate(self) -> None:
        """SIGTERM now, SIGKILL after :data:`KILL_AFTER` (see :meth:`check_deadlines`)."""
        self.doomed = True
        self.cancel_deadline = None
        if self.process.exitcode is None:
            self.process.terminate()
        self.kill_deadline = time.monotonic() + KILL_AFTER

    def check_deadlines(self, now: float) -> None:
        if self.cancel_deadline is not None and now >= self.cancel_deadline:
            self.terminate()  # cooperative cancel did not work within the grace period
        elif self.kill_deadline is not None and now >= self.kill_deadline:
            self.kill_deadline = None
            if self.process.exitcode is None:
                self.process.kill()


def spawn_worker(ctx: BaseContext) -> WorkerSlot:
    """Start one worker process (it reports "ready" once its imports are done)."""
    parent_end, child_end = ctx.Pipe(duplex=True)
    cancel = ctx.Event()
    # Not a daemon: generators may start processes of their own (data loaders, compilers);
    # the queue stops its workers itself, and at interpreter exit through atexit.
    process = ctx.Process(  # type: ignore[attr-defined]  # concrete contexts have it
        target=worker_main, args=(child_end, cancel), name="studio-job-worker", daemon=False
    )
    process.start()
    child_end.close()
    return WorkerSlot(process=process, conn=parent_end, cancel=cancel)


def stop_reason(exitcode: int | None) -> str:
    """Why a worker that was not asked to stop has gone, in the user's words."""
    if exitcode == -signal.SIGKILL:
        # The kernel's OOM killer sends SIGKILL; so does `kill -9` or a task manager.
        return "killed by SIGKILL (out of memory, or ended from outside)"
    if exitcode is not None and exitcode < 0:
        return f"ended by {exit_reason(exitcode).removeprefix('signal ')}"
    return f"it exited ({exit_reason(exitcode)})"


def exit_reason(exitcode: int | None) -> str:
    """``signal SIGKILL`` / ``exit code 3`` for a finished process."""
    if exitcode is None:
        return "unknown exit"
    if exitcode < 0:
        try:
            return f"signal {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"signal {-exitcode}"
    return f"exit code {exitcode}"
