"""MIDI preview: the piano roll, and Play that renders the same request as audio first.

A MIDI file cannot be played by QtMultimedia, so the first Play asks ``MidiAudio`` for a
WAV of the same request (rendered through the job queue, or taken from its cache) and plays
that, with a playhead moving across the roll. The roll stays on screen throughout.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from studio.plugins.contract import Request
from studio.ui.previews import multimedia
from studio.ui.previews.piano_roll import PianoRoll
from studio.ui.previews.transport import Transport

if TYPE_CHECKING:
    from studio.ui.midi_audio import MidiAudio

# The request that made the file, asked for only when Play is pressed (a history lookup).
RequestSource = Callable[[], Request | None]
PREPARING = "preparing audio…"


class MidiPreview(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.roll = PianoRoll()
        self.notice = QLabel()
        self.notice.setObjectName("hint")
        self.notice.setWordWrap(True)
        self.audio: MidiAudio | None = None
        self.path: Path | None = None
        self.source: RequestSource | None = None
        self.wav: Path | None = None
        self.preparing = False
        self._start_at = 0.0  # seconds: where a click on the roll asked to start
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.roll, 1)
        media, _widgets, reason = multimedia.load()
        self.player: Any = None
        self.transport: Transport | None = None
        if media is None:
            # The same message as the audio preview, beside a Play that cannot work here.
            self.play_button = QToolButton()
            self.play_button.setText("▶")
            self.play_button.setAccessibleName("Play")
            self.play_button.setToolTip(reason)
            self.play_button.setEnabled(False)
            self.notice.setText(reason)
            row = QHBoxLayout()
            row.addWidget(self.play_button)
            row.addWidget(self.notice, 1)
            layout.addLayout(row)
            return
        self.player = media.QMediaPlayer(self)
        self.output = media.QAudioOutput(self)
        self.player.setAudioOutput(self.output)
        self.transport = Transport(self.player)
        self.transport.before_play = self._ensure_audio
        self.transport.position_changed.connect(self.roll.set_playhead)
        self.transport.notice.connect(self._say)
        self.play_button = self.transport.play
        self.roll.seek.connect(self._seek)
        self.roll.setToolTip(f"{self.roll.toolTip()}. Click to play from there")
        layout.addWidget(self.transport)
        layout.addWidget(self.notice)
        self.notice.hide()

    def set_audio(self, audio: MidiAudio | None) -> None:
        """Where the audio comes from; without one, Play says it cannot play here."""
        if self.audio is not None:
            self.audio.ready.disconnect(self._ready)
            self.audio.failed.disconnect(self._failed)
        self.audio = audio
        if audio is not None:
            audio.ready.connect(self._ready)
            audio.failed.connect(self._failed)

    def load(self, path: Path, source: RequestSource | None = None) -> None:
        self.stop()
        self.path, self.source, self.wav = Path(path), source, None
        self.preparing, self._start_at = False, 0.0
        self.roll.load(self.path)
        if self.transport is not None:
            self._say("")
            self.play_button.setEnabled(True)

    def stop(self) -> None:
        if self.player is not None:
            self.player.stop()
            self.player.setSource(QUrl())  # release the file (it may be deleted next)
        self.roll.set_playhead(None)

    # -- playing --------------------------------------------------------------------------
    def _ensure_audio(self) -> bool:
        """True when the WAV is loaded; otherwise start preparing it (and play once ready)."""
        if self.wav is not None:
            return True
        if self.preparing or self.path is None:
            return False
        request = self.source() if self.source is not None else None
        if self.audio is None or request is None:
            self._say("Cannot play: the request that made this MIDI file is not known here")
            return False
        self.preparing = True
        self.play_button.setEnabled(False)
        self._say(PREPARING)
        self.audio.prepare(self.path, request)
        return False

    def _ready(self, midi: Path, wav: Path) -> None:
        if midi != self.path or not self.preparing:
            return  # another file is shown now
        self.preparing, self.wav = False, wav
        self.play_button.setEnabled(True)
        self._say("")
        self.player.setSource(QUrl.fromLocalFile(str(wav)))
        self.player.play()
        if self._start_at > 0:
            self.player.setPosition(int(self._start_at * 1000))

    def _failed(self, midi: Path, line: str) -> None:
        if midi != self.path or not self.preparing:
            return
        self.preparing = False
        self.play_button.setEnabled(True)  # a second try may work (e.g. after a cancel)
        self._say(f"Cannot play: {line}", error=True)

    def _seek(self, seconds: float) -> None:
        if self.player is None:
            return
        if self.wav is None:
            self._start_at = seconds
            self._ensure_audio()
            return
        self.player.setPosition(int(seconds * 1000))
        self.player.play()

    def _say(self, text: str, *, error: bool = False) -> None:
        self.notice.setObjectName("error" if error else "hint")
        self.notice.style().unpolish(self.notice)  # the object name picks the colour
        self.notice.style().polish(self.notice)
        self.notice.setText(text)
        self.notice.setVisible(bool(text))
