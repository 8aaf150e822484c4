"""The window's layout at the sizes artists use: the form column, the wheel, the
emotion controls agreeing with their numbers."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QComboBox, QToolButton

from studio.plugins import fakes


def _settle(window: Any, width: int, height: int) -> None:
    window.resize(width, height)
    window.show()
    for _ in range(10):
        QApplication.processEvents()


def test_intensity_handle_sits_where_its_number_says(make_window: Any) -> None:
    window = make_window()
    window.condition.set_word("calm")
    c = window.condition.condition
    slider = window.emotion_panel.intensity.slider
    assert float(window.emotion_panel.intensity.value_label.text()) == pytest.approx(
        c.intensity, abs=0.005
    )
    share = (slider.value() - slider.minimum()) / (slider.maximum() - slider.minimum())
    assert share == pytest.approx(c.intensity, abs=0.01)


def test_the_form_column_grows_and_never_scrolls_sideways(make_window: Any) -> None:
    window = make_window(fakes.registry("image", "music"))
    widths: dict[int, int] = {}
    for width, height in ((1280, 720), (1920, 1080)):
        _settle(window, width, height)
        for panel in window.panels.values():
            window.tabs.setCurrentWidget(panel)
            QApplication.processEvents()
            scroll = panel.options_scroll
            assert not scroll.horizontalScrollBar().isVisible()
            view = scroll.viewport()
            for w in scroll.widget().findChildren(QComboBox) + scroll.widget().findChildren(
                QToolButton
            ):
                if not w.isVisible():
                    continue
                right = w.mapTo(view, w.rect().topRight()).x()
                assert right < view.width(), f"{panel.generator.id}: a control is cut off"
                assert w.width() >= w.minimumSizeHint().width()
        widths[width] = panel.split.sizes()[0]
    assert widths[1920] > widths[1280] + 60  # the form grows with the window


def test_the_wheel_is_big_enough_to_aim_at(make_window: Any) -> None:
    window = make_window()
    _settle(window, 1280, 720)
    wheel = window.emotion_panel.wheel
    assert 2 * wheel.radius() >= 130
    _settle(window, 1920, 1080)
    assert 2 * wheel.radius() >= 220


def test_a_word_error_goes_when_the_emotion_changes_another_way(make_window: Any) -> None:
    window = make_window()
    panel = window.emotion_panel
    _settle(window, 1280, 720)
    pad_top = panel.pad.mapTo(panel, panel.pad.rect().topLeft()).y()
    assert not panel.word_box.apply("flibbertigibbet")
    assert panel.word_problem.isVisible()
    window.condition.set_vad(0.5, -0.4, source="pad")
    QApplication.processEvents()
    assert not panel.word_problem.isVisible()
    assert panel.pad.mapTo(panel, panel.pad.rect().topLeft()).y() == pad_top


def test_delete_and_undo_keep_the_layout_and_the_row(make_window: Any, qtbot: Any) -> None:
    from tests.ui.conftest import wait_final

    window = make_window()
    for panel in window.panels.values():
        panel.mode.setCurrentIndex(panel.mode.findData("manual"))
    panel = window.panels["echo"]
    for seed in (1, 2):
        panel.seed.setValue(seed)
        wait_final(qtbot, panel.generate())
    browser = window.history_browser
    qtbot.waitUntil(lambda: browser.list.count() == 2, timeout=30_000)
    _settle(window, 1280, 720)
    widths = (window.docks["history"].width(), window.docks["emotion"].width())
    browser.list.setCurrentRow(1)  # the older one
    (older,) = browser.selected_entries()
    assert browser.delete_selected(confirm=False) == 1
    _settle(window, 1280, 720)
    assert (window.docks["history"].width(), window.docks["emotion"].width()) == widths
    assert browser.undo_delete() == 1
    _settle(window, 1280, 720)
    assert (window.docks["history"].width(), window.docks["emotion"].width()) == widths
    back = browser.entry_of(browser.list.item(1))
    assert (back.id, back.created_at) == (older.id, older.created_at)


def test_a_validation_message_keeps_its_field_in_view(make_window: Any, qtbot: Any) -> None:
    window = make_window(fakes.registry("speech"))
    _settle(window, 1280, 720)
    panel = window.panels["speech"]
    text = panel.form.editors["text"]
    text.put("")  # "Text: Field required"
    qtbot.waitUntil(lambda: panel.problem.isVisible())
    for _ in range(5):
        QApplication.processEvents()
    view = panel.options_scroll.viewport()
    top = text.widget.mapTo(view, text.widget.rect().topLeft()).y()
    assert panel.problem.text().startswith("Text")
    assert top >= 0 and top + text.widget.height() <= view.height()


def test_a_restored_geometry_fits_the_screen(make_window: Any) -> None:
    from PySide6.QtCore import QRect

    first = make_window()
    free = first.screen().availableGeometry()
    # A session on a bigger screen, placed partly off this one.
    first.setGeometry(QRect(free.x() + 300, free.y() + 40, free.width() + 640, free.height() + 360))
    first.save_settings()
    first.close()
    window = make_window()
    window.show()
    for _ in range(3):
        QApplication.processEvents()
    frame = window.frameGeometry()
    least = window.minimumSizeHint()  # wider than the test screen: it can only go left
    assert free.top() <= frame.top() and frame.bottom() <= free.bottom(), (frame, free)
    assert free.left() <= frame.left()
    assert frame.right() <= max(free.right(), free.left() + least.width() + 40)
    assert frame.height() >= free.height() * 0.9


def test_the_empty_timeline_hint_is_shown_whole(make_window: Any) -> None:
    """At 1280×720 the timeline is narrower than its hint on one line: it wraps inside the
    track instead of losing its first and last words at the edges."""
    from PySide6.QtCore import QRect, Qt
    from PySide6.QtGui import QFontMetrics

    from studio.ui.trajectory_editor import EMPTY_HINT

    window = make_window(fakes.registry("image"))
    _settle(window, 1280, 720)
    timeline = window.trajectory_editor.timeline
    metrics = QFontMetrics(timeline.font())
    width = timeline.width() - 16
    assert metrics.horizontalAdvance(EMPTY_HINT) > width  # one line would be cut here
    needed = metrics.boundingRect(
        QRect(0, 0, width, 10_000), int(Qt.TextFlag.TextWordWrap), EMPTY_HINT
    )
    assert needed.height() <= timeline.height() - 44  # the track between the two rulers
    # ... and it is painted wrapped: nothing drawn in the track's outer columns.
    image = timeline.grab().toImage()
    for x in (*range(0, 6), *range(timeline.width() - 6, timeline.width())):
        column = {image.pixel(x, y) for y in range(30, timeline.height() - 30)}
        assert len(column) == 1, f"text cut at the edge (x={x})"
