"""The job list: one row per job with its progress, a cancel button and readable errors."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.jobs import EventKind, Job, JobState
from studio.ui.job_bridge import JobBridge, JobUpdate
from studio.ui.qt_util import ElidedLabel

# Finished rows beyond this are dropped, oldest first. The history keeps every kept
# result; this list is for what runs and what just ended. Each row holds its job (events,
# result metadata) and ~10 widgets, ~70 kB in all: 200 rows made a long session's window
# grow by ~14 MB (benchmarks/ui_soak.py).
MAX_ROWS = 50

_STATE_TEXT = {
    JobState.QUEUED: "waiting",
    JobState.RUNNING: "running",
    JobState.FINISHED: "done",
    JobState.FAILED: "failed",
    JobState.CANCELLED: "cancelled",
}


class JobRow(QWidget):
    cancel_requested = Signal(object)
    open_requested = Signal(object)

    def __init__(self, job: Job, title: str) -> None:
        super().__init__()
        self.job = job
        # One line, elided: a long arc's name ends in "…" and the tooltip has all of it
        # (wrapped, the row's fixed height cut the second line in half).
        self.title = ElidedLabel(title)
        f = self.title.font()
        f.setBold(True)
        self.title.setFont(f)
        self.status = QLabel("waiting")
        self.status.setObjectName("muted")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.cancel = QToolButton()
        self.cancel.setText("✕")
        self.cancel.setToolTip("Cancel this job")
        self.cancel.setAccessibleName("Cancel job")
        self.cancel.clicked.connect(lambda: self.cancel_requested.emit(self.job))
        self.open = QToolButton()
        self.open.setText("Show")
        self.open.setToolTip("Show the result in the preview")
        self.open.clicked.connect(lambda: self.open_requested.emit(self.job))
        self.open.hide()
        top = QHBoxLayout()
        top.setSpacing(6)
        top.addWidget(self.title, 1)
        top.addWidget(self.open)
        top.addWidget(self.cancel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(3)
        layout.addLayout(top)
        layout.addWidget(self.bar)
        layout.addWidget(self.status)

    def apply(self, update: JobUpdate) -> None:
        event, job = update.event, self.job
        self.bar.setValue(round(job.progress * 1000))
        state = job.state
        if event.kind is EventKind.PROGRESS and event.message:
            text = event.message
        elif event.kind is EventKind.FAILED:
            text = event.error or "failed"
            self.status.setObjectName("error")
            self.status.setToolTip(event.detail[-2000:] if event.detail else text)
        elif event.kind is EventKind.CANCELLED:
            text = event.message or "cancelled"
        elif event.kind is EventKind.FINISHED:
            seconds = event.timestamp - job.events[0].timestamp if job.events else 0.0
            text = f"done in {seconds:.1f} s"
            if update.warning:
                text += f" — {update.warning}"
        else:
            text = _STATE_TEXT[state]
        self.status.setText(text)
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
        final = state.is_final
        self.cancel.setVisible(not final)
        self.bar.setVisible(not final)
        self.open.setVisible(state is JobState.FINISHED)


class QtJobsPanel(QWidget):
    """Lists the jobs of a :class:`JobBridge`; ``open_result(job)`` asks for a preview."""

    open_result = Signal(object)

    def __init__(self, bridge: JobBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.rows: dict[str, tuple[QListWidgetItem, JobRow]] = {}
        self.list = QListWidget()
        self.list.setAccessibleName("Jobs")
        self.list.setSpacing(1)
        self.list.setVerticalScrollMode(QListWidget.ScrollMode.ScrollPerPixel)
        self.empty = QLabel("No jobs yet. Press Generate, or drag the pad for a live preview.")
        self.empty.setObjectName("hint")
        self.empty.setWordWrap(True)
        self.clear_button = QPushButton("Clear finished")
        self.clear_button.setToolTip("Remove finished, failed and cancelled jobs from the list")
        self.clear_button.clicked.connect(self.clear_finished)
        self.cancel_all = QPushButton("Cancel all")
        self.cancel_all.setToolTip("Cancel every waiting and running job (Ctrl+.)")
        self.cancel_all.clicked.connect(self.cancel_everything)
        buttons = QHBoxLayout()
        buttons.addWidget(self.cancel_all)
        buttons.addStretch(1)
        buttons.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.empty)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        bridge.updated.connect(self.on_update)

    def add(self, job: Job, title: str) -> JobRow:
        row = JobRow(job, title)
        row.cancel_requested.connect(self.bridge.cancel)
        row.open_requested.connect(self.open_result.emit)
        item = QListWidgetItem()
        item.setSizeHint(QSize(200, row.sizeHint().height()))
        self.list.insertItem(0, item)
        self.list.setItemWidget(item, row)
        self.rows[job.id] = (item, row)
        self.empty.hide()
        self._prune()
        return row

    def on_update(self, update: JobUpdate) -> None:
        found = self.rows.get(update.job.id)
        if found is None:
            return
        item, row = found
        row.apply(update)
        item.setSizeHint(QSize(200, row.sizeHint().height()))

    def row(self, job: Job) -> JobRow | None:
        found = self.rows.get(job.id)
        return found[1] if found else None

    def clear_finished(self) -> None:
        for job_id, (item, row) in list(self.rows.items()):
            if row.job.state.is_final:
                self.list.takeItem(self.list.row(item))
                del self.rows[job_id]
                self.bridge.jobs.pop(job_id, None)
        self.empty.setVisible(not self.rows)

    def cancel_everything(self) -> None:
        for _item, row in self.rows.values():
            if not row.job.state.is_final:
                self.bridge.cancel(row.job)

    def _prune(self) -> None:
        finished = [(i, r) for i, r in self.rows.values() if r.job.state.is_final]
        for item, row in finished[: max(0, len(self.rows) - MAX_ROWS)]:
            self.list.takeItem(self.list.row(item))
            del self.rows[row.job.id]
