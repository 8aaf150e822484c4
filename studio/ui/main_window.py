"""The studio window: emotion controls (left), one panel per generator (centre), jobs and
history (right), the arc editor (bottom). Wires models to widgets and to the job system."""

from __future__ import annotations

import contextlib
import json
import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMessageBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from studio.emotion import Condition
from studio.jobs import EventKind, Job
from studio.library.export import export_file
from studio.library.history import Entry, History, HistoryError
from studio.plugins import Registry
from studio.plugins.contract import AnyGenerator
from studio.session import embedded_payload
from studio.ui import theme
from studio.ui.arc_files import ArcDocuments
from studio.ui.choice_files import RecentFiles
from studio.ui.condition_model import ConditionModel
from studio.ui.emotion_panel import QtEmotionPanel
from studio.ui.export_dialog import ExportDialog
from studio.ui.exporter import Exporter
from studio.ui.generator_panel import GeneratorPanel
from studio.ui.history_browser import QtHistoryBrowser
from studio.ui.job_bridge import JobBridge, JobUpdate
from studio.ui.jobs_panel import QtJobsPanel
from studio.ui.menus import build_menus
from studio.ui.trajectory_editor import QtTrajectoryEditor
from studio.ui.trajectory_model import TrajectoryModel

log = logging.getLogger(__name__)
LAYOUT_VERSION = 2  # 2: Jobs and History share one tabbed dock (fits 1280×720)
DEFAULT_SIZE = (1480, 940)
EMOTION_SHARE = 0.3  # of the window's width: the pad's dock (project calibration)
SIDE_SHARE = 0.22  # Jobs / History
HORIZONTAL = Qt.Orientation.Horizontal


def _unavailable_page(name: str, reason: str) -> QWidget:
    page = QWidget()
    layout = QVBoxLayout(page)
    title = QLabel(f"{name} is not available")
    title.setObjectName("emotionName")
    text = QLabel(reason)
    text.setWordWrap(True)
    text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    layout.addStretch(1)
    layout.addWidget(title, 0, Qt.AlignmentFlag.AlignHCenter)
    layout.addWidget(text, 0, Qt.AlignmentFlag.AlignHCenter)
    layout.addStretch(2)
    return page


