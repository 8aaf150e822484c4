"""Thumbnail pictures of media files: a video frame, an audio waveform, a mini piano roll.

Every function here runs on a worker thread: it only paints on QImage (which Qt allows off
the UI thread) and never touches widgets, fonts of widgets or the theme module's globals;
colours come in as arguments. Each raises on an unreadable file, so the caller can keep
its swatch.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen

VIDEO_AT = 1 / 3  # a frame from a third in: past the neutral start, before any fade-out
WAVE_COLUMNS = 64  # envelope columns; about one per pixel of a 72 px thumbnail
RADIUS = 10.0  # corner radius, the same as the swatch's


@dataclass(frozen=True, slots=True)
class Palette:
    """The colours a thumbnail is painted with (plain strings: safe to pass to a thread)."""

    emotion: str
    base: str
    grid: str


def _canvas(size: QSize, palette: Palette) -> tuple[QImage, QPainter]:
    """A transparent image with a rounded theme-coloured card; the painter is clipped to it."""
    image = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    card = QPainterPath()
    card.addRoundedRect(QRectF(2, 2, size.width() - 4, size.height() - 4), RADIUS, RADIUS)
    p.setClipPath(card)
    p.fillRect(QRectF(0, 0, size.width(), size.height()), QColor(palette.base))
    return image, p


def _outline(p: QPainter, size: QSize, palette: Palette) -> None:
    """A thin emotion-coloured rim: the entry's emotion stays visible on every kind."""
    p.setClipping(False)
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.setPen(QPen(QColor(palette.emotion), 2))
    p.drawRoundedRect(QRectF(2, 2, size.width() - 4, size.height() - 4), RADIUS, RADIUS)


# -- video ----------------------------------------------------------------------------------


def video_frame(path: Path, size: QSize) -> QImage:
    """The frame about a third into the clip, scaled to cover ``size`` (PyAV decode)."""
    import av

    with av.open(str(path)) as container:
        if not container.streams.video:
            raise ValueError("no video stream")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        duration = None
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration = container.duration / av.time_base
        target = (duration or 0.0) * VIDEO_AT
        if target > 0 and stream.time_base is not None:
            # Seek lands on the keyframe before the target; decode forward from there.
            container.seek(int(target / stream.time_base), stream=stream, backward=True)
        chosen = None
        for frame in container.decode(stream):
            chosen = frame
            if frame.time is None or frame.time >= target:
                break
        if chosen is None:
            raise ValueError("no frames")
        # Scale in libswscale to cover the square (the centre is cropped when painting).
        scale = max(size.width() / chosen.width, size.height() / chosen.height)
        w, h = max(1, round(chosen.width * scale)), max(1, round(chosen.height * scale))
        rgb = chosen.reformat(width=w, height=h, format="rgb24").to_ndarray()
    h, w, _ = rgb.shape
    return QImage(rgb.tobytes(), w, h, 3 * w, QImage.Format.Format_RGB888).copy()


def video_thumbnail(path: Path, size: QSize, palette: Palette) -> QImage:
    frame = video_frame(path, size)
    image, p = _canvas(size, palette)
    x = (size.width() - frame.width()) / 2
    y = (size.height() - frame.height()) / 2
    p.drawImage(QPointF(x, y), frame)
    _outline(p, size, palette)
    p.end()
    return image


# -- audio ----------------------------------------------------------------------------------


def audio_envelope(path: Path, columns: int = WAVE_COLUMNS) -> np.ndarray:
    """(min, max) of the mono mix per column, read block by block so a long recording is
    never held in memory whole."""
    import soundfile as sf

    with sf.SoundFile(str(path)) as f:
        frames = f.frames
        if frames <= 0:
            raise ValueError("no audio")
        block = max(1, -(-frames // columns))
        rows = []
        for chunk in f.blocks(blocksize=block, dtype="float32", always_2d=True):
            mono = chunk.mean(axis=1)
            if mono.size:
                rows.append((float(mono.min()), float(mono.max())))
    if not rows:
        raise ValueError("no audio")
    return np.asarray(rows, dtype=np.float32)


def audio_thumbnail(path: Path, size: QSize, palette: Palette) -> QImage:
    env = audio_envelope(path)
    image, p = _canvas(size, palette)
    w, h = size.width(), size.height()
    mid = h / 2
    p.setPen(QPen(QColor(palette.grid), 1))
    p.drawLine(QPointF(6, mid), QPointF(w - 6, mid))
    # Normalise to the loudest peak: a quiet voice still reads as a shape, not a line.
    peak = max(float(np.abs(env).max()), 1e-4)
    half = (h / 2 - 10) / peak
    left, span = 6.0, w - 12.0
    step = span / len(env)
    p.setPen(QPen(QColor(palette.emotion), max(1.0, step * 0.8)))
    for i, (lo, hi) in enumerate(env):
        x = left + (i + 0.5) * step
        top, bottom = mid - float(hi) * half, mid - float(lo) * half
        p.drawLine(QPointF(x, top), QPointF(x, max(bottom, top + 1)))
    _outline(p, size, palette)
    p.end()
    return image


# -- MIDI -----------------------------------------------------------------------------------


def midi_thumbnail(path: Path, size: QSize, palette: Palette) -> QImage:
    from studio.ui.previews.piano_roll import read_notes  # the preview's reader: one parser

    notes, length, _ = read_notes(path)
    if not notes:
        raise ValueError("no notes")
    image, p = _canvas(size, palette)
    w, h = size.width(), size.height()
    lo = min(n.pitch for n in notes) - 1
    hi = max(n.pitch for n in notes) + 1
    pad = 6.0
    lane = (h - 2 * pad) / (hi - lo + 1)
    sx = (w - 2 * pad) / max(length, 1e-6)
    for pitch in range(lo, hi + 1):  # black-key lanes shaded, as in the full piano roll
        if pitch % 12 in (1, 3, 6, 8, 10):
            p.fillRect(QRectF(0, pad + (hi - pitch) * lane, w, lane), QColor(palette.grid))
    p.setPen(Qt.PenStyle.NoPen)
    base = QColor(palette.emotion)
    for n in notes:
        # Parts told apart by lightness, all in the emotion's hue.
        c = base.lighter(100 + 25 * (n.track % 3))
        c.setAlphaF(0.5 + 0.5 * n.velocity / 127)
        p.setBrush(c)
        p.drawRect(
            QRectF(
                pad + n.start * sx,
                pad + (hi - n.pitch) * lane,
                max(1.0, (n.end - n.start) * sx),
                max(1.0, lane),
            )
        )
    _outline(p, size, palette)
    p.end()
    return image


RENDERERS = {"video": video_thumbnail, "audio": audio_thumbnail, "midi": midi_thumbnail}
