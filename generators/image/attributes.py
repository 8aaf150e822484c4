"""The image generator's control space: colour, light and form as a direction table.

``attributes.csv`` holds one row per control (target lightness and chroma, key hue, hue
spread, contrast, glow, vignette, time of day, curvature, density, turbulence, grain,
central-mass scale and horizon) with its neutral value, bounds, one direction per
Plutchik primary, one per VAD axis and the sources behind the directions. Loaded through
``DirectionSpace.from_csv`` with an ``axis_weight`` so every control moves continuously
with the pad (as the music generator does).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path
from typing import Final

from studio.emotion import Condition, DirectionSpace

TABLE: Final = Path(__file__).with_name("attributes.csv")
# Weight of the dimensional (VAD) part: high enough that lightness follows valence and
# chroma follows arousal monotonically across the pad (project calibration).
AXIS_WEIGHT: Final = 0.75


@cache
def space() -> DirectionSpace:
    return DirectionSpace.from_csv(TABLE, expect=table_controls(), axis_weight=AXIS_WEIGHT)


@dataclass(frozen=True)
class Look:
    """Resolved image controls for one emotional state (units in attributes.csv)."""

    lightness: float
    chroma: float
    hue: float  # key hue angle on the CIELAB a*b* plane, degrees
    hue_purity: float  # 0..1: how strongly one key hue dominates the palette
    hue_spread: float
    contrast: float
    glow: float
    vignette: float
    daylight: float
    curvature: float
    density: float
    turbulence: float
    grain: float
    mass_scale: float
    horizon: float
    tilt: float  # degrees
    fracture: float
    warp: float
    enclosure: float
    valence: float
    arousal: float
    dominance: float

    def to_dict(self) -> dict[str, float]:
        return {k: round(float(v), 4) for k, v in self.__dict__.items()}


# Look fields computed here rather than read from a table row.
DERIVED: Final = frozenset({"hue", "hue_purity", "valence", "arousal", "dominance"})


def table_controls() -> tuple[str, ...]:
    """The rows attributes.csv must hold: every Look field it sets, and the hue vector."""
    own = tuple(f.name for f in fields(Look) if f.name not in DERIVED)
    return ("hue_a", "hue_b", *own)


def look(condition: Condition) -> Look:
    """The image controls for one condition."""
    c = space().control_dict(condition)
    a, b = c.pop("hue_a"), c.pop("hue_b")
    v, ar, d = condition.vad
    return Look(
        hue=math.degrees(math.atan2(b, a)) % 360.0,
        hue_purity=min(1.0, math.hypot(a, b)),
        valence=v,
        arousal=ar,
        dominance=d,
        **c,
    )
