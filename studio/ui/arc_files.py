"""Arcs as documents in the window: Open arc, Save arc (as), Recent arcs.

An arc document is the JSON ``studio generate --trajectory`` reads; a file the studio made
along an arc carries one too. Every read is bounded (a FIFO or a device never blocks the
window), every write atomic; a problem is one line in the status bar (``arc_error``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QMainWindow, QMenu

from studio.emotion import Trajectory
from studio.errors import BadInput, one_line, printable
from studio.library import inputs
from studio.library.atomic import atomic_write
from studio.options import state_file

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings

    from studio.ui.trajectory_model import TrajectoryModel

RECENT_ARCS = 8
ARC_FILTER = (
    "Emotional arc (*.json);;"
    "Files made along an arc (*.wav *.flac *.mid *.mp4 *.png *.jpg *.jpeg *.webp);;"
    "All files (*)"
)
MAX_ARC_BYTES = 2 * 2**20  # an arc of the most keyframes allowed is far smaller


class ArcDocuments(QMainWindow):
    """The window's arc file actions (a mixin of :class:`~studio.ui.main_window.MainWindow`:
    it needs ``settings``, ``trajectory`` and ``recent_menu``)."""

    settings: QSettings
    trajectory: TrajectoryModel
    recent_menu: QMenu
    arc_path: Path | None
    arc_error: str

    def recent_arcs(self) -> list[Path]:
        raw = self.settings.value("arcs/recent")
        items = raw if isinstance(raw, list) else [raw] if isinstance(raw, str) and raw else []
        return [Path(str(p)) for p in items][:RECENT_ARCS]

    def _remember_arc(self, path: Path) -> None:
        paths = [path, *(p for p in self.recent_arcs() if p != path)][:RECENT_ARCS]
        self.settings.setValue("arcs/recent", [str(p) for p in paths])
        self.arc_path = path
        self._fill_recent()

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        paths = self.recent_arcs()
        for path in paths:
            action = self.recent_menu.addAction(path.name)
            action.setToolTip(str(path))
            action.triggered.connect(lambda _=False, p=path: self.open_arc(p))
        self.recent_menu.setEnabled(bool(paths))

    def open_arc(self, path: Path | None = None) -> bool:
        """Open an arc document (the JSON ``studio generate --trajectory`` reads)."""
        if path is None:
            start = str(self.arc_path.parent if self.arc_path else Path.home())
            chosen, _ = QFileDialog.getOpenFileName(self, "Open arc", start, ARC_FILTER)
            if not chosen:
                return False
            path = Path(chosen)
        name = printable(path.name, 80)
        try:
            if path.suffix.lower() == ".json":
                # A regular file within the cap only: a FIFO or a device never blocks.
                raw = inputs.read_bytes(path, "arc file", MAX_ARC_BYTES)
            else:  # a file the studio made along an arc carries it (as --trajectory reads)
                data = state_file(path, "trajectory")
        except BadInput as exc:
            return self._arc_problem(f"Could not open the {one_line(exc)}")
        try:
            if path.suffix.lower() == ".json":
                data = inputs.loads_json(raw, "it", max_bytes=MAX_ARC_BYTES)
                if isinstance(data, dict) and "trajectory" in data:
                    data = data["trajectory"]  # a --json result record or a sidecar
            arc = Trajectory.from_dict(data)
        except ValueError as exc:
            return self._arc_problem(f"{name} is not an arc: {one_line(exc)}")
        self.trajectory.load(arc)
        self._remember_arc(path)
        self.statusBar().showMessage(f"Opened the arc {name}", 6000)
        return True

    def save_arc(self, path: Path | None = None) -> bool:
        """Write the arc as a document; asks where when ``path`` is None."""
        arc = self.trajectory.document()
        if arc is None:
            return self._arc_problem("The arc has no keyframes to save yet")
        if path is None:
            start = self.arc_path or Path.home() / "arc.json"
            chosen, _ = QFileDialog.getSaveFileName(self, "Save arc", str(start), ARC_FILTER)
            if not chosen:
                return False
            path = Path(chosen)
            if not path.suffix:
                path = path.with_suffix(".json")
        try:
            with atomic_write(path, "w") as fh:
                fh.write(arc.to_json(indent=2) + "\n")
        except OSError as exc:
            reason = exc.strerror or str(exc)
            return self._arc_problem(f"Could not save the arc to {path}: {reason}")
        self._remember_arc(path)
        self.statusBar().showMessage(f"Saved the arc to {path}", 6000)
        return True

    def _arc_problem(self, text: str) -> bool:
        self.statusBar().showMessage(text, 10000)
        self.arc_error = text
        return False
