"""A waveform of an audio file (min/max per pixel column) with a playhead."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from studio.ui import theme
from studio.ui.background import Background

BUCKETS = 2000  # envelope resolution kept in memory; painting resamples it to the width


def envelope(path: Path, buckets: int = BUCKETS) -> tuple[np.ndarray, float]:
    """Per-bucket (min, max) of the mono mix and the duration in seconds."""
    import soundfile as sf

    data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    mono = data.mean(axis=1)
    if mono.size == 0:
        return np.zeros((0, 2), dtype=np.float32), 0.0
    n = max(1, min(buckets, mono.size))
    edges = np.linspace(0, mono.size, n + 1).astype(int)
    lo = np.minimum.reduceat(mono, edges[:-1])
    hi = np.maximum.reduceat(mono, edges[:-1])
    return np.stack([lo, hi], axis=1), mono.size / float(rate)


class WaveformView(QWidget):
    seek = Signal(float)  # seconds

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.env = np.zeros((0, 2), dtype=np.float32)
        self.duration = 0.0
        self.playhead = 0.0
        self.error = ""
        self.background = Background(self)
        self.setMinimumHeight(90)
        self.setToolTip("Click to play from there")
        self.setAccessibleName("Waveform")

    def sizeHint(self) -> QSize:
        return QSize(400, 120)

    def load(self, path: Path) -> None:
        """Decode off the UI thread; the waveform repaints when the envelope arrives."""
        self.env, self.duration, self.playhead, self.error = self.env[:0], 0.0, 0.0, ""
        self.background.run(lambda: envelope(path), self._loaded, self._failed)
        self.update()

    def _loaded(self, result: tuple[np.ndarray, float]) -> None:
        self.env, self.duration = result
        self.update()

    def _failed(self, exc: Exception) -> None:
        self.error = f"Cannot read this audio file: {exc}"
        self.update()

    def set_playhead(self, seconds: float) -> None:
        self.playhead = seconds
        self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.duration > 0 and self.width() > 0:
            self.seek.emit(event.position().x() / self.width() * self.duration)

    def paintEvent(self, event: QPaintEvent) -> None:
        t = theme.current()
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(t.base))
        mid = self.height() / 2
        p.setPen(QPen(QColor(t.pad_grid), 1))
        p.drawLine(QPointF(0, mid), QPointF(self.width(), mid))
        n = len(self.env)
        if n:
            cols = max(1, self.width())
            idx = np.linspace(0, n, cols + 1).astype(int)
            p.setPen(QPen(QColor(t.accent), 1))
            half = mid * 0.92
            for x in range(cols):
                a, b = idx[x], max(idx[x] + 1, idx[x + 1])
                chunk = self.env[a:b]
                lo, hi = float(chunk[:, 0].min()), float(chunk[:, 1].max())
                p.drawLine(QPointF(x + 0.5, mid - hi * half), QPointF(x + 0.5, mid - lo * half))
        if self.error:
            p.setPen(QColor(t.danger))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.error)
        if self.duration > 0:
            head = self.playhead / self.duration * self.width()
            p.setPen(QPen(QColor(t.text), 1.5))
            p.drawLine(QPointF(head, 0), QPointF(head, self.height()))
        p.setPen(QPen(QColor(t.border), 1))
        p.drawRect(QRectF(0.5, 0.5, self.width() - 1, self.height() - 1))
        p.end()
