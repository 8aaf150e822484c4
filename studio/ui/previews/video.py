"""Video preview through QtMultimedia; a clear message where it cannot load."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QLabel, QSizePolicy, QStackedWidget, QVBoxLayout, QWidget

from studio.errors import one_line
from studio.ui.background import Background
from studio.ui.previews import multimedia
from studio.ui.previews.transport import Transport


def first_frame(path: Path) -> QImage:
    """The first video frame, decoded with PyAV (a thread-safe QImage)."""
    import av

    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            rgb = frame.to_ndarray(format="rgb24")
            h, w, _ = rgb.shape
            return QImage(rgb.tobytes(), w, h, 3 * w, QImage.Format.Format_RGB888).copy()
    return QImage()


class VideoPreview(QWidget):
    failed = Signal(str)  # one line: the file cannot be decoded

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        media, widgets, reason = multimedia.load()
        self.player: Any = None
        self.notice = QLabel(reason)
        self.notice.setObjectName("hint")
        self.notice.setWordWrap(True)
        if media is None or widgets is None:
            layout.addWidget(self.notice, 1)
            return
        self.view = widgets.QVideoWidget()
        self.view.setAccessibleName("Video preview")
        # The first frame as a still until playback starts: a paused player shows nothing
        # on some platforms (no GPU, offscreen), and the artist should see the face at once.
        self.poster = QLabel()
        self.poster.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.poster.setMinimumSize(1, 1)
        self.poster.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.poster_image = QImage()
        self.background = Background(self)
        self.screens = QStackedWidget()
        self.screens.addWidget(self.poster)
        self.screens.addWidget(self.view)
        self.player = media.QMediaPlayer(self)
        self.output = media.QAudioOutput(self)
        self.player.setAudioOutput(self.output)
        self.player.setVideoOutput(self.view)
        self.transport = Transport(self.player)
        self.player.playbackStateChanged.connect(self._state)
        layout.addWidget(self.screens, 1)
        layout.addWidget(self.transport)
        layout.addWidget(self.notice)
        self.notice.hide()
        self.transport.notice.connect(self._say)

    def _say(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.setVisible(bool(text))

    def load(self, path: Path) -> None:
        if self.player is None:
            self.notice.setText(f"{self.notice.text()}\n\nThe file is at {path}")
            return
        self.player.stop()
        self.player.setSource(QUrl.fromLocalFile(str(path)))
        self.poster_image = QImage()
        self.poster.clear()
        self.screens.setCurrentWidget(self.poster)
        self.background.run(
            lambda: first_frame(path),
            self._poster,
            lambda exc: self.failed.emit(f"Cannot read the video {path.name}: {one_line(exc)}"),
        )

    def _poster(self, image: QImage) -> None:
        if image.isNull():
            self.failed.emit("Cannot read the video: it has no frames")
            return
        self.poster_image = image
        self._fit_poster()

    def _fit_poster(self) -> None:
        if not self.poster_image.isNull():
            self.poster.setPixmap(
                QPixmap.fromImage(self.poster_image).scaled(
                    self.poster.size(),
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        if self.player is not None:
            self._fit_poster()

    def _state(self, state: Any) -> None:
        playing = state != type(state).StoppedState
        self.screens.setCurrentWidget(self.view if playing else self.poster)

    def stop(self) -> None:
        if self.player is not None:
            self.player.stop()
            self.player.setSource(QUrl())
