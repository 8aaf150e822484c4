"""The music generator's control space: musical attributes as a direction table.

``attributes.csv`` holds one row per attribute (tempo, mode, register, density, ...) with
its neutral value, bounds, one direction per Plutchik primary, one per VAD axis and the
sources that justify the directions. Loaded with ``DirectionSpace.from_csv`` and an
``axis_weight`` so every attribute moves continuously with the pad.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path
from typing import Final

from studio.emotion import Condition, DirectionSpace

TABLE: Final = Path(__file__).with_name("attributes.csv")
AXIS_WEIGHT: Final = 0.7
# p(major) = sigmoid(MODE_SLOPE * mode): steep enough that |valence| >= 0.4 is almost
# always one mode, smooth enough that the middle of the pad mixes modes phrase by phrase.
MODE_SLOPE: Final = 9.0


@dataclass(frozen=True)
class Controls:
    """The musical attributes of one emotional state (units and sources in attributes.csv)."""

    tempo: float  # beats per minute
    mode: float  # major/minor logit, see p_major
    register: float  # melody centre, MIDI note number
    density: float  # melody onsets per beat
    syncopation: float
    articulation: float  # sounding fraction of each note (legato near 1)
    velocity: float  # MIDI velocity
    velocity_var: float
    tension: float  # dissonance / extension probability
    contour: float  # melodic direction bias
    range: float  # melody span in semitones
    bass_weight: float
    drums: float
    timbre: float  # soft → bright ensemble
    harmonic_rhythm: float  # chords per bar
    resolve: float  # probability that the piece ends on the tonic

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    @classmethod
    def mean(cls, many: Sequence[Controls]) -> Controls:
        """The attribute-wise mean (e.g. over a piece's phrases)."""
        return cls(**{n: sum(getattr(c, n) for c in many) / len(many) for n in cls.names()})

    def to_dict(self) -> dict[str, float]:
        return {n: float(getattr(self, n)) for n in self.names()}


@cache
def space() -> DirectionSpace:
    return DirectionSpace.from_csv(TABLE, expect=Controls.names(), axis_weight=AXIS_WEIGHT)


def controls(condition: Condition) -> Controls:
    """Musical attributes for one emotional state."""
    return Controls(**space().control_dict(condition))


def p_major(ctrl: Controls) -> float:
    """Probability that a phrase is in major (the mode-mixture probability)."""
    return 1.0 / (1.0 + math.exp(-MODE_SLOPE * ctrl.mode))
