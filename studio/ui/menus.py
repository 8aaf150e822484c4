"""The window's menu bar, built from the window's own actions."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu, QMenuBar, QMessageBox

from studio import __version__

if TYPE_CHECKING:
    from studio.ui.emotion_panel import QtEmotionPanel
    from studio.ui.history_browser import QtHistoryBrowser
    from studio.ui.jobs_panel import QtJobsPanel
    from studio.ui.trajectory_editor import QtTrajectoryEditor


class MenuHost(Protocol):
    """What the menus reach in the window (the main window; named here, not imported, so
    the window and its menus do not import each other)."""

    arc_path: Path | None
    recent_menu: QMenu
    theme_actions: dict[str, QAction]
    docks: dict[str, QDockWidget]
    emotion_panel: QtEmotionPanel
    history_browser: QtHistoryBrowser
    jobs_panel: QtJobsPanel
    trajectory_editor: QtTrajectoryEditor

    def menuBar(self) -> QMenuBar: ...
    def close(self) -> bool: ...
    def generate_current(self) -> Any: ...
    def _export_current(self) -> None: ...
    def _fill_recent(self) -> None: ...
    def open_arc(self, path: Path | None = None) -> bool: ...
    def save_arc(self, path: Path | None = None) -> bool: ...
    def set_theme(self, name: str) -> None: ...


def about_text() -> str:
    """The About box: what the studio does and which version this is (for bug reports)."""
    return (
        f"Emotion Studio {__version__}\n\n"
        "Pick an emotion on the pad or the wheel and generate images, voice, a talking "
        "head and music that carry it. Every file keeps the emotion that made it."
    )


def build_menus(host: MenuHost) -> None:
    """File (generate, export, arcs, cancel, quit), View (docks, theme), Go (focus keys),
    Help (About)."""
    parent = cast(QMainWindow, host)  # the actions' parent
    bar = host.menuBar()
    file_menu = bar.addMenu("&File")
    gen = QAction("&Generate", parent)
    gen.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
    gen.triggered.connect(host.generate_current)
    file_menu.addAction(gen)
    export = QAction("&Export clip…", parent)
    export.setShortcut(QKeySequence("Ctrl+E"))
    export.triggered.connect(host._export_current)
    file_menu.addAction(export)
    file_menu.addSeparator()
    open_arc = QAction("&Open arc…", parent)
    open_arc.setShortcut(QKeySequence.StandardKey.Open)
    open_arc.triggered.connect(lambda: host.open_arc())
    file_menu.addAction(open_arc)
    host.recent_menu = file_menu.addMenu("Recent arcs")
    host._fill_recent()
    save_arc = QAction("&Save arc", parent)
    save_arc.setShortcut(QKeySequence.StandardKey.Save)
    save_arc.triggered.connect(lambda: host.save_arc(host.arc_path))
    file_menu.addAction(save_arc)
    save_as = QAction("Save arc &as…", parent)
    save_as.setShortcut(QKeySequence("Ctrl+Shift+S"))
    save_as.triggered.connect(lambda: host.save_arc())
    file_menu.addAction(save_as)
    file_menu.addSeparator()
    cancel = QAction("&Cancel all jobs", parent)
    cancel.setShortcut(QKeySequence("Ctrl+."))
    cancel.triggered.connect(host.jobs_panel.cancel_everything)
    file_menu.addAction(cancel)
    file_menu.addSeparator()
    quit_action = QAction("&Quit", parent)
    quit_action.setShortcut(QKeySequence.StandardKey.Quit)
    quit_action.triggered.connect(host.close)
    file_menu.addAction(quit_action)
    view = bar.addMenu("&View")
    for dock in host.docks.values():
        view.addAction(dock.toggleViewAction())
    view.addSeparator()
    host.theme_actions = {}
    for name in ("dark", "light"):
        action = QAction(f"{name.capitalize()} theme", parent, checkable=True)
        action.triggered.connect(lambda _=False, n=name: host.set_theme(n))
        view.addAction(action)
        host.theme_actions[name] = action
    focus = bar.addMenu("&Go")
    for text, key, target in (
        ("Pad", "Ctrl+1", host.emotion_panel.pad),
        ("Wheel", "Ctrl+2", host.emotion_panel.wheel),
        ("Emotion word", "Ctrl+L", host.emotion_panel.word_box),
        ("History filter", "Ctrl+F", host.history_browser.search),
        ("Timeline", "Ctrl+3", host.trajectory_editor.timeline),
    ):
        action = QAction(text, parent)
        action.setShortcut(QKeySequence(key))
        action.triggered.connect(
            lambda _=False, w=target: w.setFocus(Qt.FocusReason.ShortcutFocusReason)
        )
        focus.addAction(action)
    add_kf = QAction("Add keyframe", parent)
    add_kf.setShortcut(QKeySequence("Ctrl+K"))
    add_kf.triggered.connect(host.trajectory_editor.add_keyframe)
    focus.addAction(add_kf)
    help_menu = bar.addMenu("&Help")
    about = QAction("About Emotion Studio", parent)
    about.triggered.connect(lambda: QMessageBox.about(parent, "Emotion Studio", about_text()))
    help_menu.addAction(about)
