"""One menu for a choice field and the file that may stand in for it (``Role.CHOICE_FILE``):
the plugin's own choices, the files used before (each with a thumbnail of its picture,
remembered across restarts) and "Use a … file", which asks for a file, has the generator
check it off the UI thread, then adds and selects it.

A remembered file that has gone missing is left out quietly. Nothing here knows which
generator or field it serves: the form hands it the names, the choices and the check.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from PySide6.QtCore import (
    QBuffer,
    QIODevice,
    QObject,
    QRunnable,
    QSize,
    Qt,
    QThreadPool,
    QTimer,
    Signal,
)
from PySide6.QtGui import QIcon, QImage, QImageReader, QPixmap
from PySide6.QtWidgets import QComboBox, QFileDialog, QLabel, QVBoxLayout, QWidget

log = logging.getLogger(__name__)

KEEP: Final = 8  # files remembered per field, newest first
THUMB: Final = 64  # stored thumbnail side in pixels (shown at ICON)
ICON: Final = QSize(24, 24)  # in the closed menu, beside the name
LIST_ICON: Final = QSize(40, 40)  # in the open list: big enough to tell faces apart
MAX_PIXELS_MB: Final = 256  # QImageReader's allocation cap for a thumbnail's decode
# Item data of the menu's own entries (never None: see params_form.AUTO_DATA).
USE_DATA: Final = "\x00use-file"
FILE_PREFIX: Final = "\x00file:"


def thumbnail(path: Path, side: int = THUMB) -> QImage:
    """The picture's centre square at ``side`` pixels, decoded scaled (JPEG decodes at a
    fraction of its size) under an allocation cap; a null image when it cannot be read.
    Safe on any thread (QImage only)."""
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)
    reader.setAllocationLimit(MAX_PIXELS_MB)
    size = reader.size()
    if size.isValid() and size.width() > 0 and size.height() > 0:
        k = side / min(size.width(), size.height())
        if k < 1:
            reader.setScaledSize(QSize(round(size.width() * k), round(size.height() * k)))
    image = reader.read()
    if image.isNull():
        return image
    short = min(image.width(), image.height())
    square = image.copy((image.width() - short) // 2, (image.height() - short) // 2, short, short)
    return square.scaled(
        side,
        side,
        Qt.AspectRatioMode.IgnoreAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def _png(image: QImage) -> str:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]  # the stub says bytes; str works
    return base64.b64encode(bytes(buffer.data().data())).decode("ascii")


@dataclass(frozen=True)
class Remembered:
    """A file used before: its path and its thumbnail (a null image when unreadable)."""

    path: Path
    image: QImage


class RecentFiles(QObject):
    """Files picked for a field, newest first, shared by every form of the window and kept
    in the settings (``choice-files/FIELD``: path, file stamp, PNG thumbnail). ``changed``
    carries the field whose list changed."""

    changed = Signal(str)

    def __init__(self, settings: Any = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings  # a QSettings, or None: remembered for this run only
        self._memory: dict[str, list[dict[str, Any]]] = {}

    def _stored(self, field: str) -> list[dict[str, Any]]:
        if self.settings is None:
            return list(self._memory.get(field, []))
        raw = self.settings.value(f"choice-files/{field}")
        try:
            data = json.loads(raw) if isinstance(raw, str) else []
        except ValueError:
            return []  # a damaged settings file: start a new list
        if not isinstance(data, list):
            return []
        rows = [d for d in data if isinstance(d, dict) and isinstance(d.get("path"), str)]
        return rows[:KEEP]  # a hand-edited list is read no further than the studio keeps

    def _store(self, field: str, rows: list[dict[str, Any]]) -> None:
        if self.settings is None:
            self._memory[field] = rows
        else:
            self.settings.setValue(f"choice-files/{field}", json.dumps(rows))

    def files(self, field: str) -> list[Remembered]:
        """The remembered files that still exist (a missing or moved one is left out)."""
        out = []
        for row in self._stored(field):
            path = Path(row["path"])
            stamp = _stamp(path)
            if stamp is None or not path.is_file():
                continue
            image = QImage()
            if row.get("stamp") == list(stamp) and isinstance(row.get("png"), str):
                try:
                    image.loadFromData(base64.b64decode(row["png"]), "PNG")
                except ValueError:
                    image = QImage()
            if image.isNull():  # changed since, or never stored: read it again
                image = thumbnail(path)
            out.append(Remembered(path, image))
        return out

    def add(self, field: str, path: Path, image: QImage | None = None) -> None:
        """Remember ``path`` first in the list (its thumbnail made when not given)."""
        path = Path(path)
        image = image if image is not None and not image.isNull() else thumbnail(path)
        stamp = _stamp(path)
        row: dict[str, Any] = {"path": str(path)}
        if stamp is not None and not image.isNull():
            row.update(stamp=list(stamp), png=_png(image))
        rows = [r for r in self._stored(field) if r["path"] != str(path)]
        self._store(field, [row, *rows][:KEEP])
        self.changed.emit(field)


class _Relay(QObject):
    """Carries a check's result from the worker thread to the UI thread."""

    done = Signal(int, str, str, str, QImage)  # ticket, path, note, error, thumbnail


