"""The window as an artist meets it: restarts keep the arc, arcs are documents, Generate
is guarded, lengths agree, a cancelled job says so, and the window fits a laptop."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QMessageBox

from studio.emotion import Condition, Trajectory
from studio.jobs import JobState
from studio.library.history import History
from studio.plugins import fakes
from tests.ui.conftest import WAIT_MS, wait_final


def _manual(window: Any) -> Any:
    for panel in window.panels.values():
        panel.mode.setCurrentIndex(panel.mode.findData("manual"))
    return window


def _two_keyframes(window: Any, end: float = 8.0) -> None:
    editor = window.trajectory_editor
    window.condition.set_condition(Condition.from_mixture({"joy": 1.0}, 0.7))
    editor.timeline.cursor_time = 0.0
    editor.add_keyframe()
    window.condition.set_condition(Condition.from_mixture({"sadness": 1.0}, 0.6))
    editor.timeline.cursor_time = end
    editor.add_keyframe()


# -- 1 and 2: the arc survives a restart; arcs are documents ------------------------------
def test_a_restart_keeps_the_arc_and_follow_stays_usable(make_window: Any) -> None:
    window = _manual(make_window(fakes.registry("music")))
    _two_keyframes(window)
    panel = window.panels["music"]
    panel.follow.setChecked(True)
    assert panel.generate_button.isEnabled()
    window.close()

    again = _manual(make_window(fakes.registry("music")))
    panel = again.panels["music"]
    assert [k.condition.name for k in again.trajectory.keyframes] == ["joy", "sadness"]
    assert again.trajectory.duration == pytest.approx(20.0)
    assert panel.follow.isChecked() and panel.follow.isEnabled()
    assert panel.generate_button.isEnabled(), panel.problem.text()
    assert panel.build_request().trajectory is not None


def test_follow_without_a_saved_arc_comes_back_unticked(make_window: Any) -> None:
    window = _manual(make_window(fakes.registry("music")))
    window.close()  # saves its settings; then a settings file from before arcs were kept:
    window.settings.setValue("panels/music", json.dumps({"follow": True}))
    window.settings.remove("arc")
    again = make_window(fakes.registry("music"))
    panel = again.panels["music"]
    assert not panel.follow.isChecked() and panel.generate_button.isEnabled()


def test_save_and_open_an_arc_as_the_command_line_reads_it(
    make_window: Any, tmp_path: Path
) -> None:
    window = make_window()
    _two_keyframes(window)
    target = tmp_path / "rise.json"
    assert window.save_arc(target)
    arc = Trajectory.from_json(target.read_text())  # what `studio generate --trajectory` reads
    assert [k.time for k in arc.keyframes] == [0.0, 8.0, 20.0]
    window.trajectory.clear()
    assert window.open_arc(target)
    assert [k.time for k in window.trajectory.keyframes] == [0.0, 8.0]
    assert window.trajectory.duration == pytest.approx(20.0)
    assert window.recent_arcs() == [target]
    assert [a.text() for a in window.recent_menu.actions()] == ["rise.json"]


def test_open_arc_reads_what_the_command_line_reads(
    make_window: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A --json result record and a file made along an arc open as that arc, as
    `studio generate --trajectory` accepts them."""
    from studio.cli import main

    arc = Trajectory.from_dict(
        {
            "keyframes": [
                {"time": 0, "condition": {"mixture": {"joy": 1}, "intensity": 0.7}},
                {"time": 6, "condition": {"mixture": {"sadness": 1}, "intensity": 0.7}},
            ]
        }
    )
    plain = tmp_path / "arc.json"
    plain.write_text(arc.to_json())
    made = tmp_path / "piece.mid"
    args = ["generate", "music", "--trajectory", str(plain), "-o", str(made), "--json"]
    assert main([*args, "--no-history"]) == 0
    record = tmp_path / "record.json"
    record.write_text(capsys.readouterr().out)
    window = make_window()
    for source in (record, made):
        window.trajectory.clear()
        assert window.open_arc(source), window.arc_error
        assert [k.time for k in window.trajectory.keyframes] == [0.0, 6.0]
        assert window.trajectory.keyframes[1].condition.name == "sadness"


