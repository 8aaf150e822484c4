"""Previews that keep up with the emotion: a preview at start, after a change made on
another tab, and when "Follow the emotional arc" is ticked."""

from __future__ import annotations

from typing import Any

import pytest

from studio.emotion import Condition
from studio.plugins import fakes
from tests.ui.conftest import WAIT_MS


def _shown(window: Any, name: str) -> Any:
    window.show()
    window.tabs.setCurrentWidget(window.panels[name])
    return window.panels[name]


def test_a_live_panel_shows_a_preview_at_start(make_window: Any, qtbot: Any) -> None:
    window = make_window()
    panel = _shown(window, "echo")
    qtbot.waitUntil(lambda: panel.last_path is not None, timeout=WAIT_MS)
    assert panel.shown_request is not None
    assert panel.shown_request.condition == window.condition.condition


def test_a_change_made_on_another_tab_is_previewed_on_return(make_window: Any, qtbot: Any) -> None:
    window = make_window(fakes.registry("echo", "gated"))
    echo, gated = window.panels["echo"], window.panels["gated"]
    _shown(window, "gated")
    qtbot.waitUntil(lambda: gated.last_path is not None, timeout=WAIT_MS)
    window.tabs.setCurrentWidget(echo)
    window.condition.set_vad(-0.6, 0.7, source="pad")  # changed while Gated is hidden
    window.condition.settle()
    window.tabs.setCurrentWidget(gated)
    qtbot.waitUntil(
        lambda: (
            gated.shown_request is not None
            and gated.shown_request.condition == window.condition.condition
        ),
        timeout=WAIT_MS,
    )
    assert gated.shown_request.condition.valence == pytest.approx(-0.6)


def test_ticking_follow_the_arc_previews_the_arc(make_window: Any, qtbot: Any) -> None:
    window = make_window()
    window.trajectory.put(0.0, Condition.from_vad(0.6, -0.5))
    window.trajectory.put(window.trajectory.duration, Condition.from_vad(-0.6, 0.6))
    window.trajectory.set_enabled(True)
    panel = _shown(window, "echo")
    qtbot.waitUntil(lambda: panel.last_path is not None, timeout=WAIT_MS)
    assert panel.shown_request.trajectory is None
    panel.follow.setChecked(True)
    qtbot.waitUntil(
        lambda: panel.shown_request is not None and panel.shown_request.trajectory is not None,
        timeout=WAIT_MS,
    )
    first = panel.shown_request.trajectory
    window.trajectory.put(window.trajectory.duration / 2, Condition.from_vad(0.0, 0.9))
    qtbot.waitUntil(lambda: panel.shown_request.trajectory != first, timeout=WAIT_MS)


def test_a_history_result_opened_on_another_tab_is_not_replaced(
    make_window: Any, qtbot: Any
) -> None:
    from tests.ui.conftest import wait_final

    window = make_window(fakes.registry("echo", "gated"))
    echo, gated = window.panels["echo"], window.panels["gated"]
    for panel in (echo, gated):
        panel.mode.setCurrentIndex(panel.mode.findData("manual"))
    gated.seed.setValue(3)
    wait_final(qtbot, gated.generate())
    qtbot.waitUntil(lambda: window.history_browser.list.count() == 1, timeout=WAIT_MS)
    gated.mode.setCurrentIndex(gated.mode.findData("live"))
    _shown(window, "echo")
    window.condition.set_vad(0.4, 0.4, source="pad")  # now unlike the kept result
    entry = window.history_browser.entry_of(window.history_browser.list.item(0))
    window.show_entry(entry)  # brings the Gated tab up with the kept result
    qtbot.wait(500)
    assert window.current_panel() is gated
    assert gated.last_entry_id == entry.id and gated.last_path == entry.path


def test_a_drag_previews_without_re_checking_the_form_at_every_move(
    make_window: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_window()
    panel = _shown(window, "echo")
    qtbot.waitUntil(lambda: panel.last_path is not None, timeout=WAIT_MS)
    checks: list[int] = []
    check = panel._contract_problem

    def counted_check() -> str:
        checks.append(1)
        return str(check())

    asked: list[Any] = []
    ask = panel.live.ask

    def counted_ask(request: Any) -> Any:
        asked.append(request)
        return ask(request)

    monkeypatch.setattr(panel, "_contract_problem", counted_check)
    monkeypatch.setattr(panel.live, "ask", counted_ask)
    window.condition.begin_drag()
    for k in range(5):  # the pointer moves: each move asks for a draft
        window.condition.set_vad(0.1 * k, -0.1 * k, source="pad")
        panel.preview()
    assert [r.condition.valence for r in asked] == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4])
    assert checks == []  # the verdict of the last check stands while only the emotion moves
    # an edit the checks depend on is checked at once, and stops the drafts when it fails
    monkeypatch.setattr(panel.form, "problem", lambda: "Text: must not be empty")
    panel.form.changed.emit()
    assert panel.preview() is None and len(asked) == 5
    window.condition.end_drag()


def test_a_preview_asked_before_a_generate_does_not_replace_its_result(
    make_window: Any, qtbot: Any
) -> None:
    """A catch-up preview still rendering when Generate's result arrives is dropped when
    it ends: the kept result stays on screen."""
    from tests.ui.conftest import wait_final

    window = make_window(workers=2)
    panel = window.panels["echo"]
    panel.mode.setCurrentIndex(panel.mode.findData("manual"))
    steps = panel.form.editors["step_seconds"].widget
    steps.setValue(1.0)  # the preview takes 4 × 1 s
    slow = panel.preview(draft=False)
    assert slow is not None
    steps.setValue(0.0)
    made = panel.generate()
    assert made is not None
    wait_final(qtbot, made)
    qtbot.waitUntil(lambda: panel.last_entry_id is not None, timeout=WAIT_MS)
    assert not slow.state.is_final  # the order this test is about
    kept = panel.last_path
    wait_final(qtbot, slow)
    qtbot.wait(300)
    assert panel.last_entry_id is not None and panel.last_path == kept
