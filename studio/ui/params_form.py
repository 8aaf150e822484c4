"""A form built from a generator's pydantic params model (``model_fields``).

Literal / Enum → combo; int / float with ge/le → spin boxes; bool → check box; str → line
edit (a text area for a field marked ``Role.MULTILINE``); ``Path`` and fields marked
``Role.INPUT_FILE`` / ``Role.MODEL_REF`` → file picker; a ``Role.CHOICE_FILE`` field joins
the menu of the choice field it stands in for (``studio.ui.choice_files``);
anything else → a line edit parsed as JSON. Optional fields get an "auto" state meaning
"leave it to the generator". Descriptions become tooltips. Only values that differ from
the model's defaults are returned, so a generator can tell what the artist chose.
"""

from __future__ import annotations

import enum
import json
import logging
import math
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import annotated_types as at
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined
from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from studio.plugins.roles import Role, choice_files, file_extensions, roles_of
from studio.ui.choice_files import ChoiceFileMenu, RecentFiles
from studio.ui.qt_util import BoundedDoubleSpinBox, BoundedSpinBox, combo_data

AUTO: Final = "auto"
# Item data for "auto" in a combo: never None, since reading None item data back through
# QComboBox.currentData() leaks a reference count in PySide6 (crashes at exit).
AUTO_DATA: Final = "\x00auto"


def _unwrap_optional(annotation: Any) -> tuple[Any, bool]:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        optional = len(args) < len(typing.get_args(annotation))
        if len(args) == 1:
            return args[0], optional
        return annotation, optional
    return annotation, False


def _bounds(info: FieldInfo) -> tuple[float | None, float | None]:
    lo = hi = None
    for m in info.metadata:
        if isinstance(m, at.Ge):
            lo = float(m.ge)  # type: ignore[arg-type]
        elif isinstance(m, at.Gt):
            lo = float(m.gt)  # type: ignore[arg-type]
        elif isinstance(m, at.Le):
            hi = float(m.le)  # type: ignore[arg-type]
        elif isinstance(m, at.Lt):
            hi = float(m.lt)  # type: ignore[arg-type]
    return lo, hi


def label_for(name: str) -> str:
    return name.replace("_", " ").capitalize()


class FieldEditor:
    """One field's widget with uniform get/set; ``None`` means "the model's default"."""

    def __init__(self, widget: QWidget, get: Callable[[], Any], put: Callable[[Any], None]):
        self.widget = widget
        self.get = get
        self.put = put


def _connect(widget: QWidget, notify: Callable[[], None]) -> None:
    for signal in ("valueChanged", "currentIndexChanged", "textChanged", "toggled"):
        sig = getattr(widget, signal, None)
        if sig is not None:
            sig.connect(lambda *_: notify())


def _listed_choices(info: FieldInfo) -> list[Any] | None:
    """``Field(json_schema_extra={"choices": [...]})``, if the plugin gave one, or a
    callable that fills the schema when asked (choices read from disk at that moment,
    e.g. the checkpoints in the image models folder)."""
    extra = info.json_schema_extra
    if callable(extra):
        filled: dict[str, Any] = {}
        try:
            extra(filled)  # type: ignore[call-arg,unused-ignore]
        except Exception:  # a plugin's menu that fails leaves a plain text field
            logging.getLogger(__name__).warning("choices for a field failed", exc_info=True)
            return None
        extra = filled
    listed = extra.get("choices") if isinstance(extra, dict) else None
    return list(listed) if isinstance(listed, list) else None


def field_choices(info: FieldInfo) -> list[Any] | None:
    """The values a field offers as a menu: a Literal's, an Enum's, or the plugin's list."""
    annotation, _ = _unwrap_optional(info.annotation)
    if typing.get_origin(annotation) is typing.Literal:
        return list(typing.get_args(annotation))
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return [m.value for m in annotation]
    # A plugin's open-ended field with known values today (e.g. character ids read from
    # data files): offer them as a menu; the model still validates.
    return _listed_choices(info)


def _default_of(info: FieldInfo) -> tuple[Any, bool]:
    """The field's default (None when it has none) and whether it may be left unset."""
    _, optional = _unwrap_optional(info.annotation)
    default = None if info.default is PydanticUndefined else info.default
    return default, optional or default is None


def choice_file_editors(
    choice: str,
    file: str,
    model: type[BaseModel],
    notify: Callable[[], None],
    recent: RecentFiles,
    check: Callable[[str, str], str],
) -> tuple[ChoiceFileMenu, FieldEditor, FieldEditor] | None:
    """One menu for a choice field and the ``Role.CHOICE_FILE`` field standing in for it
    (None when the choice field offers no choices after all: each keeps its own editor)."""
    info = model.model_fields[choice]
    choices = field_choices(info)
    if choices is None:
        return None
    default, optional = _default_of(info)
    menu = ChoiceFileMenu(
        file,
        label_for(file).lower(),
        choices,
        default,
        recent,
        check,
        file_extensions(model.model_fields[file]),
        (f"{AUTO} (generator decides)", AUTO_DATA) if optional else None,
    )
    menu.changed.connect(notify)
    return (
        menu,
        FieldEditor(menu, menu.choice, menu.put_choice),
        FieldEditor(menu, menu.file, menu.put_file),
    )


