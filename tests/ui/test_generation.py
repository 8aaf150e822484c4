"""A generation end to end through the real job queue (worker processes), cancel, errors,
live preview, history re-open, export and persistence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from studio.emotion import Condition
from studio.jobs import JobState
from studio.library.export import read_state
from studio.library.history import History
from studio.plugins import fakes
from tests.ui.conftest import WAIT_MS, wait_final


def _manual(window: Any) -> Any:
    """Panels that wait for Generate (no live previews racing the job under test)."""
    for panel in window.panels.values():
        panel.mode.setCurrentIndex(panel.mode.findData("manual"))
    return window


def _finished_in_panel(qtbot: Any, panel: Any, job: Any) -> None:
    wait_final(qtbot, job)
    qtbot.waitUntil(
        lambda: job.result is not None and panel.last_path == job.result.path, timeout=WAIT_MS
    )


def test_generate_end_to_end(make_window: Any, qtbot: Any, studio_home: Path) -> None:
    window = _manual(make_window())
    window.condition.set_vad(0.7, 0.4)
    panel = window.panels["echo"]
    window.tabs.setCurrentWidget(panel)
    qtbot.mouseClick(panel.generate_button, Qt.MouseButton.LeftButton)
    job = panel.current_job
    assert job is not None
    _finished_in_panel(qtbot, panel, job)
    assert job.state is JobState.FINISHED
    path = job.result.path
    assert path.parent == studio_home / "artifacts" and path.is_file()
    # kept: the state is in a sidecar (JSON cannot embed), and the history has the row
    state = read_state(path)
    assert state["condition"]["vad"]["valence"] == pytest.approx(0.7)
    qtbot.waitUntil(lambda: window.history_browser.list.count() == 1, timeout=WAIT_MS)
    with History() as history:
        (entry,) = history.list()
    assert entry.path == path and entry.generator == "echo"
    assert panel.last_entry_id == entry.id
    assert "kept in history" in panel.caption.text()
    row = window.jobs_panel.row(job)
    assert row is not None and row.status.text().startswith("done")
    assert panel.preview_stack.current == path


def test_cancel_through_the_job_list(make_window: Any, qtbot: Any, studio_home: Path) -> None:
    window = _manual(make_window())
    panel = window.panels["echo"]
    window.tabs.setCurrentWidget(panel)
    panel.form.editors["steps"].put(200)
    panel.form.editors["step_seconds"].put(0.05)
    job = panel.generate()
    assert job is not None
    qtbot.waitUntil(lambda: job.state is JobState.RUNNING, timeout=WAIT_MS)
    row = window.jobs_panel.row(job)
    qtbot.mouseClick(row.cancel, Qt.MouseButton.LeftButton)
    assert wait_final(qtbot, job) is JobState.CANCELLED
    qtbot.waitUntil(lambda: row.status.text() == "cancelled", timeout=WAIT_MS)
    assert not job.request.output.exists()
    assert not list((studio_home / "artifacts").glob("*.part"))
    with History() as history:
        assert history.count() == 0


def test_failure_is_one_readable_line(make_window: Any, qtbot: Any) -> None:
    window = _manual(make_window())
    panel = window.panels["fail"]
    job = panel.generate()
    assert wait_final(qtbot, job) is JobState.FAILED
    row = window.jobs_panel.row(job)
    qtbot.waitUntil(lambda: "ran out of ink" in row.status.text(), timeout=WAIT_MS)
    assert row.status.text() == "RuntimeError: the backend ran out of ink"
    assert row.status.objectName() == "error"


def test_live_drag_never_cancels_a_rendering_preview_and_the_newest_wins(
    make_window: Any, qtbot: Any
) -> None:
    window = make_window()
    panel = window.panels["echo"]
    window.tabs.setCurrentWidget(panel)
    panel.mode.setCurrentIndex(panel.mode.findData("live"))
    panel.form.editors["steps"].put(20)
    panel.form.editors["step_seconds"].put(0.02)  # each preview renders for ~0.4 s
    submitted: list[Any] = []
    window.bridge.updated.connect(
        lambda u: submitted.append(u.job) if u.job not in submitted else None
    )
    window.condition.begin_drag()
    window.condition.set_vad(-0.8, 0.1)
    qtbot.waitUntil(lambda: panel.preview_job is not None, timeout=WAIT_MS)
    first = panel.preview_job
    for i in range(1, 5):  # moves while the first frame renders: only the newest waits
        window.condition.set_vad(-0.8 + 0.3 * i, 0.1)
        qtbot.wait(5)
    assert panel.preview_job is first and not first.state.is_final
    assert panel.pending_preview is not None
    assert panel.pending_preview.condition.valence == pytest.approx(0.4)
    window.condition.end_drag()
    _finished_in_panel(qtbot, panel, first)  # the first frame is shown, not thrown away
    assert first.state is JobState.FINISHED
    qtbot.waitUntil(lambda: panel.preview_job is not first, timeout=WAIT_MS)
    last = panel.preview_job
    _finished_in_panel(qtbot, panel, last)
    assert last.request.condition.valence == pytest.approx(window.condition.condition.valence)
    assert panel.frames_shown == 2 and panel.pending_preview is None
    assert all(j.state is JobState.FINISHED for j in submitted)
    assert "preview" in panel.caption.text()
    with History() as history:
        assert history.count() == 0  # previews are never recorded


def test_draft_previews_are_small_and_refined_at_rest() -> None:
    from studio.ui.requests import draft_size

    assert draft_size("1024") == "256x256"
    assert draft_size("1024x512") == "256x128"
    assert draft_size(256) is None and draft_size(None) is None


def test_image_previews_are_drafts_and_generate_is_not(make_window: Any) -> None:
    window = _manual(make_window(fakes.registry("image")))
    panel = window.panels["image"]
    window.condition.begin_drag()
    moving = panel.build_request(preview=True, draft=window.condition.dragging)
    window.condition.end_drag()
    resting = panel.build_request(preview=True)
    kept = panel.build_request()
    assert moving.params == {"size": "256x256", "draft": True}
    assert resting.params == {"draft": True}  # full size once the pointer rests
    assert kept.params == {}


def test_inactive_and_manual_panels_do_not_preview(make_window: Any) -> None:
    window = _manual(make_window())
    echo, fail = window.panels["echo"], window.panels["fail"]
    window.tabs.setCurrentWidget(echo)
    echo.mode.setCurrentIndex(echo.mode.findData("manual"))
    window.condition.set_vad(0.5, 0.5)
    window.condition.settled.emit(window.condition.condition)
    assert echo.preview_job is None and fail.preview_job is None


def test_history_reopen_restores_condition_and_options(make_window: Any, qtbot: Any) -> None:
    window = _manual(make_window())
    panel = window.panels["echo"]
    window.tabs.setCurrentWidget(panel)
    window.emotion_panel.word_box.apply("nostalgic")
    panel.seed.setValue(1234)
    panel.form.editors["text"].put("a red kite")
    _finished_in_panel(qtbot, panel, panel.generate())
    qtbot.waitUntil(lambda: window.history_browser.list.count() == 1, timeout=WAIT_MS)
    kept = window.condition.condition
    # change everything, then re-open
    window.condition.set_vad(-0.9, 0.9)
    panel.seed.setValue(1)
    panel.form.editors["text"].put("")
    browser = window.history_browser
    browser.list.setCurrentRow(0)
    qtbot.mouseClick(browser.reopen_button, Qt.MouseButton.LeftButton)
    assert window.condition.condition == kept
    assert window.emotion_panel.name_label.text() == kept.title == "serenity (nostalgic)"
    assert panel.seed.value() == 1234
    assert panel.form.values()["text"] == "a red kite"


def test_history_filter_and_delete(make_window: Any, qtbot: Any) -> None:
    window = _manual(make_window())
    panel = window.panels["echo"]
    for primary in ("joy", "fear"):
        window.condition.set_mixture({primary: 1.0}, 0.6)
        _finished_in_panel(qtbot, panel, panel.generate())
    browser = window.history_browser
    qtbot.waitUntil(lambda: browser.list.count() == 2, timeout=WAIT_MS)
    browser.search.setText("fear")
    browser.refresh()
    assert browser.list.count() == 1
    entry = browser.entry_of(browser.list.item(0))
    browser.list.setCurrentRow(0)
    assert browser.delete_selected(confirm=False) == 1
    assert browser.list.count() == 0
    with History() as history:
        assert [e.name for e in history.list()] == ["joy"]
    assert entry.path.exists()  # until the window closes: Undo can bring it back
    browser.purge()
    assert not entry.path.exists()


def test_export_copies_with_state_and_sidecar(make_window: Any, qtbot: Any, tmp_path: Path) -> None:
    from studio.ui.export_dialog import ExportDialog

    window = _manual(make_window())
    panel = window.panels["echo"]
    window.emotion_panel.word_box.apply("serene")
    _finished_in_panel(qtbot, panel, panel.generate())
    with History() as history:
        entries = history.list()
    out = tmp_path / "exports"
    out.mkdir()
    dialog = ExportDialog(entries, [".json", ".txt"])
    qtbot.addWidget(dialog)
    dialog.folder.setText(str(out))
    dialog.pattern.setText("{name}-{id}")
    assert dialog.ok.isEnabled()
    with qtbot.waitSignal(window.exporter.finished, timeout=WAIT_MS) as done:
        window.exporter.run(dialog.plan(), entries)
    paths, errors = done.args
    assert errors == []
    assert paths == [out / f"serene-{entries[0].id}.json"]
    assert (out / f"serene-{entries[0].id}.json.json").is_file()  # the sidecar
    assert read_state(paths[0])["condition"]["label"] == "serene"
    # a second export into the same name is refused unless replacing is asked for
    with qtbot.waitSignal(window.exporter.finished, timeout=WAIT_MS) as again:
        window.exporter.run(dialog.plan(), entries)
    assert again.args[0] == [] and "already exists" in again.args[1][0]


def test_export_in_another_format_renders_again(
    make_window: Any, qtbot: Any, tmp_path: Path
) -> None:
    from studio.ui.export_dialog import ExportPlan

    window = _manual(make_window())
    panel = window.panels["echo"]
    _finished_in_panel(qtbot, panel, panel.generate())
    with History() as history:
        entries = history.list()
    plan = ExportPlan(tmp_path, "{generator}-{seed}", ".txt", sidecar=False, overwrite=False)
    with qtbot.waitSignal(window.exporter.finished, timeout=WAIT_MS) as done:
        window.exporter.run(plan, entries)
    assert done.args == [[tmp_path / "echo-0.txt"], []]
    assert not (tmp_path / "echo-0.txt.json").exists()


def test_overlapping_exports_keep_their_own_results(
    make_window: Any, qtbot: Any, tmp_path: Path
) -> None:
    from studio.ui.export_dialog import ExportPlan

    window = _manual(make_window())
    panel = window.panels["echo"]
    _finished_in_panel(qtbot, panel, panel.generate())
    with History() as history:
        entries = history.list()
    results: list[tuple[list[Path], list[str]]] = []
    window.exporter.finished.connect(lambda paths, errors: results.append((paths, errors)))
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    # The first re-renders in a worker; the second (a plain copy) starts and ends meanwhile.
    window.exporter.run(ExportPlan(first, "{generator}", ".txt", False, False), entries)
    assert window.exporter.busy
    window.exporter.run(ExportPlan(second, "{generator}", "", False, False), entries)
    qtbot.waitUntil(lambda: len(results) == 2, timeout=WAIT_MS)
    assert results == [([second / "echo.json"], []), ([first / "echo.txt"], [])]
    assert not window.exporter.busy


def test_export_to_a_missing_folder_creates_it(
    qtbot: Any, make_window: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QFileDialog

    from studio.ui.export_dialog import ExportDialog

    window = _manual(make_window())
    panel = window.panels["echo"]
    _finished_in_panel(qtbot, panel, panel.generate())
    with History() as history:
        entries = history.list()
    dialog = ExportDialog(entries, [])
    qtbot.addWidget(dialog)
    missing = tmp_path / "Pictures" / "studio"
    dialog.folder.setText(str(missing))
    assert dialog.ok.isEnabled(), dialog.preview.text()
    assert "the folder will be created" in dialog.preview.text()
    (tmp_path / "afile").write_text("x")
    dialog.folder.setText(str(tmp_path / "afile" / "sub"))
    assert not dialog.ok.isEnabled() and "is a file, not a folder" in dialog.preview.text()
    dialog.folder.setText("/proc/studio-exports")  # exists to os.access, not writable
    assert not dialog.ok.isEnabled() and "cannot be written" in dialog.preview.text()
    # Browse picks the folder already typed (made meanwhile): the line is re-checked
    dialog.folder.setText(str(missing))
    missing.mkdir(parents=True)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(missing))
    dialog._browse()
    assert dialog.ok.isEnabled() and "will be created" not in dialog.preview.text()
    missing.rmdir()
    dialog.accept()  # creates it
    assert missing.is_dir() and dialog.result() == ExportDialog.DialogCode.Accepted
    with qtbot.waitSignal(window.exporter.finished, timeout=WAIT_MS) as done:
        window.exporter.run(dialog.plan(), entries)
    assert done.args[1] == [] and done.args[0][0].parent == missing
    again = ExportDialog(entries, [])  # the same names again: said before Export, not after
    qtbot.addWidget(again)
    again.folder.setText(str(missing))
    assert not again.ok.isEnabled() and "Replace existing files" in again.preview.text()
    again.overwrite.setChecked(True)
    assert again.ok.isEnabled()


def test_layout_and_last_condition_persist(make_window: Any, qtbot: Any) -> None:
    window = _manual(make_window())
    window.condition.set_vad(-0.3, 0.6)
    window.set_theme("light")
    window.panels["echo"].seed.setValue(77)
    window.close()
    again = make_window()
    assert again.condition.condition.vad[:2] == (-0.3, 0.6)
    assert again.theme_actions["light"].isChecked()
    assert again.panels["echo"].seed.value() == 77
    again.set_theme("dark")


def test_broken_plugin_is_listed_not_fatal(make_window: Any) -> None:
    window = make_window(fakes.registry("echo", "broken"))
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert "broken (unavailable)" in titles
    assert set(window.panels) == {"echo"}


def test_unavailable_backend_is_shown_with_its_reason(make_window: Any) -> None:
    panel = make_window().panels["echo"]
    index = panel.backend.findData("neural")
    assert "(unavailable)" in panel.backend.itemText(index)
    assert "needs a local model directory" in panel.backend.itemData(
        index, Qt.ItemDataRole.ToolTipRole
    )
    assert not panel.backend.model().item(index).isEnabled()


def test_arc_is_used_by_generators_that_follow_it(make_window: Any) -> None:
    window = _manual(make_window())
    panel = window.panels["echo"]
    editor = window.trajectory_editor
    window.condition.set_condition(Condition.from_mixture({"joy": 1.0}, 0.7))
    editor.timeline.cursor_time = 0.0
    editor.add_keyframe()
    window.condition.set_condition(Condition.from_mixture({"sadness": 1.0}, 0.6))
    editor.timeline.cursor_time = 8.0
    editor.add_keyframe()
    assert len(window.emotion_panel.pad.keyframes) == 2
    panel.follow.setChecked(True)
    request = panel.build_request()
    assert request.trajectory is not None and request.condition is None
    # the arc spans its Length (20 s): the last emotion holds from 8 s to the end
    assert [k.condition.name for k in request.trajectory.keyframes] == ["joy", "sadness"] * 1 + [
        "sadness"
    ]
    assert request.trajectory.end == pytest.approx(editor.model.duration)
    editor.timeline.select(0)  # selecting a keyframe loads it into the pad
    assert window.condition.condition.name == "joy"
    editor.model.clear()
    assert not panel.generate_button.isEnabled()  # following an empty arc is refused
