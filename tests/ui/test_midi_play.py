"""Play on a MIDI result: the same request rendered as WAV through the job queue (worker
processes), cached, played with a playhead on the piano roll; failures in one line."""

from __future__ import annotations

import ctypes.util
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QUrl

from studio.jobs import JobState
from studio.plugins import fakes
from studio.ui.midi_audio import CACHE_DIR, prune
from studio.ui.previews import multimedia
from studio.ui.previews.midi import PREPARING
from tests.ui.conftest import WAIT_MS, wait_final


@pytest.fixture
def media() -> Any:
    """QtMultimedia, loaded now rather than at collection: a test earlier in the run may
    have cached a refusal (the loader is cached). Skipped only where libpulse is absent."""
    multimedia.load.cache_clear()
    module, _widgets, reason = multimedia.load()
    if module is None:
        if ctypes.util.find_library("pulse") is None:
            pytest.skip(f"libpulse0 is not installed: {reason}")
        pytest.fail(reason)
    return module


needs_media = pytest.mark.usefixtures("media")


def _music_result(qtbot: Any, window: Any, duration: int = 6) -> tuple[Any, Any]:
    """A kept MIDI generation shown in the music panel: (panel, its MIDI preview)."""
    panel = window.panels["music"]
    panel.mode.setCurrentIndex(panel.mode.findData("manual"))
    window.tabs.setCurrentWidget(panel)
    assert panel.state()["format"] == ".mid"  # the default
    panel.form.editors["duration"].put(duration)
    job = panel.generate()
    assert wait_final(qtbot, job) is JobState.FINISHED
    qtbot.waitUntil(lambda: panel.last_path == job.result.path, timeout=WAIT_MS)
    preview = panel.preview_stack.viewers["midi"]
    assert panel.preview_stack.currentWidget() is preview
    qtbot.waitUntil(lambda: bool(preview.roll.notes), timeout=WAIT_MS)
    return panel, preview


def _submitted(window: Any) -> list[Any]:
    """Every job the window listed, newest first."""
    rows = [
        window.jobs_panel.list.itemWidget(window.jobs_panel.list.item(i))
        for i in range(window.jobs_panel.list.count())
    ]
    return [row.job for row in rows]


@needs_media
def test_play_renders_the_same_request_as_wav_once(
    make_window: Any, qtbot: Any, studio_home: Path
) -> None:
    window = make_window(fakes.registry("music"))
    panel, preview = _music_result(qtbot, window)
    midi_job = panel.current_job
    before = len(_submitted(window))

    qtbot.mouseClick(preview.play_button, Qt.MouseButton.LeftButton)
    assert preview.notice.text() == PREPARING and not preview.play_button.isEnabled()
    qtbot.waitUntil(lambda: len(_submitted(window)) == before + 1, timeout=WAIT_MS)
    render = _submitted(window)[0]
    assert render.request.output.suffix == ".wav"
    assert render.request.output.parent == studio_home / CACHE_DIR

    # the same music: only the file name differs
    def recipe(job: Any) -> dict[str, Any]:
        return {k: v for k, v in job.request.to_dict().items() if k != "output"}

    assert recipe(render) == recipe(midi_job)
    assert wait_final(qtbot, render) is JobState.FINISHED
    qtbot.waitUntil(lambda: preview.wav is not None, timeout=WAIT_MS)
    wav = preview.wav
    assert wav == render.request.output and wav.is_file()
    assert preview.player.source() == QUrl.fromLocalFile(str(wav))
    assert preview.play_button.isEnabled()
    # playing: no notice, or (no sound device, as on a server) one line that says so
    silent = multimedia.silent_notice()
    qtbot.waitUntil(lambda: preview.notice.isHidden() is not bool(silent), timeout=WAIT_MS)
    assert preview.notice.text() in ("", silent)
    assert panel.preview_stack.currentWidget() is preview  # the roll stays on screen

    # the playhead follows the player's position across the roll
    qtbot.waitUntil(lambda: preview.player.duration() > 3000, timeout=WAIT_MS)  # room to seek
    preview.player.pause()
    preview.player.setPosition(2500)
    qtbot.waitUntil(
        lambda: preview.roll.playhead is not None and abs(preview.roll.playhead - 2.5) < 0.3,
        timeout=WAIT_MS,
    )
    preview.roll.grab()  # paints the playhead without error

    # the result shown again (as from the history): Play is instant, nothing is submitted
    panel.show_result(midi_job.result.path, midi_job, panel.last_entry_id)
    assert preview.wav is None
    qtbot.mouseClick(preview.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: preview.wav == wav, timeout=WAIT_MS)
    qtbot.wait(100)
    assert len(_submitted(window)) == before + 1
    assert list((studio_home / CACHE_DIR).glob("*.wav")) == [wav]
    assert not window.history_browser.list.count() > 1  # the render is not kept in history


