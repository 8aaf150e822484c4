"""The job system as Qt signals (krita-ai-diffusion's one event stream, napari's workers).

``JobQueue`` calls subscribers on its own event thread. There, before anything reaches the
UI thread, a finished generation that should be kept goes through ``studio.session.keep``
(the one path that embeds the state into its file, or a sidecar, and records it in the
history): so the slow file work never
runs on the UI thread, and a crash of the window right after loses nothing that finished.
The update is then re-emitted as a Qt signal, which Qt queues onto the UI thread.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal

from studio import session
from studio._paths import studio_home
from studio.errors import StudioError, one_line
from studio.jobs import EventKind, Job, JobEvent, JobQueue
from studio.library.history import ARTIFACTS_DIR, Entry, History
from studio.plugins.contract import Artifact, Request
from studio.session import Staged

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobUpdate:
    """One event for one job, with what the app made of it."""

    job: Job
    event: JobEvent
    entry: Entry | None = None  # the history row, for a recorded finished job
    warning: str = ""  # e.g. the history could not be written (the file is still there)


def unrecorded_dir() -> Path:
    """Where a kept generation goes when the history cannot be opened (a damaged database):
    the usual artifacts folder if it can be made, else a folder in the system's temporary
    place that is never cleaned up by the window. Never the preview scratch folder, which
    is deleted on exit."""
    for folder in (
        studio_home() / ARTIFACTS_DIR,
        Path(tempfile.gettempdir()) / "emotion-studio-unrecorded",
    ):
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(folder, os.W_OK | os.X_OK):
            return folder
    raise OSError("no writable folder for generated files")


def _staging_problem(request: Request, exc: StudioError) -> str:
    """One line naming the folder a kept result could not be staged in."""
    folder = request.output.parent
    reason = one_line(exc).removeprefix(f"cannot write {request.output}: ")
    if str(folder) in reason:
        return f"Cannot save the result: {reason}"
    return f"Cannot save the result in the folder {folder}: {reason}"


class JobBridge(QObject):
    """Submits generations and reports their events as ``updated(JobUpdate)``."""

    updated = Signal(object)
    _report_later = Signal(object)  # a JobUpdate, re-emitted as ``updated`` on the next turn

    def __init__(
        self,
        history: History | None,
        queue: JobQueue | None = None,
        workers: int = 2,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.history = history
        self.queue = queue or JobQueue(workers=workers, grace_seconds=1.0)
        self.workers = workers  # how many jobs can run at once (live previews use them)
        self._record: dict[str, Staged] = {}  # kept jobs: their staged requests
        self._lock = threading.Lock()
        self.jobs: dict[str, Job] = {}
        self._previews = tempfile.TemporaryDirectory(prefix="emotion-studio-preview-")
        self._unsubscribe = self.queue.subscribe(self._on_event)
        self._report_later.connect(self.updated.emit, Qt.ConnectionType.QueuedConnection)
        self.closed = False

    # -- where files go -----------------------------------------------------------------
    def output_path(self, generator: str, ext: str, *, preview: bool = False) -> Path:
        """A new file name: in the history's artifacts folder, or a scratch folder for
        live previews (never recorded)."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        name = f"{generator}-{stamp}-{uuid.uuid4().hex[:6]}{ext}"
        if preview:
            return Path(self._previews.name) / name
        if self.history is None:
            return unrecorded_dir() / name
        return self.history.artifacts_dir() / name

    # -- jobs ---------------------------------------------------------------------------
    def start(self) -> None:
        """Boot the workers now (in the background) so the first job starts warm."""
        self.queue.start()

    def submit(self, request: Request, spec: str, *, record: bool = True) -> Job:
        """Queue a generation. A kept one renders into a staging file that keep() tags and
        renames, so the artifacts folder never holds a file without its state; if that
        folder cannot take the staging file, the job is reported as failed at once (its
        ``updated`` event arrives on the next turn of the event loop) and never runs."""
        staged = None
        if record:
            try:
                staged = session.stage(request)
            except StudioError as exc:
                return self._failed_at_once(request, spec, _staging_problem(request, exc))
        # Held while submitting: the event thread waits for the job to be known, so no
        # early event (a fast job may finish within milliseconds) is ever dropped.
        with self._lock:
            job = self.queue.submit(request, spec, render=staged.render if staged else None)
            self._track(job, staged)
        return job

    def _failed_at_once(self, request: Request, spec: str, error: str) -> Job:
        """A job that failed before it could be queued, reported like any other failure."""
        job = Job(request, spec, self.queue.cancel)
        failed = JobEvent(EventKind.FAILED, job.id, error=error)
        job.record(failed)
        # Queued: the caller gets the job (and lists it) before anyone hears it failed.
        self._report_later.emit(JobUpdate(job, failed))
        return job

    def discard_preview(self, path: Path | None) -> None:
        """Delete a live preview's file once nothing shows it (a long drag would otherwise
        fill the scratch folder); files outside the scratch folder are never touched."""
        if path is None or self.closed:
            return
        if Path(path).parent == Path(self._previews.name):
            Path(path).unlink(missing_ok=True)

    def _track(self, job: Job, staged: Staged | None) -> None:
        self.jobs[job.id] = job
        if staged is not None:  # a kept job: keep() finishes its staging file
            self._record[job.id] = staged

    def cancel(self, job: Job) -> bool:
        return self.queue.cancel(job)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._unsubscribe()
        self.queue.close()
        for staged in list(self._record.values()):  # unfinished jobs: their staging folders go
            session.discard(staged)
        self._previews.cleanup()

    # -- the event thread ---------------------------------------------------------------
    def _on_event(self, event: JobEvent) -> None:
        with self._lock:
            job = self.jobs.get(event.job_id)
            staged = self._record.get(event.job_id)
        if job is None:
            return  # a job someone else submitted to a shared queue
        entry, warning = None, ""
        if event.kind is EventKind.FINISHED and event.artifact is not None and staged:
            entry, warning = self._keep(staged, event.artifact)
        if event.is_final:
            session.discard(staged)  # a failed or cancelled job's staging folder
            with self._lock:  # no event follows a final one: stop tracking the job
                self._record.pop(event.job_id, None)
                self.jobs.pop(event.job_id, None)
        self.updated.emit(JobUpdate(job, event, entry, warning))

    def _keep(self, staged: Staged, artifact: Artifact) -> tuple[Entry | None, str]:
        try:
            kept = session.keep(artifact, staged, self.history)
        except StudioError as exc:
            return None, f"could not embed the emotion state: {exc}"
        if self.history is None:
            return None, f"no history: kept as {artifact.path} but not recorded"
        return kept.entry, "; ".join(kept.warnings)
