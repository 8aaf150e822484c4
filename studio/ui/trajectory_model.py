"""The emotional arc being edited: keyframes (time → condition) and whether generators
that can follow an arc (music, speech, talking head) should use it."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from studio.emotion import Condition, Keyframe, Trajectory
from studio.emotion.trajectory import Interpolation

MIN_GAP = 0.05  # seconds between keyframes; Trajectory needs strictly increasing times


class TrajectoryModel(QObject):
    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.keyframes: list[Keyframe] = []
        self.interpolation: Interpolation = "smooth"
        self.duration = 20.0
        self.enabled = False

    def trajectory(self) -> Trajectory | None:
        """The arc to generate with, or ``None`` when it is off or empty."""
        if not self.enabled or not self.keyframes:
            return None
        return Trajectory(tuple(self.keyframes), self.interpolation)

    def set_enabled(self, on: bool) -> None:
        if on != self.enabled:
            self.enabled = on
            self.changed.emit()

    def set_duration(self, seconds: float) -> None:
        self.duration = max(1.0, float(seconds))
        self.keyframes = [k for k in self.keyframes if k.time <= self.duration]
        self.changed.emit()

    def set_interpolation(self, mode: Interpolation) -> None:
        self.interpolation = mode
        self.changed.emit()

    def put(self, time: float, condition: Condition) -> int:
        """Add a keyframe at ``time`` (replacing one within MIN_GAP); returns its index."""
        t = round(max(0.0, min(self.duration, float(time))), 3)
        frames = [k for k in self.keyframes if abs(k.time - t) >= MIN_GAP]
        frames.append(Keyframe(t, condition))
        frames.sort(key=lambda k: k.time)
        self.keyframes = frames
        self.changed.emit()
        return next(i for i, k in enumerate(frames) if k.time == t)

    def move(self, index: int, time: float) -> int:
        """Move keyframe ``index`` in time (kept between its neighbours)."""
        frames = self.keyframes
        lo = frames[index - 1].time + MIN_GAP if index > 0 else 0.0
        hi = frames[index + 1].time - MIN_GAP if index + 1 < len(frames) else self.duration
        t = round(max(lo, min(hi, float(time))), 3)
        frames[index] = Keyframe(t, frames[index].condition)
        self.changed.emit()
        return index

    def replace(self, index: int, condition: Condition) -> None:
        self.keyframes[index] = Keyframe(self.keyframes[index].time, condition)
        self.changed.emit()

    def remove(self, index: int) -> None:
        del self.keyframes[index]
        self.changed.emit()

    def clear(self) -> None:
        self.keyframes = []
        self.changed.emit()

    def load(self, trajectory: Trajectory) -> None:
        self.keyframes = list(trajectory.keyframes)
        self.interpolation = trajectory.interpolation
        self.duration = max(self.duration, trajectory.end, 1.0)
        self.enabled = True
        self.changed.emit()