class _Check(QRunnable):
    def __init__(self, relay: _Relay, ticket: int, path: str, check: Callable[[str], str]) -> None:
        super().__init__()
        self.relay, self.ticket, self.path, self.check = relay, ticket, path, check

    def run(self) -> None:
        note, error, image = "", "", QImage()
        try:
            note = self.check(self.path) or ""
            image = thumbnail(Path(self.path))
        except ValueError as exc:  # the generator's one-line refusal
            error = str(exc).splitlines()[0] if str(exc) else "this file cannot be used"
        except Exception as exc:  # a check that broke: said in one line, never a crash
            log.warning("checking %s failed", self.path, exc_info=True)
            error = f"could not check {Path(self.path).name}: {type(exc).__name__}"
        with contextlib.suppress(RuntimeError):  # the form closed meanwhile
            self.relay.done.emit(self.ticket, self.path, note, error, image)


class ChoiceFileMenu(QWidget):
    """The combined menu. ``changed`` fires when the selection changes; ``choice()`` and
    ``file()`` are the two fields' values (``file()`` is None for a plain choice)."""

    changed = Signal()

    def __init__(
        self,
        field: str,
        label: str,
        choices: Sequence[Any],
        default: Any,
        recent: RecentFiles,
        check: Callable[[str, str], str],
        extensions: Sequence[str] = (),
        auto: tuple[str, Any] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.field = field  # the file field's name: the key of its remembered list
        self.label = label  # "portrait"
        self.choices = list(choices)
        self.auto = auto  # (text, data) of an "auto" entry for an optional choice
        self.recent = recent
        self.check = check
        self.extensions = tuple(extensions)
        self.combo = QComboBox()
        self.combo.setIconSize(ICON)
        self.combo.view().setIconSize(LIST_ICON)
        self.message = QLabel()  # the check's error, or its note
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.hide()
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(4)
        col.addWidget(self.combo)
        col.addWidget(self.message)
        self.drawn: Any = default  # the last plain choice: what holds without a file
        self.selected: Path | None = None  # the file chosen, if one is
        self.missing: Path | None = None  # a file put from a recipe that is not on disk
        self.checking: str | None = None  # the file being checked
        self._ticket = 0
        self._relay = _Relay(self)
        self._relay.done.connect(self._checked)
        self._rebuild()
        self.combo.currentIndexChanged.connect(self._picked)
        recent.changed.connect(self._recent_changed)

    # -- the two fields' values ------------------------------------------------------------
    def choice(self) -> Any:
        return self.drawn

    def file(self) -> str | None:
        return str(self.selected) if self.selected is not None else None

    def put_choice(self, value: Any) -> None:
        """Select a plain choice (this clears the file)."""
        self.drawn = value
        self.selected = None
        self._select()

    def put_file(self, value: Any) -> None:
        """Select a file (None: the plain choice). A file not yet listed joins the list
        when it exists; a missing one is shown for this recipe only, and the form says
        it is missing."""
        if value is None or value == "":
            self.selected = None
        else:
            path = Path(str(value)).expanduser()
            self.selected = path
            listed = {r.path for r in self.recent.files(self.field)}
            if path not in listed:
                if path.is_file():
                    self.recent.add(self.field, path)
                else:
                    self.missing = path
                    self._rebuild()
        self._select()

    # -- the menu ----------------------------------------------------------------------------
    def _rebuild(self) -> None:
        combo = self.combo
        combo.blockSignals(True)
        combo.clear()
        if self.auto is not None:
            combo.addItem(*self.auto)
        for c in self.choices:
            combo.addItem(str(c), c)
        files = self.recent.files(self.field)
        if files or self.missing is not None:
            combo.insertSeparator(combo.count())
        stems = [r.path.stem for r in files]
        for r in files:
            icon = QIcon(QPixmap.fromImage(r.image)) if not r.image.isNull() else QIcon()
            # The name without its extension, unless two files would read the same.
            shown = r.path.stem if stems.count(r.path.stem) == 1 else r.path.name
            combo.addItem(icon, shown, FILE_PREFIX + str(r.path))
            combo.setItemData(combo.count() - 1, str(r.path), Qt.ItemDataRole.ToolTipRole)
        if self.missing is not None and self.missing not in {r.path for r in files}:
            combo.addItem(f"{self.missing.name} (missing)", FILE_PREFIX + str(self.missing))
            tip = f"{self.missing} is not there any more (moved or deleted)"
            combo.setItemData(combo.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
        combo.insertSeparator(combo.count())
        combo.addItem(f"Use a {self.label}…", USE_DATA)
        combo.setItemData(
            combo.count() - 1,
            f"Choose a {self.label} file; it is checked, then kept in this list",
            Qt.ItemDataRole.ToolTipRole,
        )
        self._select()
        combo.blockSignals(False)

    def _select(self) -> None:
        data = FILE_PREFIX + str(self.selected) if self.selected is not None else self.drawn
        if data is None and self.auto is not None:
            data = self.auto[1]
        i = self.combo.findData(data)
        blocked = self.combo.blockSignals(True)
        self.combo.setCurrentIndex(max(0, i))
        self.combo.blockSignals(blocked)

    def _recent_changed(self, field: str) -> None:
        if field == self.field:
            self._rebuild()

    def _picked(self, index: int) -> None:
        data = self.combo.itemData(index)
        if data == USE_DATA:
            self._select()  # the menu stays on what it held until a file passes its check
            QTimer.singleShot(0, self.ask)  # once the popup has closed
            return
        if isinstance(data, str) and data.startswith(FILE_PREFIX):
            self.selected = Path(data.removeprefix(FILE_PREFIX))
        else:
            self.drawn = None if self.auto is not None and data == self.auto[1] else data
            self.selected = None
        self.message.hide()
        self.changed.emit()

    def ask(self) -> None:
        """The file dialog; the chosen file is checked before it joins the menu."""
        kinds = " ".join(f"*{e}" for e in self.extensions)
        wanted = f"{self.label.capitalize()} ({kinds} {kinds.upper()})" if kinds else ""
        start = str(self.selected.parent) if self.selected is not None else ""
        chosen, _ = QFileDialog.getOpenFileName(
            self, f"Use a {self.label}", start, ";;".join(x for x in (wanted, "All files (*)") if x)
        )
        if chosen:
            self.use_file(chosen)

    def use_file(self, path: str) -> None:
        """Check ``path`` with the generator's own check (on a worker thread); when it
        passes it is remembered and selected, else its one-line error shows here."""
        self._ticket += 1
        self.checking = path
        self._say(f"Checking {Path(path).name}…", "hint")
        field, check = self.field, self.check
        QThreadPool.globalInstance().start(
            _Check(self._relay, self._ticket, path, lambda p: check(field, p))
        )

    def _checked(self, ticket: int, path: str, note: str, error: str, image: QImage) -> None:
        if ticket != self._ticket:
            return  # a later pick overtook this one
        self.checking = None
        if error:
            self._say(error[:1].upper() + error[1:], "error")
            return
        chosen = Path(path)
        self.selected = chosen
        self.recent.add(self.field, chosen, image)  # rebuilds every menu on the list
        self._select()
        if note:
            self._say(note[:1].upper() + note[1:], "hint")
        else:
            self.message.hide()
        self.changed.emit()

    def _say(self, text: str, kind: str) -> None:
        self.message.setObjectName(kind)
        self.message.setText(text if len(text) <= 300 else text[:299] + "…")
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.message.show()
