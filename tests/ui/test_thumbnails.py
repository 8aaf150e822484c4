"""History thumbnails: a video frame, a waveform and a piano roll made off the UI thread,
cached, and a swatch for anything unreadable."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage

from studio.emotion import Condition
from studio.library.history import Entry, History
from studio.plugins.contract import Artifact, Request
from studio.plugins.fakes import EchoGenerator
from studio.ui.history_browser import QtHistoryBrowser
from studio.ui.thumbnails import SIZE, SWATCH

SADNESS = Condition.from_mixture({"sadness": 1.0})


def write_video(path: Path) -> None:
    """A 3 s H.264 clip, black except for red frames around a third of the way in."""
    import av

    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=10)
        stream.width = stream.height = 64
        stream.pix_fmt = "yuv420p"
        for i in range(30):
            rgb = np.zeros((64, 64, 3), np.uint8)
            rgb[:, :, 0] = 255 if 8 <= i < 14 else 0
            for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def write_audio(path: Path) -> None:
    import soundfile as sf

    t = np.arange(8000) / 8000
    sf.write(path, 0.5 * np.sin(2 * np.pi * 3 * t) * np.sin(2 * np.pi * 220 * t), 8000)


def write_midi(path: Path) -> None:
    import mido

    midi = mido.MidiFile()
    track = mido.MidiTrack()
    midi.tracks.append(track)
    for note in (60, 64, 67, 72):
        track.append(mido.Message("note_on", note=note, velocity=90, time=0))
        track.append(mido.Message("note_off", note=note, velocity=0, time=240))
    midi.save(path)


def record(history: History, path: Path) -> Entry:
    """A history entry whose primary file is ``path`` (the echo generator's metadata)."""
    made = EchoGenerator().generate(
        Request("echo", path.with_suffix(".json"), condition=SADNESS, seed=1)
    )
    return history.record(Artifact((path, *made.files), made.metadata))


@pytest.fixture
def browser(qtbot: Any, studio_home: Path) -> Any:
    from studio.ui.app import ensure_app

    ensure_app()
    history = History()
    widget = QtHistoryBrowser(history)
    qtbot.addWidget(widget)
    yield widget
    widget.thumbs.wait()
    history.close()


def pixels(browser: QtHistoryBrowser, key: int) -> QImage:
    return browser.items[key].icon().pixmap(SIZE).toImage()


@pytest.mark.parametrize(
    ("name", "write", "kind"),
    [
        ("talk.mp4", write_video, "video"),
        ("voice.wav", write_audio, "audio"),
        ("tune.mid", write_midi, "midi"),
    ],
)
def test_media_get_a_real_thumbnail(
    browser: QtHistoryBrowser, qtbot: Any, name: str, write: Any, kind: str
) -> None:
    path = browser.history.artifacts_dir() / name  # type: ignore[union-attr]
    write(path)
    entry = record(browser.history, path)  # type: ignore[arg-type]
    browser.refresh()
    assert browser.thumbs.kinds[entry.id] == SWATCH  # at once: nothing decoded on the UI thread
    before = pixels(browser, entry.id)
    qtbot.waitUntil(lambda: browser.thumbs.kinds[entry.id] == kind, timeout=10_000)
    after = pixels(browser, entry.id)
    assert after != before
    # The emotion's colour shows in the picture (sadness is blue in the theme).
    rgb = np.array(
        [
            [QColor(after.pixel(x, y)).getRgb()[:3] for x in range(SIZE.width())]
            for y in range(SIZE.height())
        ]
    )
    if kind == "video":  # the frame from a third in is the red one, not the black start
        centre = rgb[SIZE.height() // 2 - 10 : SIZE.height() // 2, 20:40]
        assert centre[..., 0].mean() > 180 and centre[..., 1].mean() < 60
    else:
        blue = (rgb[..., 2] > 150) & (rgb[..., 0] < 120)
        assert blue.sum() > 40
    # Cached: a refresh shows the thumbnail at once, without decoding again.
    started: list[object] = []
    browser.thumbs.pool.start = started.append  # type: ignore[method-assign]
    browser.refresh()
    assert browser.thumbs.kinds[entry.id] == kind
    assert pixels(browser, entry.id) == after
    assert started == []


def test_corrupt_and_missing_files_keep_their_swatch(browser: QtHistoryBrowser, qtbot: Any) -> None:
    folder = browser.history.artifacts_dir()  # type: ignore[union-attr]
    entries = []
    for name in ("bad.mp4", "bad.wav", "bad.mid"):
        (folder / name).write_bytes(b"not media at all" * 40)
        entries.append(record(browser.history, folder / name))  # type: ignore[arg-type]
    gone = folder / "gone.wav"
    write_audio(gone)
    entries.append(record(browser.history, gone))  # type: ignore[arg-type]
    gone.unlink()
    browser.refresh()
    browser.thumbs.wait()
    qtbot.wait(50)  # deliver the workers' answers
    assert not browser.thumbs._waiting
    for entry in entries:
        assert browser.thumbs.kinds[entry.id] == SWATCH
        assert not browser.items[entry.id].icon().isNull()


def test_a_changed_file_is_drawn_again(browser: QtHistoryBrowser, qtbot: Any) -> None:
    path = browser.history.artifacts_dir() / "later.wav"  # type: ignore[union-attr]
    path.write_bytes(b"half written")
    entry = record(browser.history, path)  # type: ignore[arg-type]
    browser.refresh()
    browser.thumbs.wait()
    qtbot.waitUntil(lambda: not browser.thumbs._waiting)
    assert browser.thumbs.kinds[entry.id] == SWATCH
    write_audio(path)  # a new size and mtime: a new cache key
    browser.refresh()
    qtbot.waitUntil(lambda: browser.thumbs.kinds[entry.id] == "audio", timeout=10_000)


def test_a_theme_switch_redraws_on_the_new_background(
    browser: QtHistoryBrowser, qtbot: Any
) -> None:
    from PySide6.QtWidgets import QApplication

    from studio.ui import theme

    path = browser.history.artifacts_dir() / "voice.wav"  # type: ignore[union-attr]
    write_audio(path)
    entry = record(browser.history, path)  # type: ignore[arg-type]
    before = theme.current().name
    browser.refresh()
    qtbot.waitUntil(lambda: browser.thumbs.kinds[entry.id] == "audio", timeout=10_000)
    dark = pixels(browser, entry.id)
    try:
        theme.apply(QApplication.instance(), "light" if before == "dark" else "dark")  # type: ignore[arg-type]
        qtbot.waitUntil(lambda: browser.thumbs.kinds[entry.id] == "audio", timeout=10_000)
        assert pixels(browser, entry.id) != dark
    finally:
        theme.apply(QApplication.instance(), before)  # type: ignore[arg-type]
