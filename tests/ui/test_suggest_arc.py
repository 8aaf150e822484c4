"""The arc a script suggests, in the window: a panel whose generator speaks a script fills
the arc editor with an emotion per sentence and follows it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from studio.plugins import fakes


def test_a_script_suggests_an_arc_the_panel_follows(make_window: Callable[..., Any]) -> None:
    window = make_window(fakes.registry("speech", "echo"))
    panel = window.panels["speech"]
    assert not panel.suggest.isHidden()
    assert window.panels["echo"].suggest.isHidden()  # no script: nothing to suggest
    panel.form.editors["text"].put(
        "I am so happy to see you! Then the storm came and I was terrified. I miss you."
    )
    assert panel.suggest_arc()
    frames = window.trajectory.keyframes
    names = [k.condition.mixture for k in frames]
    assert len(frames) >= 4 and panel.follow.isChecked()
    assert max(names[1], key=names[1].get) == "joy"
    assert max(names[2], key=names[2].get) == "fear"
    request = panel.build_request()
    assert request.trajectory is not None and request.condition is None


def test_an_empty_or_tagged_script_says_why(make_window: Callable[..., Any]) -> None:
    window = make_window(fakes.registry("speech"))
    panel = window.panels["speech"]
    panel.form.editors["text"].put("[joy] Already tagged.")
    assert not panel.suggest_arc()
    assert "tagged already" in panel.problem.text()
    assert window.trajectory.keyframes == []


def test_a_first_generate_has_words_to_speak(make_window: Callable[..., Any]) -> None:
    """The panels of generators that speak a script start with a sample sentence (the
    talking head's text is optional: it may speak a recording instead), never an image
    prompt."""
    window = make_window(fakes.registry("speech", "talking-head", "image"))
    for gid in ("speech", "talking-head"):
        assert window.panels[gid].form.editors["text"].get(), gid
    assert window.panels["image"].form.editors["prompt"].get() is None
