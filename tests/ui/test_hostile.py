"""The window under hostile conditions: damaged settings, impossible export names, an
unusable history, corrupt files in previews. Never a traceback, never lost work."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from studio.jobs import EventKind, JobState
from studio.library.history import Entry, History
from studio.plugins import fakes
from studio.ui.export_dialog import ExportPlan
from tests.ui.conftest import WAIT_MS, wait_final
from tests.ui.test_generation import _finished_in_panel, _manual


def test_damaged_saved_panel_state_keeps_the_defaults(make_window: Any, studio_home: Path) -> None:
    from studio.ui.app import make_settings

    settings: Any = make_settings()
    settings.setValue("panels/echo", "[1, 2]")
    settings.setValue(
        "panels/fail",
        json.dumps({"seed": 2**40, "params": {"text": 5, "repeat": "many"}, "backend": 3}),
    )
    settings.setValue("condition", "[1, 2, 3]")
    settings.sync()
    window = make_window()
    assert set(window.panels) == {"echo", "fail"}
    assert window.panels["echo"].seed.value() == 0
    assert window.panels["fail"].seed.value() == 0


def _one_entry(window: Any, qtbot: Any) -> list[Entry]:
    panel = window.panels["echo"]
    _finished_in_panel(qtbot, panel, panel.generate())
    with History() as history:
        return history.list()


def test_export_dialog_refuses_a_file_name_it_cannot_fill(
    make_window: Any, qtbot: Any, tmp_path: Path
) -> None:
    from studio.ui.export_dialog import ExportDialog

    window = _manual(make_window())
    entries = _one_entry(window, qtbot)
    dialog = ExportDialog(entries, [])
    qtbot.addWidget(dialog)
    dialog.folder.setText(str(tmp_path))
    for pattern, words in (
        ("{name.upper.x}", "File name:"),
        ("{name[999]}", "File name:"),
        ("{nme}", "unknown field"),
        ("{id:0>400}", "longer than"),
    ):
        dialog.pattern.setText(pattern)
        assert not dialog.ok.isEnabled(), pattern
        assert words in dialog.preview.text() and "\n" not in dialog.preview.text()
    dialog.pattern.setText("{name}-{seed}")
    assert dialog.ok.isEnabled()


def test_exporter_reports_a_name_that_fails_for_one_entry(
    make_window: Any, qtbot: Any, tmp_path: Path
) -> None:
    window = _manual(make_window())
    entries = _one_entry(window, qtbot)
    out = tmp_path / "out"
    out.mkdir()
    plan = ExportPlan(out, "{name[999]}", "", sidecar=False, overwrite=False)
    with qtbot.waitSignal(window.exporter.finished, timeout=WAIT_MS) as done:
        window.exporter.run(plan, entries)
    paths, errors = done.args
    assert paths == [] and len(errors) == 1 and "File name" in errors[0]
    assert list(out.iterdir()) == []


def test_export_into_an_unwritable_place_is_one_line(make_window: Any, qtbot: Any) -> None:
    window = _manual(make_window())
    entries = _one_entry(window, qtbot)
    plan = ExportPlan(Path("/proc/1"), "{name}", "", sidecar=True, overwrite=False)
    with qtbot.waitSignal(window.exporter.finished, timeout=WAIT_MS) as done:
        window.exporter.run(plan, entries)
    paths, errors = done.args
    assert paths == [] and len(errors) == 1 and "\n" not in errors[0]


def test_without_a_history_generations_are_still_kept(
    make_window: Any, qtbot: Any, studio_home: Path
) -> None:
    """A damaged history database must not turn Generate into a throw-away preview."""
    from studio.ui.app import make_settings
    from studio.ui.job_bridge import JobBridge
    from studio.ui.main_window import MainWindow

    bridge = JobBridge(None, workers=1)
    window = MainWindow(
        make_settings(),  # type: ignore[arg-type]
        registry=fakes.registry("echo"),
        history=None,
        bridge=bridge,
    )
    qtbot.addWidget(window)
    _manual(window)
    panel = window.panels["echo"]
    job = panel.generate()
    assert job is not None
    wait_final(qtbot, job)
    path = job.result.path
    window.close()
    assert path.is_file(), "a kept generation was deleted with the preview scratch folder"
    assert path.parent == studio_home / "artifacts"


def test_previews_of_history_files_deleted_behind_the_window(make_window: Any, qtbot: Any) -> None:
    window = _manual(make_window())
    entries = _one_entry(window, qtbot)
    browser = window.history_browser
    qtbot.waitUntil(lambda: browser.list.count() == 1, timeout=WAIT_MS)
    (entry,) = entries
    assert entry.path is not None
    entry.path.unlink()
    window.reopen(entry)
    assert "missing" in window.panels["echo"].preview_stack.placeholder.text()
    with History() as history:  # and the row goes too (another window, the CLI)
        history.delete(entry.id)
    browser.list.setCurrentRow(0)
    assert browser.delete_selected(confirm=False) == 0
    assert browser.list.count() == 0


def test_generate_with_no_place_for_the_file_is_one_line(
    make_window: Any, studio_home: Path
) -> None:
    window = _manual(make_window())
    (studio_home / "artifacts").write_text("a file where the folder should be")
    panel = window.panels["echo"]
    assert panel.generate() is None
    assert panel.problem.isVisible() or not panel.problem.isHidden()
    assert "artifacts" in panel.problem.text() and "\n" not in panel.problem.text()


def test_live_previews_do_not_pile_up(make_window: Any, qtbot: Any) -> None:
    """An hour of dragging must not fill the disk with old previews or keep every job."""
    window = make_window()
    panel = window.panels["echo"]
    window.tabs.setCurrentWidget(panel)
    panel.mode.setCurrentIndex(panel.mode.findData("live"))
    scratch = Path(window.bridge._previews.name)
    shown = []
    for i in range(4):
        before = panel.preview_job
        window.condition.set_vad(-0.6 + 0.3 * i, 0.2)
        qtbot.waitUntil(lambda b=before: panel.preview_job is not b, timeout=WAIT_MS)
        qtbot.waitUntil(
            lambda: (
                panel.preview_job.result is not None
                and panel.last_path == panel.preview_job.result.path
            ),
            timeout=WAIT_MS,
        )
        shown.append(panel.last_path)
    assert len(set(shown)) == 4
    assert sorted(scratch.iterdir()) == [shown[-1]]
    assert panel.preview_stack.current == shown[-1]
    qtbot.waitUntil(lambda: not window.bridge.jobs, timeout=WAIT_MS)


def test_workers_stop_even_when_saving_settings_fails(make_window: Any) -> None:
    window = make_window()
    panel = window.panels["echo"]
    panel.state = lambda: {"params": {"odd": object()}}  # not JSON: json.dumps raises
    window.close()
    assert window.bridge.closed


def test_every_control_explains_itself(make_window: Any) -> None:
    """Buttons, combos, sliders and fields carry a tooltip (their own or their row's)."""
    from PySide6.QtWidgets import (
        QAbstractButton,
        QAbstractSpinBox,
        QComboBox,
        QDockWidget,
        QLineEdit,
        QSlider,
    )

    window = make_window()
    window.show()
    silent = []
    for cls in (QAbstractButton, QComboBox, QAbstractSpinBox, QLineEdit, QSlider):
        for widget in window.findChildren(cls):
            if not widget.isVisibleTo(window) or isinstance(widget.parent(), QDockWidget):
                continue  # Qt's own dock title buttons
            holder, tip = widget, ""
            while holder is not None and holder is not window and not tip:
                tip = holder.toolTip()  # Qt shows the nearest ancestor's tooltip
                holder = holder.parentWidget()
            if not tip:
                silent.append(f"{type(widget).__name__} {getattr(widget, 'text', str)()!r}")
    assert silent == []


def test_opening_a_fifo_as_an_arc_reports_it_and_does_not_hang(
    make_window: Any, tmp_path: Path
) -> None:
    import os
    import threading

    window = make_window()
    fifo = tmp_path / "arc.json"
    os.mkfifo(fifo)
    unblocked: list[bool] = []

    def unblock() -> None:  # only if the window is stuck opening the pipe: give it EOF
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:
            return  # nobody is reading: nothing was blocked
        unblocked.append(True)
        os.close(fd)

    watchdog = threading.Timer(10.0, unblock)
    watchdog.start()
    try:
        assert not window.open_arc(fifo)
    finally:
        watchdog.cancel()
    assert not unblocked, "opening the arc blocked on a pipe"
    assert "pipe" in window.arc_error and "\n" not in window.arc_error
    assert window.statusBar().currentMessage() == window.arc_error
    assert window.trajectory.keyframes == [] and window.recent_arcs() == []


def test_an_arc_too_large_or_too_deep_is_refused_in_one_line(
    make_window: Any, tmp_path: Path
) -> None:
    from studio.ui.arc_files import MAX_ARC_BYTES

    window = make_window()
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (MAX_ARC_BYTES + 1))
    assert not window.open_arc(big)
    assert "too large" in window.arc_error and "\n" not in window.arc_error
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 5000 + "]" * 5000)
    assert not window.open_arc(deep)
    assert window.arc_error.startswith("deep.json is not an arc: ")
    assert "nested too deeply" in window.arc_error