def test_a_file_that_is_not_an_arc_is_refused_in_one_line(make_window: Any, tmp_path: Path) -> None:
    window = make_window()
    bad = tmp_path / "notes.json"
    bad.write_text('{"keyframes": 3}')
    assert not window.open_arc(bad)
    assert window.arc_error.startswith("notes.json is not an arc: ")
    assert "\n" not in window.arc_error and window.trajectory.keyframes == []
    assert not window.save_arc(tmp_path / "empty.json")  # nothing to save yet
    assert not (tmp_path / "empty.json").exists()


# -- 6: Generate is guarded ----------------------------------------------------------------
def test_repeated_generate_makes_one_job_and_one_history_row(
    make_window: Any, qtbot: Any, tmp_path: Path
) -> None:
    window = _manual(make_window(fakes.registry("gated")))
    panel = window.panels["gated"]
    window.tabs.setCurrentWidget(panel)
    gate = tmp_path / "gate"
    panel.form.editors["gate"].put(str(gate))  # the job cannot end during the clicks
    jobs = {id(panel.generate()) for _ in range(8)}
    assert len(jobs) == 1
    job = panel.current_job
    gate.touch()
    assert wait_final(qtbot, job) is JobState.FINISHED
    qtbot.waitUntil(lambda: panel.last_entry_id is not None, timeout=WAIT_MS)
    assert panel.generate() is None  # the same recipe again: already in the history
    assert "already in the history" in panel.caption.text()
    panel.seed.setValue(panel.seed.value() + 1)
    again = panel.generate()
    assert again is not None and again is not job
    wait_final(qtbot, again)
    qtbot.waitUntil(lambda: window.history_browser.list.count() == 2, timeout=WAIT_MS)
    with History() as history:
        assert history.count() == 2


def _kept_once(window: Any, qtbot: Any) -> tuple[Any, Any]:
    """Generate once in the echo panel; the panel then shows the kept result."""
    panel = window.panels["echo"]
    window.tabs.setCurrentWidget(panel)
    job = panel.generate()
    assert wait_final(qtbot, job) is JobState.FINISHED
    qtbot.waitUntil(lambda: panel.last_entry_id is not None, timeout=WAIT_MS)
    assert panel.generate() is None  # guarded while the result is in the history
    return panel, job