class MainWindow(ArcDocuments):
    def __init__(
        self,
        settings: QSettings,
        registry: Registry | None = None,
        history: History | None = None,
        bridge: JobBridge | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.setWindowTitle("Emotion Studio")
        self.setDockNestingEnabled(True)
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.history_error = ""
        self._fit_on_show = False  # a restored geometry is checked again when shown
        self.arc_error = ""
        self.last_export: tuple[list[Path], list[str]] = ([], [])
        self.export_after: set[str] = set()  # job ids whose result opens the export dialog
        if history is None:
            try:
                history = History()
            except HistoryError as exc:
                self.history_error = str(exc)
        self.history = history
        self.bridge = bridge or JobBridge(history)
        self.registry = registry or Registry()
        self.condition = ConditionModel(self._saved_condition(), self)
        self.condition.changed.connect(self._retitle)
        self._retitle(self.condition.condition)
        self.trajectory = TrajectoryModel(self)
        self.panels: dict[str, GeneratorPanel] = {}
        # Files the forms remember across restarts (portraits used before), one list per
        # field shared by every panel.
        self.recent_files = RecentFiles(settings, self)
        self.specs: dict[str, str] = {}
        self.load_errors: dict[str, str] = {}

        self.emotion_panel = QtEmotionPanel(self.condition, self.trajectory)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.currentChanged.connect(self._tab_changed)
        self.setCentralWidget(self.tabs)
        self.jobs_panel = QtJobsPanel(self.bridge)
        self.jobs_panel.open_result.connect(self._show_job)
        self.history_browser = QtHistoryBrowser(history)
        self.history_browser.reopen.connect(self.reopen)
        self.history_browser.show_entry.connect(self.show_entry)
        self.history_browser.export_entries.connect(self.export_entries)
        self.trajectory_editor = QtTrajectoryEditor(self.trajectory, self.condition)
        self.arc_path: Path | None = None  # the arc document being edited, if saved/opened
        self.theme_actions: dict[str, QAction] = {}  # filled with the View menu
        self.exporter = Exporter(self.bridge, self.specs.get, self.jobs_panel.add, self)
        self.exporter.finished.connect(self._export_done)
        self.bridge.updated.connect(self._on_update)

        self.docks: dict[str, QDockWidget] = {}
        self._dock("emotion", "Emotion", self.emotion_panel, Qt.DockWidgetArea.LeftDockWidgetArea)
        self._dock("jobs", "Jobs", self.jobs_panel, Qt.DockWidgetArea.RightDockWidgetArea)
        self._dock(
            "history", "History", self.history_browser, Qt.DockWidgetArea.RightDockWidgetArea
        )
        self._dock(
            "arc", "Emotional arc", self.trajectory_editor, Qt.DockWidgetArea.BottomDockWidgetArea
        )
        # Jobs and History share the right column as tabs: both stay reachable on a
        # 1280×720 screen, where stacking them hid History's buttons under the arc.
        self.tabifyDockWidget(self.docks["jobs"], self.docks["history"])
        self.docks["history"].raise_()
        self.resizeDocks([self.docks["emotion"]], [400], Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["jobs"]], [320], Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["arc"]], [160], Qt.Orientation.Vertical)
        self._load_generators()
        build_menus(self)
        self.statusBar().showMessage(
            self.history_error or "Ready", 0 if self.history_error else 4000
        )
        self._restore()
        self.history_browser.refresh()

    # -- construction ---------------------------------------------------------------------
    def _dock(self, key: str, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> None:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{key}")
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.addDockWidget(area, dock)
        self.docks[key] = dock

    def _load_generators(self) -> None:
        generators: dict[str, AnyGenerator] = {}
        for name in self.registry.names():
            try:
                generators[name] = self.registry.get(name)
                self.specs[name] = self.registry.entry_point(name).value
            except Exception as exc:  # a broken plugin: listed with its reason, never a crash
                self.load_errors[name] = f"{type(exc).__name__}: {exc}"
        for err in self.registry.errors:
            self.load_errors.setdefault(err.name, err.message)
        # Panel order is the plugins' own declaration (``Generator.order``), then the id.
        names = sorted(generators, key=lambda n: (generators[n].order, n))
        for name in names:
            gen = generators[name]
            panel = GeneratorPanel(
                gen,
                self.specs[name],
                self.condition,
                self.trajectory,
                self.bridge,
                recent=self.recent_files,
            )
            panel.job_submitted.connect(self.jobs_panel.add)
            panel.export_requested.connect(self.export_panel_result)
            self.history_browser.entries_deleted.connect(panel.forget_entries)
            self.history_browser.entries_restored.connect(panel.restore_entries)
            self.panels[name] = panel
            self.tabs.addTab(panel, gen.display_name)
        for name, reason in sorted(self.load_errors.items()):
            index = self.tabs.addTab(_unavailable_page(name, reason), f"{name} (unavailable)")
            self.tabs.setTabToolTip(index, reason)
        if not self.tabs.count():
            self.tabs.addTab(
                _unavailable_page("No generator", "No generator plugins are installed."), "—"
            )
        self.history_browser.set_generators([(n, generators[n].display_name) for n in names])

    def warm_up(self, step_ms: int = 40) -> None:
        """Build each panel's viewers (QtMultimedia, MIDI and audio readers) in small idle
        steps after the window is up, so the first result does not stall the event loop."""
        from studio.ui.previews import kind_of

        steps: list[Any] = []
        for panel in self.panels.values():
            kinds = {kind_of(Path(f"x{ext}")) for ext in panel.generator.extensions}
            for kind in sorted(kinds - {"other"}):
                steps.append(lambda p=panel, k=kind: p.preview_stack.viewer(k))
        steps.append(lambda: __import__("mido"))
        steps.append(lambda: __import__("soundfile"))

        def run_next() -> None:
            if steps and not self.bridge.closed:
                steps.pop(0)()
                QTimer.singleShot(step_ms, run_next)

        QTimer.singleShot(step_ms, run_next)

    def _retitle(self, condition: Condition, _source: str = "") -> None:
        self.setWindowTitle(f"{self.condition.headline} — Emotion Studio")

    # -- persistence ----------------------------------------------------------------------
    def _saved_condition(self) -> Condition:
        raw = self.settings.value("condition")
        if isinstance(raw, str) and raw:
            try:
                return Condition.from_json(raw)
            except ValueError:
                log.warning("ignoring an unreadable saved condition")
        return Condition.neutral()  # the first start opens on neutral

    def _restore(self) -> None:
        s = self.settings
        name = str(s.value("theme", "dark"))
        self.set_theme(name if name in theme.THEMES else "dark")
        geometry = s.value("geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
            self.fit_to_screen()  # saved on another screen, perhaps a bigger one
            self._fit_on_show = True  # again once the frame's size is known
        else:
            self.resize(*self._first_size())
        state = s.value("windowState")
        if isinstance(state, QByteArray):
            self.restoreState(state, LAYOUT_VERSION)
        # The arc before the panels: "Follow the emotional arc" is restored only where
        # there is an arc to follow.
        raw_arc = s.value("arc")
        if isinstance(raw_arc, str) and raw_arc:
            with contextlib.suppress(ValueError, TypeError):
                self.trajectory.restore(json.loads(raw_arc))
        path = s.value("arc/path")
        self.arc_path = Path(path) if isinstance(path, str) and path else None
        for gid, panel in self.panels.items():
            raw = s.value(f"panels/{gid}")
            if isinstance(raw, str):
                with contextlib.suppress(ValueError, TypeError):
                    panel.restore(json.loads(raw))
        tab = s.value("tab")
        if isinstance(tab, str) and tab in self.panels:
            self.tabs.setCurrentWidget(self.panels[tab])
        self._tab_changed(self.tabs.currentIndex())

    def save_settings(self) -> None:
        s = self.settings
        s.setValue("geometry", self.saveGeometry())
        s.setValue("windowState", self.saveState(LAYOUT_VERSION))
        s.setValue("condition", self.condition.condition.to_json())
        s.setValue("theme", theme.current().name)
        s.setValue("arc", json.dumps(self.trajectory.state()))
        s.setValue("arc/path", str(self.arc_path) if self.arc_path else "")
        for gid, panel in self.panels.items():
            try:
                s.setValue(f"panels/{gid}", json.dumps(panel.state(), default=str))
            except (TypeError, ValueError) as exc:  # e.g. a circular value: skip, don't fail
                log.warning("not remembering the %s panel: %s", gid, exc)
        current = self.current_panel()
        if current is not None:
            s.setValue("tab", current.generator.id)
        s.sync()

    def _first_size(self) -> tuple[int, int]:
        """The first start's size: roomy, but never larger than the screen's free area."""
        screen = self.screen() or QApplication.primaryScreen()
        if screen is None:
            return DEFAULT_SIZE
        free = screen.availableGeometry()
        return min(DEFAULT_SIZE[0], free.width()), min(DEFAULT_SIZE[1], free.height())

    def fit_to_screen(self) -> None:
        """Keep the whole window, frame included, on the screen's free area: a size or
        place saved on a bigger (or another) screen is shrunk and moved onto this one."""
        if self.isMaximized() or self.isFullScreen():
            return
        screen = self.screen() or QApplication.primaryScreen()
        if screen is None:
            return
        free = screen.availableGeometry()
        frame, inner = self.frameGeometry(), self.geometry()
        extra_w = frame.width() - inner.width()
        extra_h = frame.height() - inner.height()
        width = min(inner.width(), free.width() - extra_w)
        height = min(inner.height(), free.height() - extra_h)
        x = max(free.left(), min(frame.x(), free.right() + 1 - width - extra_w))
        y = max(free.top(), min(frame.y(), free.bottom() + 1 - height - extra_h))
        if (width, height) != (inner.width(), inner.height()):
            self.resize(width, height)
        if (x, y) != (frame.x(), frame.y()):
            self.move(x, y)  # move() places the frame's corner

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._fit_on_show:  # the frame's size is known once the window is shown
            self._fit_on_show = False
            QTimer.singleShot(0, self.fit_to_screen)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """The pad is the hero: the emotion dock takes a share of the width, so the pad
        grows with the window (the generator form scrolls instead)."""
        super().resizeEvent(event)
        if event.size().width() == event.oldSize().width():
            return
        width = event.size().width()
        emotion, side = self.docks["emotion"], self.docks["history"]
        area = Qt.DockWidgetArea
        if not emotion.isFloating() and self.dockWidgetArea(emotion) == area.LeftDockWidgetArea:
            self.resizeDocks([emotion], [max(300, round(width * EMOTION_SHARE))], HORIZONTAL)
        if not side.isFloating() and self.dockWidgetArea(side) == area.RightDockWidgetArea:
            share = max(280, min(420, round(width * SIDE_SHARE)))
            self.resizeDocks([side], [share], HORIZONTAL)

    def unfinished_jobs(self) -> list[Job]:
        """Generations (kept ones, not previews) that quitting now would lose."""
        return [
            p.current_job for p in self.panels.values() if p.current_job and not p.current_job.done
        ]

    def confirm_quit(self) -> bool:
        """Asks before quitting while a generation runs; True to quit."""
        if not self.unfinished_jobs() or not self.isVisible():  # nobody to ask (a script)
            return True
        box = self.quit_box()
        try:
            box.exec()
            return box.clickedButton() is box.button(QMessageBox.StandardButton.Yes)
        finally:
            box.deleteLater()

    def quit_box(self) -> QMessageBox:
        """The quit question; its text follows the jobs while it is open (a job that
        finishes behind it is no longer "lost")."""
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Quit Emotion Studio",
            self._quit_text(),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setDefaultButton(QMessageBox.StandardButton.No)

        def follow(_update: JobUpdate) -> None:
            try:
                box.setText(self._quit_text())
            except RuntimeError:  # the box is gone (answered): stop following
                self.bridge.updated.disconnect(follow)

        self.bridge.updated.connect(follow)
        return box

    def _quit_text(self) -> str:
        n = len(self.unfinished_jobs())
        if not n:
            return "Every generation has finished and is kept. Quit now?"
        return (
            f"{n} generation{'s are' if n > 1 else ' is'} still running and will be lost. "
            "Quit anyway?"
        )

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.bridge.closed and not self.confirm_quit():
            event.ignore()
            return
        try:
            self.save_settings()
        except Exception:  # settings are a convenience; the workers must stop regardless
            log.exception("could not save the window settings")
        finally:
            for panel in self.panels.values():
                panel.preview_stack.stop()
            self.history_browser.thumbs.wait()
            self.history_browser.purge()
            self.bridge.close()
            if self.history is not None:
                self.history.close()
        event.accept()

    # -- behaviour ------------------------------------------------------------------------
    def set_theme(self, name: str) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme.apply(app, name)
        for key, action in getattr(self, "theme_actions", {}).items():
            action.setChecked(key == name)
        self.update()
        for w in self.findChildren(QWidget):
            w.update()

    def current_panel(self) -> GeneratorPanel | None:
        widget = self.tabs.currentWidget()
        return widget if isinstance(widget, GeneratorPanel) else None

    def _tab_changed(self, index: int) -> None:
        current = self.current_panel()
        for panel in self.panels.values():
            panel.active = panel is current

    def generate_current(self) -> Job | None:
        panel = self.current_panel()
        return panel.generate() if panel is not None else None

    def _on_update(self, update: JobUpdate) -> None:
        if update.entry is not None:
            self.history_browser.add_entry(update.entry)
        if update.event.is_final and update.job.id in self.export_after:
            self.export_after.discard(update.job.id)
            if update.entry is not None:  # deferred: the dialog must not nest in this slot
                entry = update.entry
                QTimer.singleShot(0, lambda: self.export_entries([entry]))
        if update.warning:
            self.statusBar().showMessage(update.warning, 10000)
        if update.event.kind is EventKind.FAILED:
            self.statusBar().showMessage(
                f"{update.job.request.generator}: {update.event.error}", 10000
            )

    def _show_job(self, job: Job) -> None:
        panel = self.panels.get(job.request.generator)
        if panel is not None and job.result is not None:
            self.tabs.setCurrentWidget(panel)
            panel.show_result(job.result.path, job)

    def show_entry(self, entry: Entry) -> None:
        panel = self.panels.get(entry.generator)
        if panel is not None and entry.path is not None:
            self.tabs.setCurrentWidget(panel)
            panel.show_result(entry.path, None, entry.id, note="from the history", name=entry.name)

    def reopen(self, entry: Entry) -> None:
        """Put a past generation's emotion and options back, and show its result."""
        arc = entry.trajectory()
        if arc is not None:
            self.trajectory.load(arc)
            self.condition.set_condition(arc.keyframes[0].condition, source="history")
        else:
            self.condition.set_condition(entry.condition(), source="history")
        panel = self.panels.get(entry.generator)
        if panel is not None:
            data: dict[str, Any] = dict(entry.request or {})
            data.setdefault("params", entry.params)
            data.setdefault("seed", entry.seed)
            data.setdefault("backend", entry.backend)
            if entry.path is not None:
                data.setdefault("output", str(entry.path))
            panel.load_request(data)
        self.show_entry(entry)
        self.statusBar().showMessage(f"Re-opened {entry.name}", 4000)

    # -- export ---------------------------------------------------------------------------
    def export_entries(self, entries: list[Entry], dialog: ExportDialog | None = None) -> bool:
        if not entries:
            return False
        gens = {e.generator for e in entries}
        exts = (
            list(self.panels[next(iter(gens))].generator.extensions)
            if len(gens) == 1 and next(iter(gens)) in self.panels
            else []
        )
        made = dialog is None
        dialog = dialog or ExportDialog(entries, exts, self.settings, self)
        try:
            if dialog.exec() != ExportDialog.DialogCode.Accepted:
                return False
            plan = dialog.plan()
        finally:
            if made:  # a child of the window: kept until it closes unless deleted
                dialog.deleteLater()
        self.exporter.run(plan, entries)
        return True

    def export_panel_result(self, panel: GeneratorPanel) -> None:
        if panel.last_entry_id is not None and self.history is not None:
            try:
                self.export_entries([self.history.get(panel.last_entry_id)])
                return
            except (KeyError, HistoryError):
                pass
        artifact = panel.last_artifact
        if artifact is None:
            return
        if panel.shows_a_draft():
            self._export_full_clip(panel)
            return
        suggested = str(
            Path(str(self.settings.value("export/folder", Path.home()))) / artifact.path.name
        )
        target, _ = QFileDialog.getSaveFileName(self, "Export clip", suggested)
        if target:
            try:
                export_file(artifact.path, Path(target), embedded_payload(artifact), overwrite=True)
                self.statusBar().showMessage(f"Exported {target}", 6000)
            except (OSError, ValueError) as exc:
                QMessageBox.warning(self, "Export failed", str(exc))

    def _export_full_clip(self, panel: GeneratorPanel) -> None:
        """The preview on screen is a draft: the clip is made as Generate makes it (kept
        in the history), and the export dialog opens when it is ready."""
        try:
            twin = panel.kept_twin(panel.build_request())
        except (ValueError, OSError, HistoryError):
            twin = None
        if twin is not None and self.history is not None:
            with contextlib.suppress(KeyError, HistoryError):
                self.export_entries([self.history.get(twin)])
                return
        job = panel.generate()
        if job is None:
            return
        self.export_after.add(job.id)
        self.statusBar().showMessage(
            "Making the full-quality clip (the preview is a draft); export opens when done", 8000
        )

    def _export_current(self) -> None:
        chosen = self.history_browser.selected_entries()
        if chosen:
            self.export_entries(chosen)
        elif (panel := self.current_panel()) is not None and panel.last_path is not None:
            self.export_panel_result(panel)

    def _export_done(self, paths: list[Path], errors: list[str]) -> None:
        self.last_export = (paths, errors)
        if errors:  # non-modal: the window stays usable while the artist reads it
            box = QMessageBox(
                QMessageBox.Icon.Warning,
                "Export",
                "Some files were not exported:\n" + "\n".join(errors),
                QMessageBox.StandardButton.Ok,
                self,
            )
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # one per export
            box.open()
        if paths:
            self.statusBar().showMessage(
                f"Exported {len(paths)} file{'s' if len(paths) != 1 else ''} to {paths[0].parent}",
                8000,
            )
