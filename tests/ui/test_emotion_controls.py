"""The pad, the wheel and the word box drive one condition model and stay in sync."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt

from studio.emotion import Condition
from studio.ui.condition_model import ConditionModel, max_intensity
from studio.ui.emotion_panel import QtEmotionPanel
from studio.ui.wheel import blend_of, levels_for


@pytest.fixture
def panel(qtbot: Any) -> QtEmotionPanel:
    model = ConditionModel(Condition.neutral())
    widget = QtEmotionPanel(model)
    qtbot.addWidget(widget)
    widget.resize(420, 900)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_clicking_the_pad_moves_the_point_and_names_it(panel: QtEmotionPanel, qtbot: Any) -> None:
    pad, model = panel.pad, panel.model
    target = pad.to_point(0.6, 0.5).toPoint()
    qtbot.mouseClick(pad, Qt.MouseButton.LeftButton, pos=target)
    v, a = pad.to_va(target.toPointF())
    assert model.condition.valence == pytest.approx(v, abs=1e-6)
    assert model.condition.arousal == pytest.approx(a, abs=1e-6)
    assert model.condition.valence > 0.5 and model.condition.arousal > 0.4
    assert panel.name_label.text() == model.condition.name != "neutral"


def test_dragging_reports_a_drag_then_settles(panel: QtEmotionPanel, qtbot: Any) -> None:
    pad, model = panel.pad, panel.model
    settled: list[Condition] = []
    model.settled.connect(settled.append)
    start = pad.to_point(-0.2, -0.2).toPoint()
    qtbot.mousePress(pad, Qt.MouseButton.LeftButton, pos=start)
    assert model.dragging
    qtbot.mouseMove(pad, pad.to_point(-0.7, -0.5).toPoint())
    qtbot.mouseRelease(pad, Qt.MouseButton.LeftButton, pos=pad.to_point(-0.7, -0.5).toPoint())
    assert not model.dragging
    assert len(settled) == 1
    assert model.condition.valence < -0.6 and model.condition.arousal < -0.4


def test_keyboard_nudges_the_point(panel: QtEmotionPanel, qtbot: Any) -> None:
    pad, model = panel.pad, panel.model
    pad.setFocus()
    qtbot.keyClick(pad, Qt.Key.Key_Right)
    assert model.condition.valence == pytest.approx(0.05)
    qtbot.keyClick(pad, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    assert model.condition.arousal == pytest.approx(0.2)
    qtbot.keyClick(pad, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)
    assert model.condition.valence == pytest.approx(0.04)
    qtbot.keyClick(pad, Qt.Key.Key_Home)
    assert model.condition.vad[:2] == (0.0, 0.0)


def test_home_is_neutral_whatever_the_dominance(panel: QtEmotionPanel, qtbot: Any) -> None:
    pad, model = panel.pad, panel.model
    model.set_vad(0.5, 0.4)
    model.set_dominance(-0.26)
    pad.setFocus()
    qtbot.keyClick(pad, Qt.Key.Key_Home)
    assert model.condition.vad == (0.0, 0.0, 0.0)
    assert model.condition.name == "neutral"
    assert panel.name_label.text() == "neutral"


def test_a_typed_word_has_one_name_everywhere(panel: QtEmotionPanel) -> None:
    """The panel, the pad badge and the history all show the state's one title; the word
    box keeps the word the artist typed."""
    assert panel.word_box.apply("serene")
    c = panel.model.condition
    assert c.title == f"{c.name} (serene)"
    assert panel.name_label.text() == c.title
    assert panel.pad._badge()[0] == c.title
    assert panel.word_box.text() == "serene"


def test_the_pad_is_clamped_to_its_square(panel: QtEmotionPanel) -> None:
    panel.model.set_vad(3.0, -9.0)
    assert panel.model.condition.vad[:2] == (1.0, -1.0)


def test_wheel_click_weights_a_primary_and_names_the_blend(
    panel: QtEmotionPanel, qtbot: Any
) -> None:
    wheel, model = panel.wheel, panel.model
    joy = wheel.point_at(0, 0.6).toPoint()
    qtbot.mouseClick(wheel, Qt.MouseButton.LeftButton, pos=joy)
    assert set(model.condition.mixture) == {"joy"}
    assert model.condition.intensity == pytest.approx(0.6, abs=0.05)
    assert model.condition.name == "joy"
    trust = wheel.point_at(1, 0.6).toPoint()
    qtbot.mouseClick(wheel, Qt.MouseButton.LeftButton, pos=trust)
    assert model.condition.name == "love"  # Plutchik's primary dyad joy + trust
    assert panel.name_label.text() == "love"
    qtbot.mouseClick(wheel, Qt.MouseButton.RightButton, pos=trust)
    assert set(model.condition.mixture) == {"joy"}


def test_wheel_outer_ring_is_the_strong_rung(panel: QtEmotionPanel, qtbot: Any) -> None:
    wheel = panel.wheel
    qtbot.mouseClick(wheel, Qt.MouseButton.LeftButton, pos=wheel.point_at(4, 0.95).toPoint())
    assert panel.model.condition.name == "grief"  # sadness at intensity ≥ 0.8


def test_wheel_keyboard(panel: QtEmotionPanel, qtbot: Any) -> None:
    wheel = panel.wheel
    wheel.setFocus()
    qtbot.keyClick(wheel, Qt.Key.Key_Right)  # trust
    for _ in range(10):
        qtbot.keyClick(wheel, Qt.Key.Key_Up)
    assert panel.model.condition.mixture == {"trust": 1.0}
    assert panel.model.condition.intensity == pytest.approx(0.5)
    qtbot.keyClick(wheel, Qt.Key.Key_Delete)
    assert panel.model.condition.name == "neutral"


def test_wheel_levels_round_trip() -> None:
    c = Condition.from_mixture({"joy": 0.7, "anticipation": 0.3}, 0.55)
    mix, intensity = blend_of(levels_for(c))
    assert intensity == pytest.approx(0.55)
    assert mix == pytest.approx(dict(c.mixture))


def test_word_box_lands_on_the_word(panel: QtEmotionPanel, qtbot: Any) -> None:
    box, model = panel.word_box, panel.model
    box.setFocus()
    qtbot.keyClicks(box, "Melancholy")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert model.condition.label == "melancholy"
    assert panel.name_label.text() == "sadness (melancholy)"
    assert box.text() == "melancholy"
    assert model.condition.valence < 0 and model.condition.arousal < 0
    # the wheel followed the same model
    assert panel.wheel.levels["sadness"] > 0


def test_word_box_unknown_word_suggests(panel: QtEmotionPanel, qtbot: Any) -> None:
    before = panel.model.condition
    assert not panel.word_box.apply("melancholu")
    assert "melancholy" in panel.word_problem.text()
    assert panel.model.condition == before


def test_word_box_completes_from_the_lexicon(panel: QtEmotionPanel) -> None:
    completer = panel.word_box.completer()
    completer.setCompletionPrefix("melan")
    found = []
    for row in range(completer.completionCount()):
        completer.setCurrentRow(row)
        found.append(completer.currentCompletion())
    assert "melancholy" in found
    assert all(w.startswith("melan") for w in found)


def test_sliders_change_dominance_and_intensity(panel: QtEmotionPanel) -> None:
    model = panel.model
    model.set_vad(0.4, 0.3)
    panel.dominance.slider.setValue(-50)
    assert model.condition.dominance == pytest.approx(-0.5)
    start = model.condition
    top = max_intensity(start)
    panel.intensity.slider.setValue(round(start.intensity * 50))
    assert model.condition.intensity == pytest.approx(round(start.intensity * 50) / 100)
    assert model.condition.valence < start.valence  # moved towards neutral along its ray
    panel.intensity.slider.setValue(100)  # capped where the ray leaves the cube
    assert model.condition.intensity <= top + 1e-9


def test_the_pad_follows_the_wheel_and_the_word_box_clears(panel: QtEmotionPanel) -> None:
    panel.word_box.apply("joy")
    assert panel.word_box.text() == "joy"
    panel.pad.setFocus()
    panel.model.set_mixture({"anger": 1.0}, 0.7)
    c = panel.model.condition
    p = panel.pad.to_point(c.valence, c.arousal)
    assert p.x() < panel.pad.square().center().x()  # anger is unpleasant: left half
    assert panel.word_box.text() == ""


def test_point_at_and_hit_agree(panel: QtEmotionPanel) -> None:
    for index in range(8):
        hit = panel.wheel.hit(panel.wheel.point_at(index, 0.5))
        assert hit is not None and hit[1] == pytest.approx(0.5, abs=0.02)
    assert panel.wheel.hit(panel.wheel.centre() + QPoint(0, 0).toPointF()) is None


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_model_refuses_non_finite_values_and_keeps_its_state(bad: float) -> None:
    model = ConditionModel(Condition.from_vad(0.3, 0.4))
    before = model.condition
    with pytest.raises(ValueError, match="finite"):
        model.set_vad(bad, 0.2)
    with pytest.raises(ValueError, match="finite"):
        model.set_intensity(bad)
    assert model.condition == before


def test_the_headline_holds_still_while_a_drag_wobbles_over_a_boundary(qtbot: Any) -> None:
    """A hand never drags in a straight line: a pointer wobbling a pixel across a region
    boundary flips the plain name every time, the headline once at most."""
    from studio.emotion import Condition
    from studio.ui.condition_model import ConditionModel

    model = ConditionModel()
    arousal = 0.3
    steps = [i / 400 for i in range(-400, 401)]
    names = [Condition.from_vad(v, arousal, 0.0).name for v in steps]
    edge = next(v for v, a, b in zip(steps[1:], names, names[1:], strict=False) if a != b)
    model.begin_drag()
    shown, plain = [], []
    for k in range(40):  # ±0.004 around the boundary: about a pixel on a 500 px pad
        model.set_vad(edge + (0.004 if k % 2 else -0.004), arousal)
        shown.append(model.headline)
        plain.append(model.condition.name)
    model.end_drag()
    changes = sum(a != b for a, b in itertools.pairwise(shown))
    assert sum(a != b for a, b in itertools.pairwise(plain)) > 10
    assert changes == 0
    model.set_word("melancholy")  # any other way of changing it shows its own name
    assert model.headline == model.condition.title


def test_the_pads_words_are_laid_out_once_per_size(panel: QtEmotionPanel) -> None:
    pad = panel.pad
    layout = pad._word_layout()
    assert layout and pad._word_layout() is layout  # a repaint during a drag reuses it
    for i, word in enumerate(layout):  # which earlier labels each label's room touches
        room = word.box.adjusted(-3, -2, 3, 2)
        assert word.touches == tuple(j for j in range(i) if room.intersects(layout[j].box))
    square = pad.square()
    pad.resize(pad.width() + 60, pad.height() + 60)
    moved = pad._word_layout()
    assert moved is not layout and pad.square() != square
    assert all(pad.square().contains(w.box) for w in moved)
    painted = pad.grab()  # and it paints
    assert not painted.isNull()


def test_the_wheel_measures_its_radius_once_per_size(panel: QtEmotionPanel) -> None:
    wheel = panel.wheel
    before = wheel.radius()
    assert wheel.radius() == before
    fonts, boxes = wheel._label_boxes()
    assert wheel._label_boxes()[1] is boxes  # names placed once per size
    assert fonts[1].bold() and not fonts[0].bold()
    assert all(bold.width() > plain.width() for plain, bold in boxes)  # bold is wider
    wheel.resize(wheel.width() + 80, wheel.height() + 80)
    assert wheel.radius() > before  # a bigger wheel, measured again
    assert wheel._label_boxes()[1] is not boxes  # and its names placed again


def test_dragging_the_pad_does_not_lay_out_the_window_again(make_window: Any) -> None:
    """The text that follows the pointer (blend, coordinates, slider numbers) repaints only
    itself: a layout request per move relaid and repainted the dock and the main window."""
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication

    window = make_window()
    window.resize(1280, 720)
    window.show()
    QApplication.processEvents()
    panel = window.emotion_panel
    requests = []

    class Count(QObject):
        def eventFilter(self, obj: Any, event: Any) -> bool:
            if event.type() == QEvent.Type.LayoutRequest:
                requests.append(obj)
            return False

    counter = Count()
    panel.installEventFilter(counter)
    names = {panel.name_label.text()}
    window.condition.begin_drag()
    for i in range(20):
        window.condition.set_vad(-0.8 + 0.08 * i, 0.3 + 0.02 * i, source="pad")
        QApplication.processEvents()
        names.add(panel.name_label.text())
    window.condition.end_drag()
    assert "V " in panel.detail_label.text() and panel.intensity.value_label.text()
    # Only a new headline (a wrapped name may take another line) lays the panel out.
    assert len(requests) <= len(names) - 1 < 20


@pytest.mark.parametrize("name", ["light", "dark"])
def test_the_pad_and_wheel_paint_their_own_background_seamlessly(
    make_window: Any, name: str
) -> None:
    """Opaque (the dock behind is not repainted at pointer rate), and their corners show
    the panel's own colour: no box around them in either theme."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from studio.ui import theme

    window = make_window()
    window.resize(1280, 720)
    window.show()
    before = theme.current().name
    theme.apply(QApplication.instance(), name)
    try:
        for _ in range(5):
            QApplication.processEvents()
        panel = window.emotion_panel
        image = panel.grab().toImage()
        for widget in (panel.pad, panel.wheel):
            assert widget.testAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
            corner = widget.mapTo(panel, widget.rect().topLeft())
            inside = image.pixelColor(corner.x() + 1, corner.y() + 1)
            outside = image.pixelColor(corner.x() - 2, corner.y() + 1)
            assert inside == outside, (name, inside.name(), outside.name())
    finally:
        theme.apply(QApplication.instance(), before)
