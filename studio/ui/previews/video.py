"""Video preview through QtMultimedia; a clear message where it cannot load."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from studio.ui.previews import multimedia
from studio.ui.previews.transport import Transport


class VideoPreview(QWidget):
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
        self.player = media.QMediaPlayer(self)
        self.output = media.QAudioOutput(self)
        self.player.setAudioOutput(self.output)
        self.player.setVideoOutput(self.view)
        self.transport = Transport(self.player)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.transport)

    def load(self, path: Path) -> None:
        if self.player is None:
            self.notice.setText(f"{self.notice.text()}\n\nThe file is at {path}")
            return
        self.player.stop()
        self.player.setSource(QUrl.fromLocalFile(str(path)))
        self.player.play()  # shows the first frames at once; the artist can pause
        self.player.pause()

    def stop(self) -> None:
        if self.player is not None:
            self.player.stop()
            self.player.setSource(QUrl())
