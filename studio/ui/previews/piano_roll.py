"""A piano roll of a MIDI file: one lane per pitch, one colour per track, bar lines."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from studio.ui import theme
from studio.ui.background import Background

TRACK_COLOURS = ("#6c9cff", "#f08a24", "#8cc63f", "#e0453a", "#9b59b6", "#35a7d8", "#f4c430")


@dataclass(frozen=True, slots=True)
class Note:
    start: float
    end: float
    pitch: int
    velocity: int
    track: int


def read_notes(path: Path) -> tuple[list[Note], float, float]:
    """Notes (seconds), the total length and the first tempo's beat length in seconds."""
    import mido

    midi = mido.MidiFile(str(path))
    per_beat = midi.ticks_per_beat or 480
    tempos: list[tuple[int, int]] = []  # (absolute tick, microseconds per beat)
    for track in midi.tracks:
        tick = 0
        for msg in track:
            tick += msg.time
            if msg.type == "set_tempo":
                tempos.append((tick, msg.tempo))
    tempos.sort()
    if not tempos or tempos[0][0] > 0:
        tempos.insert(0, (0, 500_000))  # the MIDI default: 120 bpm
    # Seconds at each tempo change, so any tick converts in one step.
    marks: list[tuple[int, float, int]] = []
    seconds = 0.0
    for i, (tick, tempo) in enumerate(tempos):
        if i:
            prev_tick, _, prev_tempo = marks[-1]
            seconds += (tick - prev_tick) * prev_tempo / 1e6 / per_beat
        marks.append((tick, seconds, tempo))

    def at(tick: int) -> float:
        i = bisect.bisect_right([m[0] for m in marks], tick) - 1
        mark_tick, mark_s, tempo = marks[max(0, i)]
        return mark_s + (tick - mark_tick) * tempo / 1e6 / per_beat

    notes: list[Note] = []
    end = 0.0
    for track_no, track in enumerate(midi.tracks):
        tick = 0
        held: dict[tuple[int, int], tuple[int, int]] = {}
        for msg in track:
            tick += msg.time
            if msg.type == "note_on" and msg.velocity > 0:
                held[(msg.channel, msg.note)] = (tick, msg.velocity)
            elif msg.type in ("note_off", "note_on"):
                start = held.pop((msg.channel, msg.note), None)
                if start is not None:
                    notes.append(Note(at(start[0]), at(tick), msg.note, start[1], track_no))
        end = max(end, at(tick))
    return notes, end, tempos[0][1] / 1e6


class PianoRoll(QWidget):
    seek = Signal(float)  # seconds: the artist clicked there

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.notes: list[Note] = []
        self.length = 0.0
        self.beat = 0.5
        self.error = ""
        self.playhead: float | None = None  # seconds; None while nothing plays
        self.background = Background(self)
        self.setMinimumHeight(160)
        self.setAccessibleName("Piano roll")
        self.setToolTip("Notes by time (→) and pitch (↑); colours are parts")

    def sizeHint(self) -> QSize:
        return QSize(600, 320)

    def load(self, path: Path) -> None:
        """Parse off the UI thread; the roll repaints when the notes arrive."""
        self.notes, self.error, self.playhead = [], "", None
        self.background.run(lambda: read_notes(path), self._loaded, self._failed)
        self.update()

    def _loaded(self, result: tuple[list[Note], float, float]) -> None:
        self.notes, self.length, self.beat = result
        self.update()

    def _failed(self, exc: Exception) -> None:
        self.error = f"Cannot read this MIDI file: {exc}"
        self.update()

    def set_playhead(self, seconds: float | None) -> None:
        self.playhead = seconds
        self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.notes and self.length > 0 and self.width() > 0:
            self.seek.emit(event.position().x() / self.width() * self.length)

    def paintEvent(self, event: QPaintEvent) -> None:
        t = theme.current()
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(t.base))
        if not self.notes:
            p.setPen(QColor(t.muted))
            text = self.error or ("reading…" if self.background.busy else "no notes")
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, text)
            p.end()
            return
        lo = min(n.pitch for n in self.notes) - 2
        hi = max(n.pitch for n in self.notes) + 2
        lane = self.height() / (hi - lo + 1)
        sx = self.width() / max(self.length, 1e-6)
        for pitch in range(lo, hi + 1):  # black-key lanes shaded, like a keyboard
            if pitch % 12 in (1, 3, 6, 8, 10):
                p.fillRect(QRectF(0, (hi - pitch) * lane, self.width(), lane), QColor(t.alt_base))
        bar = self.beat * 4
        p.setPen(QPen(QColor(t.pad_grid), 1))
        k = 0
        while k * bar <= self.length and bar > 0:
            x = k * bar * sx
            p.drawLine(int(x), 0, int(x), self.height())
            k += 1
        p.setPen(Qt.PenStyle.NoPen)
        for n in self.notes:
            c = QColor(TRACK_COLOURS[n.track % len(TRACK_COLOURS)])
            c.setAlphaF(0.45 + 0.55 * n.velocity / 127)
            p.setBrush(c)
            rect = QRectF(
                n.start * sx,
                (hi - n.pitch) * lane,
                max(1.5, (n.end - n.start) * sx),
                max(1.5, lane - 0.5),
            )
            p.drawRect(rect)
        if self.playhead is not None:
            x = min(self.playhead, self.length) * sx
            p.setPen(QPen(QColor(t.text), 1.5))
            p.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        p.end()