def _plain_check(field: str, path: str) -> str:
    if not Path(path).is_file():
        raise ValueError(f"{label_for(field)}: {Path(path).name} is not a file")
    return ""


def build_editor(
    name: str,
    info: FieldInfo,
    notify: Callable[[], None],
    say: Callable[[str], None] | None = None,
) -> FieldEditor:
    """``say`` hears a one-line notice about this field (a typed value that was clamped)."""
    annotation, optional = _unwrap_optional(info.annotation)
    default = None if info.default is PydanticUndefined else info.default
    optional = optional or default is None

    choices = field_choices(info)
    if choices is not None:
        combo = QComboBox()
        if optional:
            combo.addItem(f"{AUTO} (generator decides)", AUTO_DATA)
        for c in choices:
            combo.addItem(str(c), c)

        def get_choice() -> Any:
            value = combo_data(combo)
            return None if value == AUTO_DATA else value

        def put_choice(value: Any) -> None:
            i = combo.findData(AUTO_DATA if value is None else value)
            combo.setCurrentIndex(max(0, i))

        put_choice(default)
        _connect(combo, notify)
        return FieldEditor(combo, get_choice, put_choice)

    if annotation is bool:
        box = QCheckBox()
        box.setChecked(bool(default))
        _connect(box, notify)
        return FieldEditor(box, box.isChecked, lambda v: box.setChecked(bool(v)))

    if annotation in (int, float):
        lo, hi = _bounds(info)
        spin: QSpinBox | QDoubleSpinBox
        if annotation is int:
            spin = BoundedSpinBox()
            lo_i = int(lo) if lo is not None else -(2**31) + 1
            hi_i = int(hi) if hi is not None else 2**31 - 1
            spin.setRange(lo_i - (1 if optional else 0), hi_i)
        else:
            spin = BoundedDoubleSpinBox()
            lo_f = lo if lo is not None else -1e6
            hi_f = hi if hi is not None else 1e6
            span = hi_f - lo_f
            decimals = 1 if span >= 100 else 2 if span >= 1 else 3
            step = 10 ** math.floor(math.log10(max(span, 1e-3) / 50))
            spin.setDecimals(decimals)
            spin.setSingleStep(step)
            spin.setRange(lo_f - (step if optional else 0), hi_f)
        spin.setAccelerated(True)
        if say is not None:
            spin.clamped.connect(lambda text: say(f"{label_for(name)}: {text}"))  # type: ignore[attr-defined,unused-ignore]
        floor = spin.minimum()
        if optional:
            spin.setSpecialValueText(AUTO)  # shown at the minimum: "generator decides"

        def get_number() -> Any:
            if optional and spin.value() == floor:
                return None
            return spin.value()

        def put_number(value: Any) -> None:
            spin.setValue(floor if value is None else value)  # type: ignore[arg-type]

        put_number(default)
        _connect(spin, notify)
        return FieldEditor(spin, get_number, put_number)

    roles = roles_of(info)  # what the plugin says the field is (a file, several lines …)
    is_path = annotation is Path or bool(roles & {Role.INPUT_FILE, Role.MODEL_REF})
    if is_path:
        holder = QWidget()
        line = QLineEdit()
        line.setPlaceholderText("no file" if optional else "choose a file")
        browse = QPushButton("Browse…")
        browse.setToolTip(f"Choose the {label_for(name).lower()} file")
        row = QHBoxLayout(holder)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(line, 1)
        row.addWidget(browse)

        def pick() -> None:
            chosen, _ = QFileDialog.getOpenFileName(holder, f"Choose {label_for(name).lower()}")
            if chosen:
                line.setText(chosen)

        browse.clicked.connect(pick)
        _connect(line, notify)
        line.setText("" if default is None else str(default))
        return FieldEditor(
            holder, lambda: line.text().strip() or None, lambda v: line.setText(v or "")
        )

    if annotation is str and Role.MULTILINE in roles:
        area = QPlainTextEdit()
        area.setFixedHeight(72)
        area.setTabChangesFocus(True)
        area.setPlainText("" if default is None else str(default))
        area.textChanged.connect(notify)

        def get_area() -> Any:
            text = area.toPlainText()
            return None if optional and not text else text

        return FieldEditor(area, get_area, lambda v: area.setPlainText(v or ""))

    line = QLineEdit()
    structured = annotation is not str
    if default is not None:
        line.setText(
            json.dumps(default) if structured and not isinstance(default, str) else str(default)
        )
    if optional:
        line.setPlaceholderText(AUTO)
    _connect(line, notify)

    def get_text() -> Any:
        text = line.text()
        if optional and not text.strip():
            return None
        if structured:  # lists, tuples, dicts: JSON if it parses, else let pydantic judge
            try:
                return json.loads(text)
            except json.JSONDecodeError:
                return text
        return text

    def put_text(value: Any) -> None:
        if value is None:
            line.setText("")
        elif structured and not isinstance(value, str):
            line.setText(json.dumps(value))
        else:
            line.setText(str(value))

    return FieldEditor(line, get_text, put_text)


