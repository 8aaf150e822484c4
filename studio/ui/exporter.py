"""Carries out an export plan: copies with the state embedded, or, for another format,
renders the same request again through the job queue and exports that."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from studio.jobs import EventKind, Job
from studio.library.atomic import ExportError
from studio.library.export import export_file
from studio.library.history import Entry
from studio.plugins.contract import Request
from studio.session import embedded_payload
from studio.ui.export_dialog import ExportPlan
from studio.ui.job_bridge import JobBridge, JobUpdate


@dataclasses.dataclass
class _Batch:
    """One ``run``: its own results, so two exports in flight never mix their lists."""

    waiting: set[str] = dataclasses.field(default_factory=set)
    done: list[Path] = dataclasses.field(default_factory=list)
    errors: list[str] = dataclasses.field(default_factory=list)


class Exporter(QObject):
    """``finished(list_of_paths, list_of_errors)`` once every file of a plan is done
    (once per ``run``, even when runs overlap)."""

    finished = Signal(list, list)

    def __init__(
        self,
        bridge: JobBridge,
        spec_of: Callable[[str], str | None],
        on_job: Callable[[Job, str], object] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.spec_of = spec_of
        self.on_job = on_job
        self._waiting: dict[str, tuple[_Batch, Entry, ExportPlan]] = {}
        bridge.updated.connect(self._on_update)

    @property
    def busy(self) -> bool:
        """Whether re-renders of some export are still running."""
        return bool(self._waiting)

    def run(self, plan: ExportPlan, entries: list[Entry]) -> None:
        batch = _Batch()
        for entry in entries:
            if entry.path is None:
                batch.errors.append(f"{entry.name}: no file")
                continue
            try:
                target = plan.target(entry)
            except ValueError as exc:
                batch.errors.append(f"{entry.name}: {exc}")
                continue
            if not plan.extension or plan.extension == entry.path.suffix.lower():
                self._copy(batch, entry.path, entry.metadata, target, plan)
            else:
                self._rerender(batch, entry, plan)
        self._maybe_finish(batch)

    def _copy(
        self, batch: _Batch, src: Path, metadata: dict[str, Any], dst: Path, plan: ExportPlan
    ) -> None:
        payload = {k: v for k, v in metadata.items() if k != "timings"}
        try:
            result = export_file(src, dst, payload, sidecar=plan.sidecar, overwrite=plan.overwrite)
        except FileExistsError:  # the library's wording is for programmers
            batch.errors.append(
                f"{dst.name} already exists in {dst.parent}; tick “Replace existing files”"
            )
            return
        except ExportError as exc:  # already one line naming the file and the reason
            batch.errors.append(str(exc)[:1].upper() + str(exc)[1:])
            return
        except (OSError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            batch.errors.append(f"{dst.name}: {reason}")
            return
        batch.done.append(result.path)

    def _rerender(self, batch: _Batch, entry: Entry, plan: ExportPlan) -> None:
        spec = self.spec_of(entry.generator)
        if spec is None or not entry.request:
            batch.errors.append(f"{entry.name}: cannot render {plan.extension} (generator missing)")
            return
        try:
            request = Request.from_dict(entry.request)
            output = self.bridge.output_path(entry.generator, plan.extension, preview=True)
            request = dataclasses.replace(request, output=output)
        except (KeyError, TypeError, ValueError) as exc:
            batch.errors.append(f"{entry.name}: {exc}")
            return
        job = self.bridge.submit(request, spec, record=False)
        self._waiting[job.id] = (batch, entry, plan)
        batch.waiting.add(job.id)
        if self.on_job is not None:
            self.on_job(job, f"Export · {entry.name} as {plan.extension.lstrip('.').upper()}")

    def _on_update(self, update: JobUpdate) -> None:
        found = self._waiting.get(update.job.id)
        if found is None or not update.event.is_final:
            return
        batch, entry, plan = self._waiting.pop(update.job.id)
        batch.waiting.discard(update.job.id)
        event = update.event
        if event.kind is EventKind.FINISHED and event.artifact is not None:
            artifact = event.artifact
            self._copy(batch, artifact.path, embedded_payload(artifact), plan.target(entry), plan)
            for path in artifact.files:  # the render in the scratch folder is copied out now
                self.bridge.discard_preview(path)
        else:
            batch.errors.append(f"{entry.name}: {event.error or event.message or 'cancelled'}")
        self._maybe_finish(batch)

    def _maybe_finish(self, batch: _Batch) -> None:
        if not batch.waiting:
            self.finished.emit(list(batch.done), list(batch.errors))