def test_a_deleted_result_no_longer_blocks_generate(
    make_window: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = _manual(make_window())
    panel, first = _kept_once(window, qtbot)
    browser = window.history_browser
    qtbot.waitUntil(lambda: browser.list.count() == 1, timeout=WAIT_MS)
    browser.list.setCurrentRow(0)
    with qtbot.waitSignal(browser.entries_deleted) as deleted:
        assert browser.delete_selected(confirm=False) == 1
    assert deleted.args == [[panel.last_entry_id]]
    again = panel.generate()  # the same settings: made again, not "already in the history"
    assert again is not None and again is not first
    assert wait_final(qtbot, again) is JobState.FINISHED
    qtbot.waitUntil(lambda: browser.list.count() == 1, timeout=WAIT_MS)
    with History() as history:
        assert history.count() == 1


def test_undo_delete_guards_generate_again(make_window: Any, qtbot: Any) -> None:
    window = _manual(make_window())
    panel, _ = _kept_once(window, qtbot)
    browser = window.history_browser
    qtbot.waitUntil(lambda: browser.list.count() == 1, timeout=WAIT_MS)
    browser.list.setCurrentRow(0)
    assert browser.delete_selected(confirm=False) == 1
    assert browser.undo_delete() == 1
    with History() as history:
        (entry,) = history.list()
    assert panel.last_entry_id == entry.id  # the row came back under a new id
    assert panel.generate() is None and "already in the history" in panel.caption.text()


def test_a_result_removed_behind_the_window_does_not_block_generate(
    make_window: Any, qtbot: Any
) -> None:
    window = _manual(make_window())
    panel, first = _kept_once(window, qtbot)
    first.result.path.unlink()  # e.g. a quit purged it, or the artist deleted the file
    again = panel.generate()
    assert again is not None and again is not first
    assert wait_final(qtbot, again) is JobState.FINISHED


# -- 7: lengths agree ----------------------------------------------------------------------
def test_following_an_arc_makes_the_arc_length(make_window: Any) -> None:
    window = _manual(make_window(fakes.registry("music")))
    _two_keyframes(window, end=17.3)
    panel = window.panels["music"]
    panel.form.editors["duration"].put(30)
    panel.follow.setChecked(True)
    request = panel.build_request()
    assert request.trajectory is not None
    assert request.trajectory.end == pytest.approx(20.0)
    assert request.params["duration"] == pytest.approx(20.0)
    assert not panel.form.editors["duration"].widget.isEnabled()
    assert "20 s" in panel.length_note.text() and not panel.length_note.isHidden()
    assert panel.title() == "Music · joy → sadness"


# -- 9: stale state ------------------------------------------------------------------------
def test_a_cancelled_job_does_not_keep_its_progress_line(
    make_window: Any, qtbot: Any, tmp_path: Path
) -> None:
    window = _manual(make_window(fakes.registry("gated")))
    panel = window.panels["gated"]
    window.tabs.setCurrentWidget(panel)
    panel.form.editors["gate"].put(str(tmp_path / "never"))  # runs until cancelled
    job = panel.generate()
    qtbot.waitUntil(lambda: "%" in panel.caption.text(), timeout=WAIT_MS)
    panel.cancel()
    assert wait_final(qtbot, job) is JobState.CANCELLED
    qtbot.waitUntil(lambda: panel.caption.text() == "Cancelled", timeout=WAIT_MS)
    assert not panel.cancel_button.isEnabled()


# -- 10: quitting during a job asks --------------------------------------------------------
def test_quitting_during_a_generation_asks(
    make_window: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    window = _manual(make_window(fakes.registry("gated")))
    window.show()
    qtbot.waitExposed(window)
    panel = window.panels["gated"]
    panel.form.editors["gate"].put(str(tmp_path / "never"))  # runs until cancelled
    job = panel.generate()
    asked: list[str] = []

    def answer(box: QMessageBox) -> int:
        asked.append(box.text())
        return int(QMessageBox.StandardButton.No.value)  # no button clicked: not Yes

    monkeypatch.setattr(QMessageBox, "exec", answer)
    assert not window.close()
    assert asked and "1 generation is still running" in asked[0]
    assert not window.bridge.closed and not job.state.is_final
    panel.cancel()
    wait_final(qtbot, job)
    assert window.close() and window.bridge.closed


# -- 3: it fits a laptop; the pad is the hero ----------------------------------------------
def _inside(window: Any, widget: Any) -> bool:
    top_left = widget.mapTo(window, widget.rect().topLeft())
    bottom_right = widget.mapTo(window, widget.rect().bottomRight())
    return window.rect().contains(top_left) and window.rect().contains(bottom_right)


@pytest.mark.parametrize("size", [(1280, 720), (1366, 768), (1366, 740)])
def test_the_window_fits_a_laptop_screen_with_every_dock_reachable(
    make_window: Any, qtbot: Any, size: tuple[int, int]
) -> None:
    window = make_window(fakes.registry("echo", "music"))
    width, height = size
    hint = window.minimumSizeHint()
    assert hint.width() <= width and hint.height() <= height - 30  # room for a title bar
    window.resize(width, height - 30)
    window.show()
    qtbot.waitExposed(window)
    assert window.width() <= width and window.height() <= height - 30
    for key, dock in window.docks.items():
        shown = dock.isVisible() and _inside(window, dock)
        tabbed = any(
            other.isVisible() and _inside(window, other)
            for other in window.tabifiedDockWidgets(dock)
        )
        assert shown or tabbed, key
    browser = window.history_browser
    window.docks["history"].raise_()
    qtbot.waitUntil(lambda: browser.isVisible(), timeout=WAIT_MS)
    arc = window.docks["arc"].geometry()
    for button in (browser.reopen_button, browser.export_button, browser.delete_button):
        assert _inside(window, button)
        assert not arc.intersects(QRect(button.mapTo(window, QPoint(0, 0)), button.size()))
    panel = window.current_panel()
    assert _inside(window, panel.generate_button)


def test_the_pad_grows_with_the_window(make_window: Any, qtbot: Any) -> None:
    window = make_window()
    window.resize(1280, 690)
    window.show()
    qtbot.waitExposed(window)
    small = window.emotion_panel.pad.width()
    window.resize(1920, 1050)
    qtbot.waitUntil(lambda: window.emotion_panel.pad.width() > small * 1.3, timeout=WAIT_MS)


def test_spin_box_arrows_show_in_the_dark_theme(qtbot: Any) -> None:
    from PySide6.QtGui import QColor
    from PySide6.QtWidgets import QApplication, QSpinBox

    from studio.ui import theme

    app = QApplication.instance()
    theme.apply(app, "dark")
    try:
        spin = QSpinBox()
        qtbot.addWidget(spin)
        spin.resize(120, 30)
        spin.show()
        qtbot.waitExposed(spin)
        image = spin.grab().toImage()
        text = QColor(theme.DARK.text)
        right = range(spin.width() - 18, spin.width())
        bright = [
            (x, y)
            for x in right
            for y in range(spin.height())
            if QColor(image.pixel(x, y)).lightness() > text.lightness() - 40
        ]
        top = [p for p in bright if p[1] < spin.height() / 2]
        bottom = [p for p in bright if p[1] > spin.height() / 2]
        assert len(top) >= 6 and len(bottom) >= 6  # an up and a down arrow, drawn in text
    finally:
        theme.apply(app, "dark")


# -- 9: delete asks, can be undone, and the count follows ---------------------------------
def test_delete_asks_counts_and_can_be_undone(
    make_window: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = _manual(make_window())
    panel = window.panels["echo"]
    for seed in (1, 2):
        panel.seed.setValue(seed)
        wait_final(qtbot, panel.generate())
    browser = window.history_browser
    qtbot.waitUntil(lambda: browser.list.count() == 2, timeout=WAIT_MS)
    assert browser.status.text() == "2 generations"
    browser.list.setCurrentRow(0)
    entry = browser.selected_entries()[0]
    answers = iter([QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes])
    asked: list[str] = []

    def question(*args: Any, **kwargs: Any) -> Any:
        asked.append(args[2])
        return next(answers)

    monkeypatch.setattr(QMessageBox, "question", question)
    assert browser.delete_selected() == 0 and browser.list.count() == 2  # said No
    assert browser.delete_selected() == 1
    assert "Undo" in asked[0]
    assert browser.list.count() == 1 and browser.status.text().startswith("1 generation ")
    assert entry.path.exists() and browser.undo_button.isVisible() is browser.isVisible()
    assert browser.undo_delete() == 1
    assert browser.list.count() == 2 and browser.status.text() == "2 generations"
    with History() as history:
        assert history.count() == 2
    browser.list.setCurrentRow(0)
    doomed = browser.selected_entries()[0]
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    assert browser.delete_selected() == 1
    window.close()  # quitting makes the delete final
    assert not doomed.path.exists()


def test_long_job_names_are_elided_with_the_whole_name_as_tooltip(
    make_window: Any, qtbot: Any
) -> None:
    window = _manual(make_window())
    panel = window.panels["echo"]
    title = "Audio for music-20261130-011330-4091f6.mid · joy → sadness → calm → fury"
    row = window.jobs_panel.add(panel.generate(), title)
    window.docks["jobs"].raise_()
    window.resize(1280, 720)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: row.title.text() != title)
    fm = row.title.fontMetrics()
    assert row.title.text().endswith("…") and row.title.toolTip() == title
    assert fm.horizontalAdvance(row.title.text()) <= row.title.width()
    assert row.title.height() >= fm.height()  # one whole line, not half of two
    right = row.title.mapTo(window.jobs_panel.list.viewport(), row.title.rect().topRight()).x()
    assert right <= window.jobs_panel.list.viewport().width()
    wait_final(qtbot, row.job)


def test_widgets_change_state_only_through_the_models() -> None:
    """No widget emits a model's signal or writes the pad's arc: models own their state."""
    import re

    import studio.ui

    folder = Path(studio.ui.__file__).parent
    models = {"condition_model.py", "trajectory_model.py"}
    emits = re.compile(r"\.(?:model|condition|trajectory)\.(?:changed|settled)\.emit\(")
    offenders = [
        f"{path.name}:{n}"
        for path in sorted(folder.rglob("*.py"))
        if path.name not in models
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if emits.search(line) or "pad.keyframes =" in line
    ]
    assert offenders == []


def test_a_long_emotion_name_or_caption_does_not_widen_the_window(
    make_window: Any, qtbot: Any
) -> None:
    window = make_window()
    window.show()
    qtbot.waitExposed(window)
    before = window.minimumSizeHint().width()
    long = Condition.from_mixture({"joy": 0.5, "trust": 0.5}, 0.7)
    window.condition.set_condition(
        Condition(*long.vad, mixture=long.mixture, intensity=0.7, label="x" * 120)
    )
    panel = window.current_panel()
    panel.caption.setText("joy → sadness → calm → … → anger (600 s arc) · kept in history " * 3)
    qtbot.wait(20)  # the layouts take the new texts in
    assert window.minimumSizeHint().width() == before <= 1280


def test_with_two_workers_a_frame_overtaken_by_a_newer_one_is_dropped(
    qtbot: Any, studio_home: Path, tmp_path: Path
) -> None:
    from studio.ui.app import ensure_app, make_settings
    from studio.ui.job_bridge import JobBridge
    from studio.ui.main_window import MainWindow

    ensure_app()
    history = History()
    bridge = JobBridge(history, workers=2)
    window = MainWindow(
        make_settings(),  # type: ignore[arg-type]
        registry=fakes.registry("gated"),
        history=history,
        bridge=bridge,
    )
    qtbot.addWidget(window)
    try:
        assert bridge.queue.wait_ready(WAIT_MS / 1000)  # both workers booted: both frames run
        panel = window.panels["gated"]
        window.tabs.setCurrentWidget(panel)
        panel.mode.setCurrentIndex(panel.mode.findData("manual"))  # frames asked by hand
        assert panel.preview_depth == 2
        gate = tmp_path / "let-the-older-frame-finish"
        panel.form.editors["gate"].put(str(gate))  # the older frame waits for the test
        window.condition.set_vad(-0.5, 0.2)
        slow = panel.preview()
        panel.form.editors["gate"].put("")  # the newer frame: at once
        window.condition.set_vad(0.5, 0.2)
        fast = panel.preview()
        assert slow is not None and fast is not None and slow is not fast
        assert wait_final(qtbot, fast) is JobState.FINISHED
        qtbot.waitUntil(lambda: panel.last_path == fast.result.path, timeout=WAIT_MS)
        assert not slow.state.is_final and panel.frames_shown == 1
        gate.touch()  # now the older frame finishes, after the newer one is on screen
        assert wait_final(qtbot, slow) is JobState.FINISHED  # never cancelled...
        qtbot.waitUntil(lambda: not panel.rendering, timeout=WAIT_MS)
        assert panel.last_path == fast.result.path  # ...but not shown over the newer frame
        assert not slow.result.path.exists() and panel.frames_shown == 1
    finally:
        window.close()
