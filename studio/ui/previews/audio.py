"""Audio preview: the waveform, and playback through QtMultimedia when it loads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from studio.ui.previews import multimedia
from studio.ui.previews.transport import Transport
from studio.ui.previews.waveform import WaveformView


class AudioPreview(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.waveform = WaveformView()
        self.notice = QLabel()
        self.notice.setObjectName("hint")
        self.notice.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.waveform, 1)
        media, _widgets, reason = multimedia.load()
        self.player: Any = None
        self.transport: Transport | None = None
        if media is None:
            self.notice.setText(reason)
            layout.addWidget(self.notice)
            return
        self.player = media.QMediaPlayer(self)
        self.output = media.QAudioOutput(self)
        self.player.setAudioOutput(self.output)
        self.transport = Transport(self.player)
        self.transport.position_changed.connect(self.waveform.set_playhead)
        self.transport.notice.connect(self._say)
        self.waveform.seek.connect(self._seek)
        layout.addWidget(self.transport)
        layout.addWidget(self.notice)
        self.notice.hide()

    def _say(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.setVisible(bool(text))

    def load(self, path: Path) -> None:
        self.waveform.load(path)
        if self.player is not None:
            self.player.stop()
            self.player.setSource(QUrl.fromLocalFile(str(path)))

    def stop(self) -> None:
        if self.player is not None:
            self.player.stop()
            self.player.setSource(QUrl())  # release the file (it may be deleted next)

    def _seek(self, seconds: float) -> None:
        if self.player is not None:
            self.player.setPosition(int(seconds * 1000))
            self.player.play()
