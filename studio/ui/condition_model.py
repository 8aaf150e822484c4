"""The one emotional state the window edits (napari-style model: widgets subscribe to it,
the model never calls a widget).

Pad, wheel, word box, sliders and the trajectory editor all write through this model and
redraw from its ``changed`` signal, so they can never disagree. ``source`` tells a widget
whether a change is its own echo (the wheel keeps its petal levels while it is the source).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from PySide6.QtCore import QObject, Signal

from studio.emotion import Condition, name_with_hysteresis
from studio.emotion.lexicon import lookup


def display_name(condition: Condition) -> str:
    """The one name of a state, the same in the title, the pad badge, the emotion panel,
    the arc and the history: "sadness (melancholy)" for a typed word."""
    return condition.title


def max_intensity(condition: Condition) -> float:
    """The largest intensity that keeps this emotion's VAD ray inside the cube."""
    reach = max(abs(x) for x in condition.vad)
    if condition.intensity <= 0 or reach <= 0:
        return 1.0
    return min(1.0, condition.intensity / reach)


class ConditionModel(QObject):
    """Holds the current :class:`Condition`; emits ``changed(condition, source)``.

    ``dragging`` is true while a pointer drag is in progress (live previews use it to tell
    a stream of positions from a settled one); ``settled`` fires when a drag ends.
    """

    changed = Signal(object, str)
    settled = Signal(object)

    def __init__(self, condition: Condition | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._condition = condition or Condition.neutral()
        self.dragging = False
        # The name shown as the headline: while the pad is dragged it holds still across a
        # boundary the pointer wobbles over (studio.emotion.name_with_hysteresis).
        self.headline = display_name(self._condition)

    @property
    def condition(self) -> Condition:
        return self._condition

    # -- writing ------------------------------------------------------------------------
    def set_condition(self, condition: Condition, source: str = "") -> None:
        if condition == self._condition:
            return
        self._condition = condition
        held = self.headline if self.dragging and source == "pad" else None
        self.headline = (
            name_with_hysteresis(held, condition) if source == "pad" else display_name(condition)
        )
        self.changed.emit(condition, source)

    def set_vad(self, valence: float, arousal: float, source: str = "pad") -> None:
        """A pad position (dominance kept); values are clipped to the pad's square."""
        raw = (float(valence), float(arousal))
        if not all(math.isfinite(x) for x in raw):  # before clipping, which would hide NaN
            raise ValueError("valence and arousal must be finite numbers")
        v, a = (max(-1.0, min(1.0, x)) for x in raw)
        self.set_condition(Condition.from_vad(v, a, self._condition.dominance), source)

    def set_dominance(self, dominance: float, source: str = "dominance") -> None:
        self.set_condition(self._condition.with_dominance(dominance), source)

    def set_intensity(self, intensity: float, source: str = "intensity") -> None:
        """Scale along the emotion's ray; capped where the ray leaves the VAD cube."""
        c = self._condition
        if not c.mixture or c.intensity <= 0:
            return  # neutral has no direction to scale
        if not math.isfinite(float(intensity)):
            raise ValueError("intensity must be a finite number")
        level = max(0.0, min(float(intensity), max_intensity(c)))
        if level <= 0.0:
            self.set_condition(Condition.neutral(), source)
            return
        self.set_condition(c.with_intensity(level), source)

    def set_mixture(
        self, mixture: Mapping[str, float], intensity: float, source: str = "wheel"
    ) -> None:
        mix = {k: float(w) for k, w in mixture.items() if w > 0}
        if not mix or intensity <= 0:
            self.set_condition(Condition.neutral(), source)
            return
        self.set_condition(
            Condition.from_mixture(mix, min(1.0, float(intensity)), normalise=True), source
        )

    def set_word(self, word: str, source: str = "word") -> Condition:
        """Land on a lexicon word; raises ``ValueError`` (with suggestions) for unknown words."""
        condition = lookup(word).condition()
        self.set_condition(condition, source)
        return condition

    # -- drags --------------------------------------------------------------------------
    def begin_drag(self) -> None:
        self.dragging = True

    def end_drag(self) -> None:
        if self.dragging:
            self.dragging = False
            self.settled.emit(self._condition)

    def settle(self) -> None:
        """A discrete edit (a key press, a typed word) is complete: previews that wait for
        a drag to end may render it now."""
        if not self.dragging:
            self.settled.emit(self._condition)
