"""The window's menu bar, built from the window's own actions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMessageBox

from studio import __version__

if TYPE_CHECKING:
    from studio.ui.main_window import MainWindow


def about_text() -> str:
    """The About box: what the studio does and which version this is (for bug reports)."""
    return (
        f"Emotion Studio {__version__}\n\n"
        "Pick an emotion on the pad or the wheel and generate images, voice, a talking "
        "head and music that carry it. Every file keeps the emotion that made it."
    )


def build_menus(self: MainWindow) -> None:
    """File (generate, export, arcs, cancel, quit), View (docks, theme), Go (focus keys),
    Help (About)."""
    bar = self.menuBar()
    file_menu = bar.addMenu("&File")
    gen = QAction("&Generate", self)
    gen.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
    gen.triggered.connect(self.generate_current)
    file_menu.addAction(gen)
    export = QAction("&Export clip…", self)
    export.setShortcut(QKeySequence("Ctrl+E"))
    export.triggered.connect(self._export_current)
    file_menu.addAction(export)
    file_menu.addSeparator()
    open_arc = QAction("&Open arc…", self)
    open_arc.setShortcut(QKeySequence.StandardKey.Open)
    open_arc.triggered.connect(lambda: self.open_arc())
    file_menu.addAction(open_arc)
    self.recent_menu = file_menu.addMenu("Recent arcs")
    self._fill_recent()
    save_arc = QAction("&Save arc", self)
    save_arc.setShortcut(QKeySequence.StandardKey.Save)
    save_arc.triggered.connect(lambda: self.save_arc(self.arc_path))
    file_menu.addAction(save_arc)
    save_as = QAction("Save arc &as…", self)
    save_as.setShortcut(QKeySequence("Ctrl+Shift+S"))
    save_as.triggered.connect(lambda: self.save_arc())
    file_menu.addAction(save_as)
    file_menu.addSeparator()
    cancel = QAction("&Cancel all jobs", self)
    cancel.setShortcut(QKeySequence("Ctrl+."))
    cancel.triggered.connect(self.jobs_panel.cancel_everything)
    file_menu.addAction(cancel)
    file_menu.addSeparator()
    quit_action = QAction("&Quit", self)
    quit_action.setShortcut(QKeySequence.StandardKey.Quit)
    quit_action.triggered.connect(self.close)
    file_menu.addAction(quit_action)
    view = bar.addMenu("&View")
    for dock in self.docks.values():
        view.addAction(dock.toggleViewAction())
    view.addSeparator()
    self.theme_actions = {}
    for name in ("dark", "light"):
        action = QAction(f"{name.capitalize()} theme", self, checkable=True)
        action.triggered.connect(lambda _=False, n=name: self.set_theme(n))
        view.addAction(action)
        self.theme_actions[name] = action
    focus = bar.addMenu("&Go")
    for text, key, target in (
        ("Pad", "Ctrl+1", self.emotion_panel.pad),
        ("Wheel", "Ctrl+2", self.emotion_panel.wheel),
        ("Emotion word", "Ctrl+L", self.emotion_panel.word_box),
        ("History filter", "Ctrl+F", self.history_browser.search),
        ("Timeline", "Ctrl+3", self.trajectory_editor.timeline),
    ):
        action = QAction(text, self)
        action.setShortcut(QKeySequence(key))
        action.triggered.connect(
            lambda _=False, w=target: w.setFocus(Qt.FocusReason.ShortcutFocusReason)
        )
        focus.addAction(action)
    add_kf = QAction("Add keyframe", self)
    add_kf.setShortcut(QKeySequence("Ctrl+K"))
    add_kf.triggered.connect(self.trajectory_editor.add_keyframe)
    focus.addAction(add_kf)
    help_menu = bar.addMenu("&Help")
    about = QAction("About Emotion Studio", self)
    about.triggered.connect(lambda: QMessageBox.about(self, "Emotion Studio", about_text()))
    help_menu.addAction(about)
