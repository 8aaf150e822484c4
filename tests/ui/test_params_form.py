"""Forms built from any generator's params model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import pytest
from pydantic import Field
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
)

from generators.music import MusicParams
from studio.plugins.contract import Params
from studio.plugins.fakes import EchoParams
from studio.plugins.roles import Role
from studio.ui.params_form import ParamsForm


class Everything(Params):
    mode: Literal["fast", "fine"] = Field("fast", description="how to draw")
    count: int = Field(3, ge=1, le=9)
    gain: float | None = Field(None, ge=0.0, le=2.0, description="loudness")
    loud: bool = False
    text: Annotated[str, Role.MULTILINE] = Field("", max_length=50)  # the plugin says so
    title: str = Field("", max_length=50)  # no role: one line
    input: Path | None = None
    photo: Annotated[str | None, Role.INPUT_FILE] = None
    size: tuple[int, int] = (64, 64)


def _form(qtbot: Any, model: type[Params]) -> ParamsForm:
    form = ParamsForm(model)
    qtbot.addWidget(form)
    return form


def test_widgets_follow_the_field_types(qtbot: Any) -> None:
    form = _form(qtbot, Everything)
    w = {name: e.widget for name, e in form.editors.items()}
    assert isinstance(w["mode"], QComboBox)
    assert isinstance(w["count"], QSpinBox)
    assert (w["count"].minimum(), w["count"].maximum()) == (1, 9)
    assert isinstance(w["gain"], QDoubleSpinBox)
    assert isinstance(w["loud"], QCheckBox)
    assert isinstance(w["text"], QPlainTextEdit)
    assert isinstance(w["title"], QLineEdit)
    assert w["input"].findChild(QLineEdit) is not None  # a file picker row
    assert w["photo"].findChild(QLineEdit) is not None  # a str the plugin marks as a file
    assert isinstance(w["size"], QLineEdit)
    assert w["gain"].toolTip() == "loudness"


def test_only_changed_values_are_returned(qtbot: Any) -> None:
    form = _form(qtbot, Everything)
    assert form.values() == {}
    assert form.problem() == ""
    form.editors["count"].widget.setValue(7)  # type: ignore[attr-defined]
    form.editors["gain"].put(1.5)
    form.editors["mode"].put("fine")
    form.editors["size"].widget.setText("[32, 16]")  # type: ignore[attr-defined]
    assert form.values() == {"count": 7, "gain": 1.5, "mode": "fine", "size": [32, 16]}
    Everything.model_validate(form.values())
    form.editors["gain"].put(None)
    assert "gain" not in form.values()  # back to "auto"


def test_invalid_values_give_one_line(qtbot: Any) -> None:
    form = _form(qtbot, EchoParams)
    form.editors["text"].put("x" * 2000)
    problem = form.problem()
    assert problem.startswith("Text:") and "\n" not in problem


def test_music_form_round_trips_stored_params(qtbot: Any) -> None:
    form = _form(qtbot, MusicParams)
    stored = {"duration": 12.0, "key": "F#", "tempo": None, "instrumentation": "strings"}
    form.set_values(stored)
    assert form.values() == {"duration": 12.0, "key": "F#", "instrumentation": "strings"}
    form.reset()
    assert form.values() == {}


def test_bad_key_is_reported(qtbot: Any) -> None:
    form = _form(qtbot, MusicParams)
    form.editors["key"].put("H##")
    assert form.problem().startswith("Key") and "H##" in form.problem()


@pytest.mark.parametrize("model", [EchoParams, MusicParams, Params])
def test_any_model_builds(qtbot: Any, model: type[Params]) -> None:
    form = _form(qtbot, model)
    assert set(form.editors) == set(model.model_fields)


class Listed(Params):
    character: str = Field("ava", json_schema_extra={"choices": ["ava", "milo"]})
    fps: int = Field(25, json_schema_extra={"choices": [24, 25, 30]})


def test_listed_choices_become_a_menu(qtbot: Any) -> None:
    form = _form(qtbot, Listed)
    combo = form.editors["character"].widget
    assert isinstance(combo, QComboBox)
    assert [combo.itemText(i) for i in range(combo.count())] == ["ava", "milo"]
    assert form.values() == {}
    form.editors["character"].put("milo")
    form.editors["fps"].put(30)
    assert form.values() == {"character": "milo", "fps": 30}
    Listed.model_validate(form.values())


def test_choices_filled_when_asked_become_a_menu_too(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The image Model menu is filled from the models folder when the form is built (a
    callable json_schema_extra), not when the plugin is imported."""
    from generators.image import ImageParams, params

    monkeypatch.setattr(params, "model_choices", lambda: ["a.safetensors", "xl/b.safetensors"])
    form = _form(qtbot, ImageParams)
    combo = form.editors["model"].widget
    assert isinstance(combo, QComboBox)
    items = [combo.itemText(i) for i in range(combo.count())]
    assert items[-2:] == ["a.safetensors", "xl/b.safetensors"]


def test_problems_read_as_sentences_not_field_paths(qtbot: Any) -> None:
    from pydantic import model_validator

    class Spoken(Params):
        text: str = ""

        @model_validator(mode="after")
        def _said(self) -> Spoken:
            if not self.text:
                raise ValueError("text is empty")
            return self

    form = _form(qtbot, Spoken)
    assert form.problem() == "Text is empty"  # not "Params: text is empty"


def test_a_typed_duration_beyond_the_range_is_clamped_and_said(qtbot: Any) -> None:
    from PySide6.QtCore import Qt

    form = _form(qtbot, MusicParams)
    form.show()
    spin = form.editors["duration"].widget
    top = spin.maximum()
    spin.setFocus()
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin, "3600")
    assert "3600" in spin.text()  # every digit typed is kept, not silently dropped
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    assert spin.value() == top
    most = spin.textFromValue(top)
    qtbot.waitUntil(lambda: not form.notice.isHidden())
    assert form.notice.text() == f"Duration: 3600 is more than the most, {most}; set to {most}"
