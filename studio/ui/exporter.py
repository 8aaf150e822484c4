"""Carries out an export plan: copies with the state embedded, or, for another format,
renders the same request again through the job queue and exports that."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from studio.jobs import EventKind, Job
from studio.library.atomic import ExportError
from studio.library.export import export_file
from studio.library.history import Entry
from studio.plugins.contract import Request
from studio.ui.export_dialog import ExportPlan
from studio.ui.job_bridge import JobBridge, JobUpdate, embedded_payload


class Exporter(QObject):
    """``finished(list_of_paths, list_of_errors)`` once every file of a plan is done."""

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
        self._waiting: dict[str, tuple[Entry, ExportPlan]] = {}
        self._done: list[Path] = []
        self._errors: list[str] = []
        bridge.updated.connect(self._on_update)

    def run(self, plan: ExportPlan, entries: list[Entry]) -> None:
        self._done, self._errors = [], []
        for entry in entries:
            if entry.path is None:
                self._errors.append(f"{entry.name}: no file")
                continue
            try:
                target = plan.target(entry)
            except ValueError as exc:
                self._errors.append(f"{entry.name}: {exc}")
                continue
            if not plan.extension or plan.extension == entry.path.suffix.lower():
                self._copy(entry.path, entry.metadata, target, plan)
            else:
                self._rerender(entry, plan)
        self._maybe_finish()

    def _copy(self, src: Path, metadata: dict, dst: Path, plan: ExportPlan) -> None:
        payload = {k: v for k, v in metadata.items() if k != "timings"}
        try:
            result = export_file(src, dst, payload, sidecar=plan.sidecar, overwrite=plan.overwrite)
        except (OSError, ValueError, ExportError) as exc:
            self._errors.append(f"{dst.name}: {exc}")
            return
        self._done.append(result.path)

    def _rerender(self, entry: Entry, plan: ExportPlan) -> None:
        spec = self.spec_of(entry.generator)
        if spec is None or not entry.request:
            self._errors.append(f"{entry.name}: cannot render {plan.extension} (generator missing)")
            return
        try:
            request = Request.from_dict(entry.request)
            output = self.bridge.output_path(entry.generator, plan.extension, preview=True)
            request = dataclasses.replace(request, output=output)
        except (KeyError, TypeError, ValueError) as exc:
            self._errors.append(f"{entry.name}: {exc}")
            return
        job = self.bridge.submit(request, spec, record=False)
        self._waiting[job.id] = (entry, plan)
        if self.on_job is not None:
            self.on_job(job, f"Export · {entry.name} as {plan.extension.lstrip('.').upper()}")

    def _on_update(self, update: JobUpdate) -> None:
        found = self._waiting.get(update.job.id)
        if found is None or not update.event.is_final:
            return
        entry, plan = self._waiting.pop(update.job.id)
        event = update.event
        if event.kind is EventKind.FINISHED and event.artifact is not None:
            self._copy(
                event.artifact.path, embedded_payload(event.artifact), plan.target(entry), plan
            )
        else:
            self._errors.append(f"{entry.name}: {event.error or event.message or 'cancelled'}")
        self._maybe_finish()

    def _maybe_finish(self) -> None:
        if not self._waiting:
            self.finished.emit(list(self._done), list(self._errors))
