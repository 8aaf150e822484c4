"""The emotional arc being edited: keyframes (time → condition), its length, and whether
generators that can follow an arc (music, speech, talking head) should use it.

The arc spans its Length: when the last keyframe comes earlier, the arc a generator gets
holds that emotion to the end (one more keyframe), so "a 20 s arc" makes 20 s of music. The
same JSON is an arc document (File → Save arc) and ``studio generate --trajectory``'s input.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal

from studio.emotion import Condition, Keyframe, Trajectory
from studio.emotion.trajectory import Interpolation

MIN_GAP = 0.05  # seconds between keyframes; Trajectory needs strictly increasing times
UNDO_DEPTH = 50  # edits of the arc that Undo can take back

_Snapshot = tuple[tuple[Keyframe, ...], float, Interpolation]


class TrajectoryModel(QObject):
    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.keyframes: list[Keyframe] = []
        self.interpolation: Interpolation = "smooth"
        self.duration = 20.0
        self.enabled = False
        self._undo: list[_Snapshot] = []

    # -- undo: one step per edit, so "Clear" or a stray Delete is never final --------------
    def checkpoint(self) -> None:
        """Remember the arc as it is now (call before an edit; a drag calls it once)."""
        self._undo.append((tuple(self.keyframes), self.duration, self.interpolation))
        del self._undo[:-UNDO_DEPTH]

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    def undo(self) -> bool:
        if not self._undo:
            return False
        frames, self.duration, self.interpolation = self._undo.pop()
        self.keyframes = list(frames)
        self.changed.emit()
        return True

    def trajectory(self) -> Trajectory | None:
        """The arc to generate with, or ``None`` when it is off or empty."""
        if not self.enabled:
            return None
        return self.document()

    def document(self) -> Trajectory | None:
        """The arc over its whole Length (on or off), or ``None`` without keyframes."""
        if not self.keyframes:
            return None
        frames = list(self.keyframes)
        if frames[-1].time < self.duration - MIN_GAP / 2:  # hold the last emotion to the end
            frames.append(Keyframe(round(self.duration, 3), frames[-1].condition))
        return Trajectory(tuple(frames), self.interpolation)

    def state(self) -> dict[str, Any]:
        """What the window remembers between sessions."""
        arc = self.document()
        return {
            "arc": arc.to_dict() if arc is not None else None,
            "duration": self.duration,
            "enabled": self.enabled,
        }

    def restore(self, state: Any) -> None:
        """The arc of the last session (nothing to undo); a damaged value is ignored."""
        if not isinstance(state, dict):
            return
        try:
            arc = Trajectory.from_dict(state["arc"]) if state.get("arc") else None
            duration = float(state.get("duration", self.duration))
        except (ValueError, TypeError, KeyError):
            return
        if arc is not None:
            self._take(arc)
        if 1.0 <= duration <= 3600.0:
            self.duration = max(duration, self.duration if arc is not None else 1.0)
        self.enabled = bool(state.get("enabled")) and bool(self.keyframes)
        self.changed.emit()

    def set_enabled(self, on: bool) -> None:
        if on != self.enabled:
            self.enabled = on
            self.changed.emit()

    def set_duration(self, seconds: float) -> None:
        if any(k.time > max(1.0, float(seconds)) for k in self.keyframes):
            self.checkpoint()  # shortening drops keyframes past the end
        self.duration = max(1.0, float(seconds))
        self.keyframes = [k for k in self.keyframes if k.time <= self.duration]
        self.changed.emit()

    def set_interpolation(self, mode: Interpolation) -> None:
        self.interpolation = mode
        self.changed.emit()

    def put(self, time: float, condition: Condition) -> int:
        """Add a keyframe at ``time`` (replacing one within MIN_GAP); returns its index."""
        t = round(max(0.0, min(self.duration, float(time))), 3)
        self.checkpoint()
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
        self.checkpoint()
        self.keyframes[index] = Keyframe(self.keyframes[index].time, condition)
        self.changed.emit()

    def remove(self, index: int) -> None:
        self.checkpoint()
        del self.keyframes[index]
        self.changed.emit()

    def clear(self) -> None:
        if self.keyframes:
            self.checkpoint()
        self.keyframes = []
        self.changed.emit()

    def load(self, trajectory: Trajectory) -> None:
        """Open an arc (a document, or a past generation's): one undo step; switched on."""
        self.checkpoint()
        self._take(trajectory)
        self.enabled = True
        self.changed.emit()

    def _take(self, trajectory: Trajectory) -> None:
        frames = list(trajectory.keyframes)
        end = max(trajectory.end, 1.0)
        # A trailing hold (the same emotion twice) is how a saved arc keeps its Length.
        if len(frames) > 1 and frames[-1].condition == frames[-2].condition:
            frames.pop()
        self.keyframes = frames
        self.interpolation = trajectory.interpolation
        self.duration = end
