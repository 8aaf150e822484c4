"""Thumbnails for the history: images decoded off the UI thread; other media get a swatch
in the emotion's colour with a glyph for the kind of media."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QRectF, QRunnable, QSize, Qt, QThreadPool, Signal
from PySide6.QtGui import QColor, QFont, QIcon, QImage, QImageReader, QPainter, QPixmap

from studio.ui import theme
from studio.ui.previews import kind_of

SIZE = QSize(72, 72)
GLYPHS = {"audio": "♫", "midi": "♪", "video": "▶", "text": "≡", "other": "•"}


def swatch(colour: QColor, kind: str, size: QSize = SIZE) -> QPixmap:
    pm = QPixmap(size)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    bg = QColor(colour)
    bg.setAlphaF(0.9)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(bg)
    p.drawRoundedRect(QRectF(2, 2, size.width() - 4, size.height() - 4), 10, 10)
    f = QFont()
    f.setPixelSize(int(size.height() * 0.45))
    p.setFont(f)
    p.setPen(QColor("#ffffff"))
    p.drawText(
        QRectF(0, 0, size.width(), size.height()),
        Qt.AlignmentFlag.AlignCenter,
        GLYPHS.get(kind, "•"),
    )
    p.end()
    return pm


class _Loaded(QObject):
    done = Signal(int, QImage)


class _Job(QRunnable):
    def __init__(self, key: int, path: Path, signals: _Loaded) -> None:
        super().__init__()
        self.key, self.path, self.signals = key, path, signals

    def run(self) -> None:
        reader = QImageReader(str(self.path))
        size = reader.size()
        if size.isValid():
            size.scale(SIZE, Qt.AspectRatioMode.KeepAspectRatio)
            reader.setScaledSize(size)
        image = reader.read()
        if not image.isNull():
            self.signals.done.emit(self.key, image)


class ThumbnailLoader(QObject):
    """``ready(key, icon)`` once an image thumbnail is decoded."""

    ready = Signal(int, QIcon)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._signals = _Loaded()
        self._signals.done.connect(
            lambda key, image: self.ready.emit(key, QIcon(QPixmap.fromImage(image)))
        )

    def icon_for(self, key: int, path: Path | None, colour: QColor) -> QIcon:
        """An immediate icon; for an image, the real thumbnail follows through ``ready``."""
        kind = kind_of(path) if path else "other"
        if kind == "image" and path is not None and path.is_file():
            self.pool.start(_Job(key, path, self._signals))
        return QIcon(swatch(colour, kind))

    def wait(self) -> None:
        self.pool.waitForDone()


def colour_of(mixture: dict[str, float]) -> QColor:
    return theme.mixture_colour(mixture)
