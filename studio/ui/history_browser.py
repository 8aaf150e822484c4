"""The history browser: past generations with thumbnails, filtered by emotion and
generator; re-open a past condition, show, export, delete.

Delete asks first and can be undone: the rows go at once, their files stay until the
window closes (Undo records them again), so a stray Delete is never final."""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QIcon, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.library.history import Entry, History, HistoryError
from studio.plugins.contract import Artifact
from studio.ui import theme
from studio.ui.export_dialog import entry_title
from studio.ui.qt_util import combo_data
from studio.ui.thumbnails import SIZE, SWATCH, ThumbnailLoader, colour_of

log = logging.getLogger(__name__)
PAGE = 200  # newest entries listed; the filter narrows the rest


class QtHistoryBrowser(QWidget):
    reopen = Signal(object)  # Entry: put its condition (and options) back
    show_entry = Signal(object)  # Entry: show it in its panel's preview
    export_entries = Signal(list)  # [Entry]
    entries_deleted = Signal(list)  # [int]: ids of the rows just deleted
    entries_restored = Signal(object)  # {old id: new id}: Undo delete recorded them again

    def __init__(self, history: History | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.history = history
        self.thumbs = ThumbnailLoader(self)
        self.thumbs.ready.connect(self._set_icon)
        self.items: dict[int, QListWidgetItem] = {}
        self.deleted: list[list[Entry]] = []  # Undo takes back the last batch first
        self._theme = theme.current().name  # thumbnails are painted on the theme's background
        self.search = QLineEdit()
        self.search.setPlaceholderText("Emotion…")  # the dock is narrow; the tooltip says more
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Filter by emotion")
        self.search.setToolTip(
            "Show only generations whose emotion matches this word, "
            "e.g. joy, love, melancholy (Ctrl+F)"
        )
        self.generator = QComboBox()
        self.generator.addItem("All generators", "")
        self.generator.setToolTip("Show one generator's results")
        self._refilter = QTimer(self)
        self._refilter.setSingleShot(True)
        self._refilter.setInterval(150)
        self._refilter.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _: self._refilter.start())
        self.generator.currentIndexChanged.connect(lambda _: self.refresh())
        self.list = QListWidget()
        self.list.setAccessibleName("History")
        self.list.setIconSize(SIZE)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.setUniformItemSizes(True)
        self.list.setSpacing(2)
        self.list.itemDoubleClicked.connect(lambda item: self.show_entry.emit(self.entry_of(item)))
        self.list.itemSelectionChanged.connect(self._selection)
        self.status = QLabel()
        self.status.setObjectName("hint")
        self.status.setWordWrap(True)
        self.reopen_button = QPushButton("Re-open")
        self.reopen_button.setToolTip("Put this emotion and its options back (Enter)")
        self.reopen_button.clicked.connect(self._reopen)
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip(
            "Copy the selected files out with their emotion embedded (Ctrl+E)"
        )
        self.export_button.clicked.connect(
            lambda: self.export_entries.emit(self.selected_entries())
        )
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("Remove from the history and delete its files (Del)")
        self.delete_button.clicked.connect(lambda: self.delete_selected())
        self.undo_button = QPushButton("Undo delete")
        self.undo_button.setToolTip("Bring back the generations deleted last (Ctrl+Z)")
        self.undo_button.clicked.connect(self.undo_delete)
        self.undo_button.hide()
        filters = QHBoxLayout()
        filters.addWidget(self.search, 1)
        filters.addWidget(self.generator)
        buttons = QHBoxLayout()
        buttons.addWidget(self.reopen_button)
        buttons.addWidget(self.export_button)
        buttons.addStretch(1)
        buttons.addWidget(self.delete_button)
        # Undo sits beside the wrapping status line, not in the button row: showing it
        # must not make the dock wider (which squeezed the pad and the form).
        status_row = QHBoxLayout()
        status_row.addWidget(self.status, 1)
        status_row.addWidget(self.undo_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(filters)
        layout.addWidget(self.list, 1)
        layout.addLayout(status_row)
        layout.addLayout(buttons)
        self._selection()

    def set_generators(self, names: list[tuple[str, str]]) -> None:
        for gid, label in names:
            self.generator.addItem(label, gid)

    # -- content ---------------------------------------------------------------------------
    def refresh(self) -> None:
        self.list.clear()
        self.items.clear()
        if self.history is None:
            self.status.setText("The history is unavailable; results are not being kept.")
            return
        name = self.search.text().strip() or None
        gen = combo_data(self.generator) or None
        try:
            entries = self.history.list(PAGE, generator=gen, name=name)
            total = self.history.count(generator=gen, name=name)
        except HistoryError as exc:
            self.status.setText(str(exc))
            return
        for entry in entries:
            self._add(entry, at_top=False)
        self._count(len(entries), total)

    def _count(self, shown: int, total: int) -> None:
        part = f"{shown} of {total}" if total > shown else str(total)
        self.status.setText(f"{part} generation{'s' if total != 1 else ''}")

    def _recount(self) -> None:
        """The count line after rows came or went (it must never describe a stale list)."""
        if self.history is None:
            return
        name = self.search.text().strip() or None
        gen = combo_data(self.generator) or None
        try:
            total = self.history.count(generator=gen, name=name)
        except HistoryError as exc:
            self.status.setText(str(exc))
            return
        self._count(self.list.count(), max(total, self.list.count()))

    def add_entry(self, entry: Entry) -> None:
        """A new generation was recorded: show it first (if it passes the filter)."""
        name = self.search.text().strip().casefold()
        gen = combo_data(self.generator) or None
        if (gen and entry.generator != gen) or (name and name not in entry.name.casefold()):
            return
        self._add(entry, at_top=True)
        self._recount()

    def _add(self, entry: Entry, at_top: bool) -> None:
        when = entry.created_at.astimezone().strftime("%d %b %H:%M")
        item = QListWidgetItem(f"{entry_title(entry)}\n{entry.generator} · {when}")
        item.setData(Qt.ItemDataRole.UserRole, entry)
        item.setToolTip(
            f"{entry_title(entry)} ({entry.name})\n"
            f"valence {entry.valence:+.2f}, arousal {entry.arousal:+.2f}, "
            f"dominance {entry.dominance:+.2f}, intensity {entry.intensity:.2f}\n"
            f"{entry.generator} ({entry.backend}), seed {entry.seed}\n{entry.path}"
        )
        item.setIcon(self._icon(entry))
        item.setSizeHint(QSize(200, SIZE.height() + 8))
        if at_top:
            self.list.insertItem(0, item)
        else:
            self.list.addItem(item)
        self.items[entry.id] = item

    def _icon(self, entry: Entry) -> QIcon:
        mixture = (
            entry.metadata.get("condition", {}).get("mixture", {})
            if entry.state_kind == "condition"
            else {}
        )
        return self.thumbs.icon_for(entry.id, entry.path, colour_of(mixture))

    def changeEvent(self, event: QEvent) -> None:
        # A theme switch installs a new palette: redraw thumbnails on the new background.
        if event.type() == QEvent.Type.PaletteChange and theme.current().name != self._theme:
            self._theme = theme.current().name
            for key, item in self.items.items():
                icon = self._icon(self.entry_of(item))
                if self.thumbs.kinds.get(key) != SWATCH:  # else keep the old one until ready
                    item.setIcon(icon)
        super().changeEvent(event)

    def _set_icon(self, key: int, icon: QIcon) -> None:
        item = self.items.get(key)
        if item is not None:
            item.setIcon(icon)

    @staticmethod
    def entry_of(item: QListWidgetItem) -> Entry:
        entry: Entry = item.data(Qt.ItemDataRole.UserRole)
        return entry

    def selected_entries(self) -> list[Entry]:
        return [self.entry_of(i) for i in self.list.selectedItems()]

    def _selection(self) -> None:
        n = len(self.list.selectedItems())
        self.reopen_button.setEnabled(n == 1)
        self.export_button.setEnabled(n >= 1)
        self.delete_button.setEnabled(n >= 1)

    def _reopen(self) -> None:
        chosen = self.selected_entries()
        if len(chosen) == 1:
            self.reopen.emit(chosen[0])

    def delete_selected(self, confirm: bool = True) -> int:
        """Remove the selected rows (asked first); their files wait for Undo until the
        window closes. Returns how many were removed."""
        chosen = self.selected_entries()
        if not chosen or self.history is None:
            return 0
        if confirm:
            n = len(chosen)
            answer = QMessageBox.question(
                self,
                "Delete generations",
                f"Delete {n} generation{'s' if n > 1 else ''} from the history? "
                "Undo delete (Ctrl+Z) brings them back until you quit; then their files go.",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return 0
        gone: list[Entry] = []
        problem = ""
        for entry in chosen:
            try:
                gone.append(self.history.delete(entry.id, delete_files=False))
            except (KeyError, HistoryError) as exc:
                problem = f"Could not delete: {exc}"
            item = self.items.pop(entry.id, None)
            if item is not None:
                self.list.takeItem(self.list.row(item))
        if gone:
            self.deleted.append(gone)
            self.entries_deleted.emit([e.id for e in gone])
        self._recount()
        if problem:
            self.status.setText(problem)
        elif gone:
            n = len(gone)
            self.status.setText(f"{self.status.text()} · deleted {n} (Undo delete brings back)")
        self.undo_button.setVisible(bool(self.deleted))
        return len(gone)

    def undo_delete(self) -> int:
        """Put the last deleted batch back as it was: the same rows (ids, times, place in
        the list), files and state."""
        if not self.deleted or self.history is None:
            return 0
        batch = self.deleted.pop()
        back: dict[int, int] = {}
        for entry in reversed(batch):
            if not all(f.exists() for f in entry.files):
                continue  # removed behind the window: nothing to bring back
            try:
                back[entry.id] = self._bring_back(entry)
            except (HistoryError, ValueError) as exc:
                self.status.setText(f"Could not bring back {entry.name}: {exc}")
        self.refresh()
        self.undo_button.setVisible(bool(self.deleted))
        if back:
            self.entries_restored.emit(back)
        return len(back)

    def _bring_back(self, entry: Entry) -> int:
        """The row as it was; recorded anew only if its id is somehow taken."""
        assert self.history is not None
        try:
            return self.history.restore(entry).id
        except HistoryError:
            artifact = Artifact(files=entry.files, metadata=entry.metadata)
            return self.history.record(artifact, request_dict=entry.request).id

    def purge(self) -> None:
        """The window closes: the files of deleted generations go now."""
        for batch in self.deleted:
            for entry in batch:
                for path in entry.files:
                    try:
                        path.unlink(missing_ok=True)
                    except OSError:
                        log.warning("could not delete %s", path)
        self.deleted.clear()

    def keyPressEvent(self, event: object) -> None:  # type: ignore[override,unused-ignore]
        key = event.key()  # type: ignore[attr-defined]
        if key == Qt.Key.Key_Delete:
            self.delete_selected()
        elif event.matches(QKeySequence.StandardKey.Undo):  # type: ignore[attr-defined]
            self.undo_delete()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._reopen()
        else:
            super().keyPressEvent(event)  # type: ignore[arg-type]