def test_an_artifacts_folder_that_cannot_take_a_file_fails_the_job_in_one_line(
    make_window: Any, qtbot: Any, monkeypatch: Any, tmp_path: Path
) -> None:
    window = _manual(make_window())
    panel = window.panels["echo"]
    window.tabs.setCurrentWidget(panel)
    blocked = tmp_path / "artifacts"
    blocked.write_text("a file where the artifacts folder should be")
    output_path = window.bridge.output_path

    def into_blocked(generator: str, ext: str, *, preview: bool = False) -> Path:
        if preview:
            return output_path(generator, ext, preview=True)
        return blocked / f"{generator}-result{ext}"  # the folder takes no staging file

    monkeypatch.setattr(window.bridge, "output_path", into_blocked)
    job = panel.generate()
    assert job is not None and job is panel.current_job
    assert wait_final(qtbot, job) is JobState.FAILED
    assert job.error == f"Cannot save the result: {blocked} is not a folder"
    assert [e.kind for e in job.events] == [EventKind.FAILED]  # refused before it ran
    qtbot.waitUntil(lambda: panel.caption.text() == f"Failed: {job.error}", timeout=WAIT_MS)
    row = window.jobs_panel.row(job)
    assert row is not None and row.status.text() == job.error
    assert job.error in window.statusBar().currentMessage()
    assert not panel.cancel_button.isEnabled() and window.bridge.queue.jobs() == []
    with History() as history:
        assert history.count() == 0
