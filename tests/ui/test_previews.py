"""Previews: image zoom, piano roll, waveform, and a window without QtMultimedia."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from studio.ui.previews import PreviewStack, kind_of, multimedia


@pytest.fixture
def stack(qtbot: Any) -> PreviewStack:
    widget = PreviewStack()
    qtbot.addWidget(widget)
    widget.resize(640, 480)
    widget.show()
    return widget


def test_image_view_zooms_and_fits(stack: PreviewStack, tmp_path: Path, qtbot: Any) -> None:
    path = tmp_path / "a.png"
    Image.fromarray(np.full((64, 128, 3), 200, np.uint8)).save(path)
    assert stack.show_file(path) == "image"
    view = stack.viewers["image"]
    qtbot.waitUntil(lambda: not view.item.pixmap().isNull())
    fitted = view.zoom
    assert fitted > 1.0  # a small image fills the view
    view.zoom_by(2.0)
    assert view.zoom == pytest.approx(fitted * 2.0)
    view.fit()
    assert view.zoom == pytest.approx(fitted)


def test_piano_roll_reads_music_midi(stack: PreviewStack, tmp_path: Path, qtbot: Any) -> None:
    from generators.music import MusicGenerator
    from studio.emotion import Condition
    from studio.plugins.contract import Request

    out = tmp_path / "m.mid"
    MusicGenerator().generate(
        Request("music", out, Condition.from_vad(0.5, 0.5), params={"duration": 6})
    )
    assert stack.show_file(out) == "midi"
    roll = stack.viewers["midi"].roll
    qtbot.waitUntil(lambda: bool(roll.notes))
    assert len(roll.notes) > 10 and roll.length >= 5.0
    assert all(n.end > n.start for n in roll.notes)


def test_waveform_envelope(stack: PreviewStack, tmp_path: Path, qtbot: Any) -> None:
    import soundfile as sf

    rate = 8000
    t = np.arange(rate) / rate
    sf.write(tmp_path / "tone.wav", 0.5 * np.sin(2 * np.pi * 220 * t), rate)
    assert stack.show_file(tmp_path / "tone.wav") == "audio"
    wave = stack.viewers["audio"].waveform
    qtbot.waitUntil(lambda: wave.duration > 0)
    assert wave.duration == pytest.approx(1.0)
    assert wave.env[:, 1].max() == pytest.approx(0.5, abs=0.01)
    assert wave.env[:, 0].min() == pytest.approx(-0.5, abs=0.01)


def test_corrupt_and_missing_files_give_a_message(
    stack: PreviewStack, tmp_path: Path, qtbot: Any
) -> None:
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not a png")
    stack.show_file(bad)
    qtbot.waitUntil(lambda: "Cannot read the image" in stack.placeholder.text())
    assert stack.currentWidget() is stack.placeholder
    assert stack.show_file(tmp_path / "gone.wav") == ""
    assert "missing" in stack.placeholder.text()
    broken_mid = tmp_path / "x.mid"
    broken_mid.write_bytes(b"MThd")
    assert stack.show_file(broken_mid) == "midi"
    roll = stack.viewers["midi"].roll
    qtbot.waitUntil(lambda: roll.error != "")
    assert roll.error.startswith("Cannot read this MIDI file")


def test_without_qtmultimedia_playback_is_disabled_with_a_reason(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib

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
        import soundfile as sf

        sf.write(tmp_path / "s.wav", np.zeros(800), 8000)
        assert stack.show_file(tmp_path / "s.wav") == "audio"
        audio = stack.viewers["audio"]
        assert audio.player is None
        assert "playback is unavailable" in audio.notice.text()
        assert "libpulse" in audio.notice.text()
        (tmp_path / "v.mp4").write_bytes(b"\0" * 16)
        stack.show_file(tmp_path / "v.mp4")
        assert "playback is unavailable" in stack.viewers["video"].notice.text()
    finally:
        monkeypatch.undo()
        multimedia.load.cache_clear()


def test_kinds() -> None:
    assert kind_of(Path("a.PNG")) == "image"
    assert kind_of(Path("a.mid")) == "midi"
    assert kind_of(Path("a.flac")) == "audio"
    assert kind_of(Path("a.mp4")) == "video"


def test_window_builds_without_torch_or_multimedia(tmp_path: Path) -> None:
    """The window starts fast: no torch, no QtMultimedia until a preview needs it."""
    code = (
        "import os, sys;"
        "from studio.ui.app import build_window;"
        "w = build_window(); w.show();"
        "from PySide6.QtWidgets import QApplication; QApplication.processEvents();"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('torch', 'diffusers', "
        "'transformers') or m.startswith('PySide6.QtMultimedia')];"
        "print('BAD', bad); w.close()"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={
            **__import__("os").environ,
            "STUDIO_HOME": str(tmp_path),
            "QT_QPA_PLATFORM": "offscreen",
        },
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "BAD []" in result.stdout


def test_a_corrupt_video_says_so(stack: PreviewStack, tmp_path: Path, qtbot: Any) -> None:
    """Not a blank black box: the artist is told the file cannot be read."""
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video" * 50)
    stack.show_file(bad)
    qtbot.waitUntil(lambda: "Cannot read the video" in stack.placeholder.text(), timeout=10_000)
    assert stack.currentWidget() is stack.placeholder
    assert "\n" not in stack.placeholder.text()


def test_a_huge_text_file_is_read_only_in_part(
    stack: PreviewStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = tmp_path / "big.txt"
    with big.open("wb") as f:
        f.truncate(50_000_000)
    read: list[int] = []
    original = Path.read_text

    def spy(self: Path, *args: Any, **kwargs: Any) -> str:
        read.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", spy)
    assert stack.show_file(big) == "text"
    assert read == [], "the whole file was read on the UI thread"
    text = stack.viewers["text"].property("text_view")
    assert 0 < len(text.toPlainText()) <= 200_000