def plain(field: str, message: str) -> str:
    """One line an artist reads: "Text is empty", never "Params: text is empty" (a
    cross-field rule has no field) nor "Text: text is empty"."""
    label = label_for(field) if field else ""
    if not label or message.casefold().startswith(label.casefold()):
        return message[:1].upper() + message[1:]
    return f"{label}: {message}"


class ParamsForm(QWidget):
    """Editors for every field of ``model``; ``changed`` fires on any edit."""

    changed = Signal()

    def __init__(
        self,
        model: type[BaseModel],
        parent: QWidget | None = None,
        *,
        recent: RecentFiles | None = None,
        check_file: Callable[[str, str], str] | None = None,
    ) -> None:
        """``recent`` keeps the files picked for ``Role.CHOICE_FILE`` fields (shared by the
        window's forms, remembered in its settings); ``check_file(field, path)`` is the
        generator's own check of such a file (``ValueError`` in one line)."""
        super().__init__(parent)
        self.model = model
        self.recent = recent or RecentFiles(parent=self)
        self.editors: dict[str, FieldEditor] = {}
        self.defaults: dict[str, Any] = {}
        layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setHorizontalSpacing(12)
        layout.setVerticalSpacing(8)
        self.notice = QLabel()  # e.g. a typed number beyond the field's range, and what was set
        self.notice.setObjectName("hint")
        self.notice.setWordWrap(True)
        self.notice.hide()
        self.changed.connect(lambda: self.notice.hide())
        pairs = choice_files(model)  # choice field → the file that may stand in for it
        self.menus: dict[str, ChoiceFileMenu] = {}  # by file field
        for name, info in model.model_fields.items():
            if name in pairs.values() and pairs.get(name) is None:
                continue  # a file standing in for a choice: it lives in that choice's menu
            merged = None
            if name in pairs:
                merged = choice_file_editors(
                    name,
                    pairs[name],
                    model,
                    self.changed.emit,
                    self.recent,
                    check_file or _plain_check,
                )
            if merged is not None:
                menu, editor, file_editor = merged
                self.menus[pairs[name]] = menu
                self.editors[pairs[name]] = file_editor
                tip = info.description or ""
                file_tip = model.model_fields[pairs[name]].description or ""
                menu.combo.setToolTip(f"{tip}\nOr: {file_tip}" if file_tip else tip)
            else:
                editor = build_editor(name, info, self.changed.emit, self._say)
                tip = info.description or ""
            editor.widget.setToolTip(tip)
            editor.widget.setAccessibleName(label_for(name))
            label = QLabel(label_for(name))
            label.setToolTip(tip)
            label.setBuddy(editor.widget)
            layout.addRow(label, editor.widget)
            self.editors[name] = editor
        # A file field whose choice field offered no menu after all keeps a file picker.
        for name in pairs.values():
            if name not in self.editors:
                info = model.model_fields[name]
                editor = build_editor(name, info, self.changed.emit, self._say)
                editor.widget.setToolTip(info.description or "")
                layout.addRow(QLabel(label_for(name)), editor.widget)
                self.editors[name] = editor
        self.editors = {n: self.editors[n] for n in model.model_fields if n in self.editors}
        self.defaults = {name: editor.get() for name, editor in self.editors.items()}
        if not model.model_fields:
            note = QLabel("This generator has no options.")
            note.setObjectName("muted")
            layout.addRow(note)
        layout.addRow(self.notice)

    def _say(self, text: str) -> None:
        def show() -> None:  # after the clamped value's own change, which hides notices
            self.notice.setText(text)
            self.notice.show()

        QTimer.singleShot(0, show)

    def values(self) -> dict[str, Any]:
        """What the artist changed from the defaults (raw; the model validates)."""
        out = {}
        for name, editor in self.editors.items():
            value = editor.get()
            if value != self.defaults[name]:
                out[name] = value
        return out

    def set_values(self, values: dict[str, Any]) -> None:
        """Fill the form (e.g. from a past generation's params); unknown keys are ignored."""
        # A file standing in for a choice goes last: putting the choice clears the file.
        last = set(self.menus)
        order = [n for n in self.editors if n not in last] + [n for n in self.editors if n in last]
        for name in order:
            editor = self.editors[name]
            if name in values:
                try:
                    editor.put(values[name])
                except (TypeError, ValueError, OverflowError):
                    continue  # a value this editor cannot hold (damaged settings): keep it

    def reset(self) -> None:
        self.set_values(self.defaults)

    def problem_field(self) -> str | None:
        """The field the validation error is about (None: valid, or not one field's)."""
        try:
            self.model.model_validate(self.values())
        except ValidationError as exc:
            loc = exc.errors()[0]["loc"]
            name = str(loc[0]) if loc else ""
            return name if name in self.editors else None
        return None

    def problem(self) -> str:
        """A one-line validation error, or "" when the values are valid."""
        try:
            self.model.model_validate(self.values())
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            return plain(where, err["msg"].removeprefix("Value error, "))
        return ""
