"""An image view with zoom: wheel or +/− to zoom, 0 or double-click to fit, drag to pan."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import (
    QImage,
    QImageReader,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPixmap,
    QWheelEvent,
)
from PySide6.QtWidgets import QGraphicsPixmapItem, QGraphicsScene, QGraphicsView, QWidget

from studio.ui.background import Background

ZOOM_STEP = 1.25
MIN_ZOOM, MAX_ZOOM = 0.05, 32.0


def _read(path: Path) -> QImage:
    reader = QImageReader(str(path))
    image = reader.read()
    if image.isNull():
        raise ValueError(f"Cannot read the image {path.name}: {reader.errorString()}")
    return image


class ImageView(QGraphicsView):
    loaded = Signal()
    failed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.background = Background(self)
        self.setScene(QGraphicsScene(self))
        self.item = QGraphicsPixmapItem()
        self.item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.scene().addItem(self.item)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setToolTip("Wheel or +/− to zoom, 0 or double-click to fit, drag to pan")
        self.setAccessibleName("Image preview")
        self.fitted = True

    def load(self, path: Path) -> None:
        """Decode off the UI thread (a large PNG takes tens of ms); ``failed`` on error."""
        self.background.run(
            lambda: _read(path), self._loaded, lambda exc: self.failed.emit(str(exc))
        )

    def _loaded(self, image: QImage) -> None:
        self.item.setPixmap(QPixmap.fromImage(image))
        self.scene().setSceneRect(self.item.boundingRect())
        if self.fitted:
            self.fit()
        self.loaded.emit()

    @property
    def zoom(self) -> float:
        return self.transform().m11()

    def fit(self) -> None:
        self.fitted = True
        self.fitInView(self.item, Qt.AspectRatioMode.KeepAspectRatio)

    def zoom_by(self, factor: float) -> None:
        target = max(MIN_ZOOM, min(MAX_ZOOM, self.zoom * factor))
        self.fitted = False
        self.scale(target / self.zoom, target / self.zoom)

    def wheelEvent(self, event: QWheelEvent) -> None:
        self.zoom_by(ZOOM_STEP if event.angleDelta().y() > 0 else 1 / ZOOM_STEP)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_by(ZOOM_STEP)
        elif key == Qt.Key.Key_Minus:
            self.zoom_by(1 / ZOOM_STEP)
        elif key == Qt.Key.Key_0:
            self.fit()
        elif key == Qt.Key.Key_1:
            self.fitted = False
            self.resetTransform()
        else:
            super().keyPressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.fit()

    def resizeEvent(self, event: object) -> None:  # type: ignore[override,unused-ignore]
        super().resizeEvent(event)  # type: ignore[arg-type]
        if self.fitted:
            self.fit()
