"""Thumbnails for the history: a scaled image, a video frame, an audio waveform or a mini
piano roll, made off the UI thread and cached in memory by path and modification time.

Until a thumbnail is ready, and for anything unreadable, an entry shows a swatch in the
emotion's colour with a glyph for the kind of media; real thumbnails of non-images keep
that glyph as a small badge so the kind stays readable at a glance.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from pathlib import Path

from PySide6.QtCore import QObject, QRectF, QRunnable, QSize, Qt, QThreadPool, Signal
from PySide6.QtGui import QColor, QFont, QIcon, QImage, QImageReader, QPainter, QPixmap

from studio.ui import theme
from studio.ui.previews import kind_of
from studio.ui.thumbnail_render import RENDERERS, Palette

log = logging.getLogger(__name__)

SIZE = QSize(72, 72)
GLYPHS = {"audio": "♫", "midi": "♪", "video": "▶", "text": "≡", "other": "•"}
CACHE_LIMIT = 1000  # thumbnails kept (~20 kB each); several pages of history
SWATCH = "swatch"  # the kind reported for an entry that shows its swatch

# path, mtime_ns, size in bytes, emotion colour, theme: a changed file or colour redraws
CacheKey = tuple[str, int, int, str, str]


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


def with_badge(image: QImage, kind: str) -> QPixmap:
    """The thumbnail with its media glyph in a small dark disc, bottom right. Painted on
    the UI thread: text rendering there is always safe."""
    pm = QPixmap.fromImage(image)
    if kind not in GLYPHS or kind in ("text", "other"):
        return pm
    d = round(pm.height() * 0.32)
    rect = QRectF(pm.width() - d - 4, pm.height() - d - 4, d, d)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(0, 0, 0, 150))  # dark on any picture, light or dark theme
    p.drawEllipse(rect)
    f = QFont()
    f.setPixelSize(round(d * 0.62))
    p.setFont(f)
    p.setPen(QColor("#ffffff"))
    p.drawText(rect, Qt.AlignmentFlag.AlignCenter, GLYPHS[kind])
    p.end()
    return pm


def _scaled_image(path: Path, size: QSize) -> QImage:
    reader = QImageReader(str(path))
    scaled = reader.size()
    if scaled.isValid():
        scaled.scale(size, Qt.AspectRatioMode.KeepAspectRatio)
        reader.setScaledSize(scaled)
    image = reader.read()
    if image.isNull():
        raise ValueError(reader.errorString())
    return image


def render(path: Path, kind: str, palette: Palette, size: QSize = SIZE) -> QImage:
    """The thumbnail picture of one file (no badge); raises when the file cannot be read."""
    if kind == "image":
        return _scaled_image(path, size)
    return RENDERERS[kind](path, size, palette)


class _Loaded(QObject):
    done = Signal(object, object)  # (CacheKey, QImage or None when unreadable)


class _Job(QRunnable):
    def __init__(
        self, cache_key: CacheKey, path: Path, kind: str, palette: Palette, signals: _Loaded
    ) -> None:
        super().__init__()
        self.cache_key, self.path, self.kind = cache_key, path, kind
        self.palette, self.signals = palette, signals

    def run(self) -> None:
        try:
            image: QImage | None = render(self.path, self.kind, self.palette)
        except Exception as exc:  # any decoder's error: the entry keeps its swatch
            log.debug("no thumbnail for %s: %s", self.path, exc)
            image = None
        self.signals.done.emit(self.cache_key, image)


class ThumbnailLoader(QObject):
    """``icon_for`` answers at once (from the cache, or a swatch); a real thumbnail made on
    the loader's own thread follows through ``ready(key, icon)``."""

    ready = Signal(int, QIcon)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # One thread: thumbnails must never compete with previews or the UI for the CPU.
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.cache: OrderedDict[CacheKey, tuple[QIcon, str]] = OrderedDict()
        self.kinds: dict[int, str] = {}  # what each key shows now: a media kind or SWATCH
        self._waiting: dict[CacheKey, tuple[set[int], QColor, str]] = {}
        self._signals = _Loaded()
        self._signals.done.connect(self._loaded)

    def icon_for(self, key: int, path: Path | None, colour: QColor) -> QIcon:
        """An immediate icon for ``key``; the real thumbnail follows through ``ready``."""
        kind = kind_of(path) if path else "other"
        self.kinds[key] = SWATCH
        if path is None or kind not in ("image", *RENDERERS):
            return QIcon(swatch(colour, kind))
        try:
            st = path.stat()  # one cheap system call; no file content is read here
        except OSError:
            return QIcon(swatch(colour, kind))
        t = theme.current()
        cache_key = (str(path), st.st_mtime_ns, st.st_size, colour.name(), t.name)
        if cache_key in self.cache:
            self.cache.move_to_end(cache_key)
            icon, shown = self.cache[cache_key]
            self.kinds[key] = shown
            return icon
        if cache_key in self._waiting:
            self._waiting[cache_key][0].add(key)
        else:
            self._waiting[cache_key] = ({key}, QColor(colour), kind)
            palette = Palette(emotion=colour.name(), base=t.base, grid=t.pad_grid)
            self.pool.start(_Job(cache_key, path, kind, palette, self._signals))
        return QIcon(swatch(colour, kind))

    def _loaded(self, cache_key: CacheKey, image: QImage | None) -> None:
        keys, colour, kind = self._waiting.pop(cache_key, (set(), QColor(), "other"))
        if image is None or image.isNull():
            # Remembered too, so a corrupt file is not decoded again on every refresh.
            icon, shown = QIcon(swatch(colour, kind)), SWATCH
        else:
            icon, shown = QIcon(with_badge(image, kind)), kind
        self.cache[cache_key] = (icon, shown)
        while len(self.cache) > CACHE_LIMIT:
            self.cache.popitem(last=False)
        for key in keys:
            self.kinds[key] = shown
            self.ready.emit(key, icon)

    def wait(self) -> None:
        self.pool.waitForDone()


def colour_of(mixture: dict[str, float]) -> QColor:
    return theme.mixture_colour(mixture)
