"""Play/pause, a position slider and the time, bound to a QMediaPlayer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QToolButton, QWidget

from studio.ui.previews import multimedia


def clock(ms: int) -> str:
    s = max(0, ms) // 1000
    return f"{s // 60}:{s % 60:02d}"


class Transport(QWidget):
    position_changed = Signal(float)  # seconds, for a playhead elsewhere
    notice = Signal(str)  # e.g. playing with no sound device: the owner shows it

    def __init__(self, player: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.player = player
        # Asked before playing; False holds playback back (a MIDI preview first has its
        # audio rendered, then starts the player itself).
        self.before_play: Callable[[], bool] | None = None
        self.play = QToolButton()
        self.play.setText("▶")
        self.play.setToolTip("Play / pause (Space)")
        self.play.setAccessibleName("Play")
        self.play.setShortcut(Qt.Key.Key_Space)
        self.play.clicked.connect(self.toggle)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setAccessibleName("Position")
        self.slider.sliderMoved.connect(lambda ms: player.setPosition(ms))
        self.time = QLabel("0:00 / 0:00")
        self.time.setObjectName("muted")
        # The label follows the handle at once (the player reports its new position later,
        # and not at all while paused on some platforms).
        self.slider.valueChanged.connect(self._show_time)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.play)
        row.addWidget(self.slider, 1)
        row.addWidget(self.time)
        player.durationChanged.connect(self._duration)
        player.positionChanged.connect(self._position)
        player.playbackStateChanged.connect(self._state)

    def toggle(self) -> None:
        state = self.player.playbackState()
        if state == type(state).PlayingState:
            self.player.pause()
        elif self.before_play is None or self.before_play():
            self.player.play()

    def _show_time(self, ms: int) -> None:
        self.time.setText(f"{clock(ms)} / {clock(self.player.duration())}")

    def _duration(self, ms: int) -> None:
        self.slider.setRange(0, ms)
        self.time.setText(f"{clock(self.slider.value())} / {clock(ms)}")

    def _position(self, ms: int) -> None:
        if not self.slider.isSliderDown():  # while dragging, the handle's time is shown
            self.slider.setValue(ms)
            self._show_time(ms)
        self.position_changed.emit(ms / 1000.0)

    def _state(self, state: Any) -> None:
        playing = state == type(state).PlayingState
        self.play.setText("❚❚" if playing else "▶")
        if playing:
            silent = multimedia.silent_notice()
            if silent:  # a moving playhead and no sound would look like a fault
                self.notice.emit(silent)