@needs_media
def test_a_history_entry_plays_from_its_recorded_request(
    make_window: Any, qtbot: Any, studio_home: Path
) -> None:
    window = make_window(fakes.registry("music"))
    panel, preview = _music_result(qtbot, window)
    qtbot.waitUntil(lambda: window.history_browser.list.count() == 1, timeout=WAIT_MS)
    entry = window.history.get(panel.last_entry_id)
    window.show_entry(entry)  # no job: the request comes from the history row
    preview._seek(3.0)  # a click on the roll before any audio: render, then start there
    assert preview.preparing
    qtbot.waitUntil(lambda: preview.wav is not None, timeout=WAIT_MS)
    assert preview._start_at == pytest.approx(3.0)
    assert preview.player.source() == QUrl.fromLocalFile(str(preview.wav))


@needs_media
def test_a_failed_render_is_one_line_and_play_can_be_retried(
    make_window: Any, qtbot: Any, studio_home: Path
) -> None:
    window = make_window(fakes.registry("music"))
    _panel, preview = _music_result(qtbot, window)
    (studio_home / "cache").write_text("not a folder")  # the cache cannot be made
    qtbot.mouseClick(preview.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: preview.notice.text().startswith("Cannot play:"), timeout=WAIT_MS)
    assert "\n" not in preview.notice.text() and preview.notice.objectName() == "error"
    assert preview.play_button.isEnabled() and not preview.preparing and preview.wav is None


@needs_media
def test_without_a_known_request_play_says_so(qtbot: Any, tmp_path: Path) -> None:
    from generators.music import MusicGenerator
    from studio.emotion import Condition
    from studio.plugins.contract import Request
    from studio.ui.previews import PreviewStack

    out = tmp_path / "m.mid"
    MusicGenerator().generate(
        Request("music", out, Condition.from_vad(0.2, 0.3), params={"duration": 5})
    )
    stack = PreviewStack()
    qtbot.addWidget(stack)
    assert stack.show_file(out) == "midi"
    preview = stack.viewers["midi"]
    qtbot.mouseClick(preview.play_button, Qt.MouseButton.LeftButton)
    assert "not known" in preview.notice.text()
    assert preview.player.source() == QUrl()


def test_without_qtmultimedia_play_is_disabled_with_the_reason(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib

    from studio.ui.previews import PreviewStack

    real = importlib.import_module

    def refuse(name: str, *args: Any) -> Any:
        if name.startswith("PySide6.QtMultimedia"):
            raise ImportError("libpulse.so.0: cannot open shared object file")
        return real(name, *args)

    multimedia.load.cache_clear()
    monkeypatch.setattr(importlib, "import_module", refuse)
    try:
        stack = PreviewStack()
        qtbot.addWidget(stack)
        broken = tmp_path / "x.mid"
        broken.write_bytes(b"MThd")
        assert stack.show_file(broken) == "midi"
        preview = stack.viewers["midi"]
        assert preview.player is None and not preview.play_button.isEnabled()
        assert "playback is unavailable" in preview.notice.text()
        assert "playback is unavailable" in preview.play_button.toolTip()
    finally:
        monkeypatch.undo()
        multimedia.load.cache_clear()


def test_the_cache_drops_the_least_recently_played(tmp_path: Path) -> None:
    import os

    for i in range(4):
        f = tmp_path / f"{i}.wav"
        f.write_bytes(b"\0" * 1000)
        os.utime(f, (1000 + i, 1000 + i))
    prune(tmp_path, keep=tmp_path / "0.wav", limit=3000)
    assert sorted(f.name for f in tmp_path.glob("*.wav")) == ["0.wav", "2.wav", "3.wav"]


def test_playing_without_a_sound_device_says_so(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch, media: Any, tmp_path: Path
) -> None:
    import numpy as np
    import soundfile as sf

    from studio.ui.previews import PreviewStack

    monkeypatch.setattr(media.QMediaDevices, "audioOutputs", staticmethod(lambda: []))
    stack = PreviewStack()
    qtbot.addWidget(stack)
    sf.write(tmp_path / "s.wav", np.zeros(16000), 8000)
    assert stack.show_file(tmp_path / "s.wav") == "audio"
    audio = stack.viewers["audio"]
    audio.player.play()
    qtbot.waitUntil(lambda: audio.notice.text() == multimedia.SILENT, timeout=WAIT_MS)
    assert not audio.notice.isHidden()
