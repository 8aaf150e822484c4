"""The music generator's control space: musical attributes as a direction table.

``attributes.csv`` holds one row per attribute (tempo, mode, register, density, ...) with
its neutral value, bounds, one direction per Plutchik primary, one per VAD axis and the
sources that justify the directions. Loaded with ``DirectionSpace.from_csv`` and an
``axis_weight`` so every attribute moves continuously with the pad.
"""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path
from typing import Final

from studio.emotion import Condition, DirectionSpace

TABLE: Final = Path(__file__).with_name("attributes.csv")
AXIS_WEIGHT: Final = 0.7
# p(major) = sigmoid(MODE_SLOPE * mode): steep enough that |valence| >= 0.4 is almost
# always one mode, smooth enough that the middle of the pad mixes modes phrase by phrase.
MODE_SLOPE: Final = 9.0

Controls = dict[str, float]


@cache
def space() -> DirectionSpace:
    return DirectionSpace.from_csv(TABLE, axis_weight=AXIS_WEIGHT)


def controls(condition: Condition) -> Controls:
    """Musical attributes for one emotional state."""
    return space().control_dict(condition)


def p_major(ctrl: Controls) -> float:
    """Probability that a phrase is in major (the mode-mixture probability)."""
    return 1.0 / (1.0 + math.exp(-MODE_SLOPE * ctrl["mode"]))
