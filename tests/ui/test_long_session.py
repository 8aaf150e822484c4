"""A long session leaves nothing behind: what the soak benchmark (benchmarks/ui_soak.py)
found growing, each pinned here, and the soak's own driver run for a moment so the
benchmark keeps working."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from studio.library.history import History
from tests.ui.conftest import WAIT_MS, wait_final

SOAK = Path(__file__).resolve().parents[2] / "benchmarks" / "ui_soak.py"


def _soak() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ui_soak", SOAK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _generated(qtbot: Any, window: Any) -> list[Any]:
    panel = window.panels["echo"]
    panel.mode.setCurrentIndex(panel.mode.findData("manual"))
    job = panel.generate()
    wait_final(qtbot, job)
    qtbot.waitUntil(lambda: window.history_browser.list.count() == 1, timeout=WAIT_MS)
    with History() as history:
        return history.list()


def _export_dialogs() -> list[Any]:
    from studio.ui.export_dialog import ExportDialog

    return [w for w in QApplication.topLevelWidgets() if isinstance(w, ExportDialog)]


def test_the_export_dialog_goes_once_answered(make_window: Any, qtbot: Any, tmp_path: Path) -> None:
    """Each export built a dialog as a child of the window and kept it until quitting."""
    window = make_window()
    entries = _generated(qtbot, window)
    window.settings.setValue("export/folder", str(tmp_path))
    answers = iter(["accept", "reject", "accept"])

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(10, answer)
            return
        dialog.overwrite.setChecked(True)  # type: ignore[attr-defined]
        getattr(dialog, next(answers))()

    for expected in (True, False, True):
        QTimer.singleShot(0, answer)
        assert window.export_entries(entries) is expected
    qtbot.waitUntil(lambda: not _export_dialogs(), timeout=WAIT_MS)
    assert len(list(tmp_path.glob(f"*-echo-{entries[0].id}.json"))) == 1


def test_an_export_in_another_format_leaves_no_scratch_file(
    make_window: Any, qtbot: Any, tmp_path: Path
) -> None:
    """The re-rendered file was copied out and then left in the scratch folder: a long
    session piled them up there until the window closed."""
    from studio.ui.export_dialog import ExportPlan

    window = make_window()
    entries = _generated(qtbot, window)
    scratch = Path(window.bridge._previews.name)
    for n in range(3):
        plan = ExportPlan(tmp_path, f"{{generator}}-{n}", ".txt", sidecar=False, overwrite=False)
        with qtbot.waitSignal(window.exporter.finished, timeout=WAIT_MS) as done:
            window.exporter.run(plan, entries)
        assert done.args == [[tmp_path / f"echo-{n}.txt"], []]
    assert list(scratch.iterdir()) == []


def test_the_soak_driver_runs_every_action(make_window: Any, qtbot: Any, tmp_path: Path) -> None:
    """The benchmark's own driver, one short round on the test plugins: every action of a
    session runs without a problem and the sampler reads every figure."""
    from studio.plugins import fakes

    soak = _soak()
    window = make_window(fakes.registry("echo"))
    window.resize(1000, 700)
    window.show()
    qtbot.waitExposed(window)
    app = QApplication.instance()
    sampler = soak.Sampler(window, app, every=0.5)
    driver = soak.SoakDriver(window, app, tmp_path / "out", drag_seconds=0.5, tick=sampler)
    driver.cycle()
    driver.cycle()  # the second round exports in another format
    assert driver.problems == []
    assert set(driver.counts) == {
        "drag echo",
        "generate echo",
        "history re-open",
        "export",
        "undo",
    }
    assert driver.counts["export"] == 2
    assert {p.suffix for p in (tmp_path / "out").iterdir()} == {".json", ".txt"}
    point = sampler.samples[-1]
    assert point["rss_mb"] > 0 and point["fds"] > 0 and point["threads"] >= 1
    assert len(point["worker_rss_mb"]) == 1 and point["workers_rss_mb"] > 0
    # at most the preview on screen; no staging folder left in the artifacts folder
    assert point["preview_files"] <= 1 and point["staging_leftovers"] == 0
    curve = [{**s, "t": float(i)} for i, s in enumerate(sampler.samples)]
    verdict = soak.growth(curve, warm_up=0.0)
    assert {"rss_mb", "fds", "threads", "top_level_widgets", "ok"} <= set(verdict)


def test_the_job_list_keeps_the_newest_finished_rows(qtbot: Any) -> None:
    """Every job of a session stayed listed up to 200 rows (~70 kB each): the list keeps
    50 rows, dropping the oldest finished ones (deleted, not just hidden); a running job
    stays."""
    from shiboken6 import isValid

    from studio.emotion import Condition
    from studio.jobs import EventKind, Job, JobEvent
    from studio.plugins.contract import Request
    from studio.ui.job_bridge import JobBridge
    from studio.ui.jobs_panel import QtJobsPanel

    bridge = JobBridge(None)
    panel = QtJobsPanel(bridge)
    qtbot.addWidget(panel)
    request = Request("echo", Path("out.json"), Condition.neutral())

    def job(final: bool) -> Job:
        made = Job(request, "x:Y", lambda _job: False)
        made.record(JobEvent(EventKind.STARTED, made.id))
        if final:
            made.record(JobEvent(EventKind.FAILED, made.id, error="no"))
        return made

    running = job(final=False)
    panel.add(running, "still running")
    rows = [panel.add(job(final=True), f"job {i}") for i in range(60)]
    qtbot.waitUntil(lambda: not isValid(rows[10]))
    assert len(panel.rows) == panel.list.count() == 50
    assert [isValid(r) for r in rows] == [False] * 11 + [True] * 49
    assert panel.row(running) is not None
    bridge.close()


def test_the_export_problems_box_goes_once_read(make_window: Any, qtbot: Any) -> None:
    """The box listing files that were not exported stayed a hidden child of the window
    after OK: one more per export that went wrong."""
    from PySide6.QtWidgets import QMessageBox
    from shiboken6 import isValid

    window = make_window()
    for _ in range(2):
        window._export_done([], ["joy.png: no space left on the device"])
        (box,) = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
        assert "no space left" in box.text()
        box.button(QMessageBox.StandardButton.Ok).click()
        qtbot.waitUntil(lambda box=box: not isValid(box), timeout=WAIT_MS)
    assert window.findChildren(QMessageBox) == []
