"""One menu for a choice and the file that may stand in for it (``Role.CHOICE_FILE``): the
plugin's choices, the files used before with thumbnails (remembered across windows), and
"Use a …", checked by the generator off the UI thread.

The form tests use a small model and a quick check; the window tests use the real
talking-head and clip plugins and the real face check on scikit-image's astronaut (a
public-domain NASA photograph; landmarks from the model inside its wheel, offline).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pytest
from PIL import Image
from pydantic import Field
from PySide6.QtWidgets import QComboBox, QFileDialog, QFormLayout
from skimage import data

from studio.plugins import fakes
from studio.plugins.contract import Params
from studio.plugins.roles import Role
from studio.ui.choice_files import FILE_PREFIX, USE_DATA, ChoiceFileMenu, RecentFiles
from studio.ui.params_form import ParamsForm

WAIT_MS = 60_000  # the first face check loads the landmark model


class Cast(Params):
    portrait: Annotated[str | None, Role.INPUT_FILE, Role.CHOICE_FILE] = Field(
        None,
        description="a photo to use instead",
        json_schema_extra={"choice_of": "character", "extensions": [".png"]},
    )
    character: Literal["ava", "ben"] = Field("ava", description="who speaks")
    size: int = Field(256, ge=64, le=512)


def quick_check(field: str, path: str) -> str:
    """Refuses a file named bad*, as a generator's check would, in one line."""
    if Path(path).name.startswith("bad"):
        raise ValueError(f"{field}: no face found in {Path(path).name}")
    return ""


def picture(path: Path, colour: tuple[int, int, int] = (200, 120, 60)) -> Path:
    Image.new("RGB", (90, 60), colour).save(path)
    return path


def menu_of(form: ParamsForm) -> ChoiceFileMenu:
    return form.menus["portrait"]


def file_rows(combo: QComboBox) -> list[int]:
    return [i for i in range(combo.count()) if str(combo.itemData(i) or "").startswith(FILE_PREFIX)]


def use(qtbot: Any, menu: ChoiceFileMenu, path: Path) -> None:
    menu.use_file(str(path))
    qtbot.waitUntil(lambda: menu.checking is None, timeout=WAIT_MS)


def test_the_file_joins_the_choice_menu_instead_of_a_row_of_its_own(qtbot: Any) -> None:
    form = ParamsForm(Cast, check_file=quick_check)
    qtbot.addWidget(form)
    menu = menu_of(form)
    assert form.editors["portrait"].widget is form.editors["character"].widget is menu
    layout = form.layout()
    assert isinstance(layout, QFormLayout)
    labels = [
        layout.itemAt(r, QFormLayout.ItemRole.LabelRole).widget().text()
        for r in range(layout.rowCount())
        if layout.itemAt(r, QFormLayout.ItemRole.LabelRole) is not None
    ]
    assert labels == ["Character", "Size"]  # no Portrait row, no file picker
    texts = [menu.combo.itemText(i) for i in range(menu.combo.count())]
    assert texts[:2] == ["ava", "ben"] and texts[-1] == "Use a portrait…"
    assert form.values() == {}


def test_a_checked_file_is_added_with_its_thumbnail_and_selected(
    qtbot: Any, tmp_path: Path
) -> None:
    form = ParamsForm(Cast, check_file=quick_check)
    qtbot.addWidget(form)
    menu = menu_of(form)
    with qtbot.waitSignal(form.changed, timeout=WAIT_MS):
        menu.use_file(str(picture(tmp_path / "me.png")))
    (row,) = file_rows(menu.combo)
    assert menu.combo.currentIndex() == row and menu.combo.itemText(row) == "me"
    icon = menu.combo.itemIcon(row)
    assert not icon.isNull()
    thumb = icon.pixmap(24, 24).toImage()
    assert thumb.pixelColor(12, 12).red() > 150  # the picture's own colour
    assert form.values() == {"portrait": str(tmp_path / "me.png")}
    assert form.problem() == ""
    # Two files that would read the same keep their extensions; the newest comes first.
    use(qtbot, menu, picture(tmp_path / "me.jpg", (40, 90, 200)))
    assert [menu.combo.itemText(i) for i in file_rows(menu.combo)] == ["me.jpg", "me.png"]


def test_choosing_a_drawn_character_clears_the_file(qtbot: Any, tmp_path: Path) -> None:
    form = ParamsForm(Cast, check_file=quick_check)
    qtbot.addWidget(form)
    menu = menu_of(form)
    use(qtbot, menu, picture(tmp_path / "me.png"))
    menu.combo.setCurrentIndex(menu.combo.findData("ben"))
    assert form.values() == {"character": "ben"}
    row = file_rows(menu.combo)[0]
    menu.combo.setCurrentIndex(row)  # back to the remembered file
    assert form.values() == {"character": "ben", "portrait": str(tmp_path / "me.png")}
    form.reset()
    assert form.values() == {} and menu.combo.currentText() == "ava"


def test_a_past_recipe_with_a_portrait_selects_it_whatever_the_key_order(
    qtbot: Any, tmp_path: Path
) -> None:
    """A history entry's params hold both fields (the file first in the model); the file
    wins, and it joins the remembered list."""
    form = ParamsForm(Cast, check_file=quick_check)
    qtbot.addWidget(form)
    me = picture(tmp_path / "me.png")
    form.set_values({"portrait": str(me), "character": "ben", "size": 128})
    menu = menu_of(form)
    assert menu.combo.currentText() == "me"
    assert form.values() == {"portrait": str(me), "character": "ben", "size": 128}
    assert [r.path for r in form.recent.files("portrait")] == [me]


