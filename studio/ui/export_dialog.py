"""The export dialog: folder, file names, format, sidecar; copies out with the state that
made each file embedded (``studio.library.export``). A format other than the file's own
is produced by rendering the same request again (same seed ⇒ the same content)."""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.library.history import Entry
from studio.ui.qt_util import combo_data

SAME = ""
MAX_NAME_BYTES = 255  # NAME_MAX of ext4, APFS and NTFS


def entry_title(entry: Entry) -> str:
    """The word the artist chose ("serene") where there was one, else the derived name."""
    condition = entry.metadata.get("condition")
    label = condition.get("label") if isinstance(condition, dict) else None
    return (
        label if isinstance(label, str) and label else entry.name
    )  # the format combo's "as generated" choice


def writable_dir(folder: Path) -> bool:
    """Whether a file can really be created here: ``os.access`` says yes to root in
    /proc or on a read-only mount, so try one (removed at once)."""
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".studio-probe-"):
            return True
    except OSError:
        return False


def existing_ancestor(folder: Path) -> Path | None:
    """The nearest folder above ``folder`` that exists (``folder`` itself if it does)."""
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            return candidate
    return None


def safe_stem(text: str) -> str:
    """A file-name-safe version of an emotion name ("joy → sadness" → "joy-to-sadness")."""
    text = text.replace("→", "to").replace("–", "-")
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-._") or "emotion"


@dataclass(frozen=True)
class ExportPlan:
    folder: Path
    pattern: str
    extension: str  # "" = each file's own
    sidecar: bool
    overwrite: bool

    def target(self, entry: Entry) -> Path:
        """The file to write; ``ValueError`` (one line) for a file-name pattern that
        cannot be filled for this entry ("{nme}", "{name.x}", "{name[40]}", "{")."""
        assert entry.path is not None
        ext = self.extension or entry.path.suffix
        try:
            stem = self.pattern.format(
                name=safe_stem(entry_title(entry)),
                generator=entry.generator,
                id=entry.id,
                seed=entry.seed if entry.seed is not None else 0,
            )
        except KeyError as exc:
            raise ValueError(f"File name: unknown field {exc}") from None
        except (IndexError, AttributeError, TypeError, ValueError) as exc:
            raise ValueError(f"File name: {exc}") from None
        name = f"{safe_stem(stem)}{ext}"
        if len(name.encode()) > MAX_NAME_BYTES:
            raise ValueError(f"File name: longer than {MAX_NAME_BYTES} bytes")
        return self.folder / name


class ExportDialog(QDialog):
    def __init__(
        self,
        entries: list[Entry],
        extensions: list[str],
        settings: Any = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.entries = entries
        self.settings = settings
        self.setWindowTitle(
            "Export clip" if len(entries) == 1 else f"Export {len(entries)} generations"
        )
        # The Pictures folder may not exist yet (a fresh profile): it is created on Export.
        default = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
        remembered = settings.value("export/folder", default) if settings is not None else default
        self.folder = QLineEdit(str(remembered or default or Path.home()))
        self.folder.setAccessibleName("Export folder")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(browse)
        self.pattern = QLineEdit("{name}-{generator}-{id}")
        self.pattern.setToolTip("File name: {name} emotion, {generator}, {id}, {seed}")
        self.format = QComboBox()
        self.format.addItem("As generated", SAME)
        for ext in extensions:
            self.format.addItem(ext.lstrip(".").upper(), ext)
        self.format.setToolTip(
            "Another format than the generated one is rendered again from the same request"
        )
        self.sidecar = QCheckBox("Write a JSON sidecar beside each file")
        self.sidecar.setChecked(True)
        self.sidecar.setToolTip(
            "The emotion state is embedded in the file too, where the format allows"
        )
        self.overwrite = QCheckBox("Replace existing files")
        self.overwrite.toggled.connect(lambda _: self._update())
        self.preview = QLabel()
        self.preview.setObjectName("hint")
        self.preview.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Folder", folder_row)
        form.addRow("File name", self.pattern)
        form.addRow("Format", self.format)
        form.addRow(self.sidecar)
        form.addRow(self.overwrite)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Export")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.preview)
        layout.addWidget(buttons)
        for signal in (self.folder.textChanged, self.pattern.textChanged):
            signal.connect(self._update)
        self.format.currentIndexChanged.connect(self._update)
        self.setMinimumWidth(520)
        self._update()

    def _browse(self) -> None:
        start = existing_ancestor(self.plan().folder) or Path.home()
        chosen = QFileDialog.getExistingDirectory(self, "Export to", str(start))
        if chosen:
            self.folder.setText(chosen)
            self._update()  # the same text fires no change, but the folder may be new

    def plan(self) -> ExportPlan:
        return ExportPlan(
            folder=Path(self.folder.text().strip()).expanduser(),
            pattern=self.pattern.text().strip() or "{name}-{id}",
            extension=combo_data(self.format),
            sidecar=self.sidecar.isChecked(),
            overwrite=self.overwrite.isChecked(),
        )

    def problem(self) -> str:
        """Why Export cannot go ahead, in the artist's words; "" when it can. Checked the
        way the export will run (a test file, the names it will write), so a destination
        approved here does not fail afterwards."""
        plan = self.plan()
        if not self.folder.text().strip():
            return "Choose a folder"
        if not plan.folder.is_absolute():
            return "Choose a full folder path (Browse…)"
        base = existing_ancestor(plan.folder)
        if base is None or not base.is_dir():
            return f"{base} is a file, not a folder" if base else "Choose a folder"
        if not writable_dir(base):
            return f"Files cannot be written in {base}; choose another folder"
        if all(entry.path is None for entry in self.entries):
            return "These generations have no files left to export"
        for entry in self.entries:
            if entry.path is None:
                continue
            try:
                target = plan.target(entry)
            except ValueError as exc:
                return str(exc)
            if not plan.overwrite and (target.exists() or target.is_symlink()):
                return f"{target.name} is already there; tick “Replace existing files”"
        return ""

    def _update(self) -> None:
        problem = self.problem()
        self.ok.setEnabled(not problem)
        if problem:
            self.preview.setText(problem)
        else:
            plan = self.plan()
            first = plan.target(next(e for e in self.entries if e.path is not None))
            more = f" (and {len(self.entries) - 1} more)" if len(self.entries) > 1 else ""
            new = "" if plan.folder.is_dir() else " (the folder will be created)"
            self.preview.setText(f"→ {first}{more}{new}")

    def accept(self) -> None:
        problem = self.problem()
        if not problem:
            try:
                self.plan().folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                problem = f"Could not create the folder: {exc.strerror or exc}"
        if problem:  # e.g. the folder was removed meanwhile: say so, stay open
            self._update()
            self.preview.setText(problem)
            self.ok.setEnabled(False)
            return
        if self.settings is not None:
            self.settings.setValue("export/folder", self.folder.text().strip())
        super().accept()
