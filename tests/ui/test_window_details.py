"""The window's details an artist notices: the About box, the quit question, the video
time, a duplicate after a restart, long job titles, the pad at its corners, the arc
timeline's labels, the spin-box arrows, exporting a preview."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication

from studio import __version__
from studio.jobs import JobState
from studio.library.history import History
from studio.plugins import fakes
from tests.ui.conftest import WAIT_MS, wait_final


def _manual(window: Any) -> Any:
    for panel in window.panels.values():
        panel.mode.setCurrentIndex(panel.mode.findData("manual"))
    return window


def test_about_names_the_version() -> None:
    from studio.ui.menus import about_text

    assert f"Emotion Studio {__version__}" in about_text()


def test_the_quit_question_follows_a_job_that_finishes_behind_it(
    make_window: Any, qtbot: Any, tmp_path: Path
) -> None:
    window = _manual(make_window(fakes.registry("gated")))
    panel = window.panels["gated"]
    gate = tmp_path / "open"
    panel.form.editors["gate"].put(str(gate))
    job = panel.generate()
    assert job is not None
    box = window.quit_box()
    assert "will be lost" in box.text()
    gate.touch()
    assert wait_final(qtbot, job) is JobState.FINISHED
    qtbot.waitUntil(lambda: "will be lost" not in box.text(), timeout=WAIT_MS)
    assert "finished" in box.text()
    box.deleteLater()


class _Player(QObject):
    """A media player that, like a real one, reports a new position only later."""

    durationChanged = Signal(int)
    positionChanged = Signal(int)
    playbackStateChanged = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[int] = []

    def position(self) -> int:
        return 0

    def duration(self) -> int:
        return 60_000

    def setPosition(self, ms: int) -> None:
        self.asked.append(ms)


def test_the_time_follows_the_slider_at_once(qtbot: Any) -> None:
    from studio.ui.previews.transport import Transport

    player = _Player()
    transport = Transport(player)
    qtbot.addWidget(transport)
    player.durationChanged.emit(60_000)
    transport.slider.setSliderDown(True)
    transport.slider.setSliderPosition(30_000)  # the artist drags the handle
    assert player.asked == [30_000]
    assert transport.time.text() == "0:30 / 1:00"


def test_an_identical_request_after_a_restart_is_not_made_twice(
    make_window: Any, qtbot: Any
) -> None:
    window = _manual(make_window())
    panel = window.panels["echo"]
    panel.seed.setValue(7)
    assert wait_final(qtbot, panel.generate()) is JobState.FINISHED
    qtbot.waitUntil(lambda: panel.last_entry_id is not None, timeout=WAIT_MS)
    window.close()
    again = make_window()  # the next start: settings and history from the last session
    panel = again.panels["echo"]
    assert panel.seed.value() == 7
    assert panel.generate() is None
    assert "already in the history" in panel.caption.text()
    with History() as history:
        assert history.count() == 1
    panel.seed.setValue(8)  # another seed is another result
    assert panel.generate() is not None


def test_the_pad_point_and_its_name_stay_inside_the_frame_at_the_corners(qtbot: Any) -> None:
    from PySide6.QtCore import QRectF

    from studio.emotion import Condition
    from studio.ui.condition_model import ConditionModel
    from studio.ui.pad import QtPad

    model = ConditionModel()
    pad = QtPad(model)
    qtbot.addWidget(pad)
    pad.resize(320, 320)
    frame = pad.square()
    for v, a in ((1, 1), (-1, 1), (1, -1), (-1, -1)):
        model.set_condition(Condition.from_vad(v, a, 1.0))
        c = model.condition
        pt, r = pad.to_point(c.valence, c.arousal), pad._radius(c)
        assert frame.contains(QRectF(pt.x() - r, pt.y() - r, 2 * r, 2 * r)), (v, a)
        assert frame.contains(pad._badge()[2]), (v, a)
        assert pad.to_va(pt) == (v, a)


def test_arc_timeline_labels_stay_inside_and_apart(qtbot: Any) -> None:
    from studio.emotion.lexicon import lookup
    from studio.ui.condition_model import ConditionModel
    from studio.ui.trajectory_editor import QtTimeline
    from studio.ui.trajectory_model import TrajectoryModel

    arc = TrajectoryModel()
    for time, word in ((0.0, "melancholy"), (10.0, "furious"), (20.0, "serene")):
        arc.put(time, lookup(word).condition())
    timeline = QtTimeline(arc, ConditionModel())
    qtbot.addWidget(timeline)
    for width in (1900, 900, 420):
        timeline.resize(width, 130)
        ticks, names, legend = timeline.label_boxes()
        inside = timeline.rect().toRectF()
        for box, _text in ticks + names:
            assert inside.contains(box), (width, box)
        for box, _text, _colour in legend:
            assert inside.contains(box)
            assert not any(box.intersects(n) for n, _ in names), width
        for (a, _), (b, _) in itertools.pairwise(names):
            assert a.right() <= b.left() + 1, width  # neighbours' names do not overlap
        assert legend or width < 900  # room for it on a wide timeline


def _ink_widths(image: Any, x0: int, x1: int, y0: int, y1: int, ink: Any) -> list[int]:
    """Per row, how many pixels in [x0, x1) are close to the ``ink`` colour."""
    widths = []
    for y in range(y0, y1):
        n = 0
        for x in range(x0, x1):
            c = image.pixelColor(x, y)
            if (
                abs(c.red() - ink.red()) + abs(c.green() - ink.green()) + abs(c.blue() - ink.blue())
                < 120
            ):
                n += 1
        if n:
            widths.append(n)
    return widths


def test_spin_box_arrows_are_triangles_in_both_themes(qtbot: Any) -> None:
    from PySide6.QtGui import QColor
    from PySide6.QtWidgets import QSpinBox

    from studio.ui import theme

    app = QApplication.instance()
    try:
        for name in ("dark", "light"):
            t = theme.apply(app, name)
            spin = QSpinBox()
            qtbot.addWidget(spin)
            spin.resize(140, 30)
            spin.show()
            qtbot.waitExposed(spin)
            image = spin.grab().toImage()
            w, h = image.width(), image.height()
            for y0, y1 in ((0, h // 2), (h // 2, h)):  # the up and the down arrow
                widths = _ink_widths(image, w - 18, w, y0, y1, QColor(t.text))
                assert len(widths) >= 3, (name, widths)
                assert max(widths) - min(widths) >= 3, (name, widths)  # a point, not a bar
    finally:
        theme.apply(app, "dark")


def test_export_clip_of_a_draft_preview_exports_the_full_clip(
    make_window: Any, qtbot: Any, monkeypatch: Any
) -> None:
    window = make_window(fakes.registry("image"))
    panel = window.panels["image"]
    window.show()
    qtbot.waitUntil(lambda: panel.last_path is not None, timeout=WAIT_MS)  # the start preview
    assert panel.shown_request.params.get("draft") is True and panel.shows_a_draft()
    exported: list[Any] = []
    monkeypatch.setattr(window, "export_entries", lambda entries: exported.append(entries))
    titles: list[str] = []
    monkeypatch.setattr(
        "studio.ui.main_window.QFileDialog.getSaveFileName",
        lambda _parent, title, *_a: (titles.append(title), ("", ""))[1],
    )
    window.export_panel_result(panel)
    assert titles == []  # no "Export preview" of the draft
    qtbot.waitUntil(lambda: bool(exported), timeout=WAIT_MS)
    (entry,) = exported[0]
    assert entry.generator == "image" and not entry.params.get("draft")
    assert entry.metadata["params"].get("draft") is not True


def test_export_clip_of_a_finished_preview_says_clip(
    make_window: Any, qtbot: Any, monkeypatch: Any
) -> None:
    window = make_window()
    panel = window.panels["echo"]
    window.show()
    qtbot.waitUntil(lambda: panel.last_path is not None, timeout=WAIT_MS)
    assert not panel.shows_a_draft()  # echo has no draft mode: the preview is the clip
    titles: list[str] = []
    monkeypatch.setattr(
        "studio.ui.main_window.QFileDialog.getSaveFileName",
        lambda _parent, title, *_a: (titles.append(title), ("", ""))[1],
    )
    window.export_panel_result(panel)
    assert titles == ["Export clip"]