def test_a_bad_file_says_why_and_leaves_the_menu_as_it_was(qtbot: Any, tmp_path: Path) -> None:
    form = ParamsForm(Cast, check_file=quick_check)
    qtbot.addWidget(form)
    menu = menu_of(form)
    use(qtbot, menu, picture(tmp_path / "me.png"))
    menu.combo.setCurrentIndex(menu.combo.findData("ben"))
    before = [menu.combo.itemText(i) for i in range(menu.combo.count())]
    use(qtbot, menu, picture(tmp_path / "bad.png"))
    assert [menu.combo.itemText(i) for i in range(menu.combo.count())] == before
    assert menu.combo.currentText() == "ben" and form.values() == {"character": "ben"}
    assert not menu.message.isHidden() and menu.message.objectName() == "error"
    assert menu.message.text() == "Portrait: no face found in bad.png"
    assert "\n" not in menu.message.text()


def test_use_a_file_opens_the_dialog_with_the_fields_file_types(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []
    chosen = picture(tmp_path / "me.png")

    def dialog(parent: Any, title: str, start: str, filters: str) -> tuple[str, str]:
        asked.append(filters)
        return str(chosen), filters

    monkeypatch.setattr(QFileDialog, "getOpenFileName", dialog)
    form = ParamsForm(Cast, check_file=quick_check)
    qtbot.addWidget(form)
    menu = menu_of(form)
    menu.combo.setCurrentIndex(menu.combo.findData(USE_DATA))
    assert menu.combo.currentText() == "ava"  # the menu holds until the file passes
    qtbot.waitUntil(lambda: form.values().get("portrait") == str(chosen), timeout=WAIT_MS)
    assert asked and "*.png" in asked[0]


def test_remembered_files_that_went_missing_are_left_out_quietly(
    qtbot: Any, tmp_path: Path, studio_home: Path
) -> None:
    from studio.ui.app import make_settings

    recent = RecentFiles(make_settings())
    gone, kept = picture(tmp_path / "gone.png"), picture(tmp_path / "kept.png")
    recent.add("portrait", gone)
    recent.add("portrait", kept)
    gone.unlink()
    form = ParamsForm(Cast, recent=RecentFiles(make_settings()), check_file=quick_check)
    qtbot.addWidget(form)
    combo = menu_of(form).combo
    assert [combo.itemText(i) for i in file_rows(combo)] == ["kept"]
    # A past recipe naming the missing file shows it as missing; the form says why.
    form.set_values({"portrait": str(gone)})
    assert combo.currentText() == "gone.png (missing)"
    assert form.values() == {"portrait": str(gone)}


def test_a_damaged_remembered_list_is_an_empty_one(qtbot: Any, studio_home: Path) -> None:
    from studio.ui.app import make_settings

    settings = make_settings()
    settings.setValue("choice-files/portrait", "{not json")  # type: ignore[attr-defined]
    form = ParamsForm(Cast, recent=RecentFiles(settings), check_file=quick_check)
    qtbot.addWidget(form)
    assert file_rows(menu_of(form).combo) == []


# -- the window, with the real plugins and the real face check ------------------------------
@pytest.fixture(scope="module")
def astronaut(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("portrait") / "astronaut.png"
    Image.fromarray(np.ascontiguousarray(data.astronaut())).save(path)
    return path


def test_portraits_are_remembered_across_windows_and_shared_by_panels(
    qtbot: Any, make_window: Any, astronaut: Path, tmp_path: Path
) -> None:
    registry = fakes.registry("talking-head", "clip", "speech")
    window = make_window(registry)
    face = window.panels["talking-head"].form
    clip = window.panels["clip"].form
    assert "portrait" not in [
        face.layout().itemAt(r, QFormLayout.ItemRole.LabelRole).widget().text().lower()
        for r in range(face.layout().rowCount())
        if face.layout().itemAt(r, QFormLayout.ItemRole.LabelRole) is not None
    ]
    blank = tmp_path / "wall.png"
    Image.fromarray(np.full((300, 300, 3), 128, np.uint8)).save(blank)
    use(qtbot, face.menus["portrait"], blank)  # the talking head's own check refuses it
    assert "no face found in wall.png" in face.menus["portrait"].message.text()
    assert file_rows(face.menus["portrait"].combo) == []
    use(qtbot, face.menus["portrait"], astronaut)
    assert face.values()["portrait"] == str(astronaut)
    assert window.panels["talking-head"].problem.text() == ""
    # The clip's menu lists it too (one list for the window), with its thumbnail.
    (row,) = file_rows(clip.menus["portrait"].combo)
    assert not clip.menus["portrait"].combo.itemIcon(row).isNull()
    window.close()

    again = make_window(registry)
    combo = again.panels["talking-head"].form.menus["portrait"].combo
    (row,) = file_rows(combo)
    assert combo.itemText(row) == "astronaut" and not combo.itemIcon(row).isNull()
    # The last state comes back too: the portrait is still the one chosen.
    assert again.panels["talking-head"].form.values().get("portrait") == str(astronaut)
