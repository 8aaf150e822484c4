"""The speech generator's prosody control space, as a cited direction table.

``prosody.csv`` holds one row per prosodic control (F0 level and range, final contour,
rate, pauses, energy and its variability, spectral tilt, breathiness, micro-irregularity
and Piper's two noise scales) with its neutral value, bounds, a direction per Plutchik
primary and per VAD axis, and the sources behind each direction. It is loaded with
``DirectionSpace.from_csv`` (Daisy-TTS / EmoReg style: primaries are vectors, mixtures
blend them, intensity scales, VAD axes make a bare pad point work).

The control vector is backend-neutral: the prosody stage (``shape.py``: Piper's own
controls, PSOLA and spectral gains) turns it into signal changes; a style/speaker-embedding
backend would map the same vector onto its embedding.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Final

import numpy as np

from studio.emotion import Condition, DirectionSpace

TABLE: Final = Path(__file__).with_name("prosody.csv")
# Share of the dimensional (VAD) part; the rest is the categorical mixture (project
# calibration: enough that the arousal axis alone orders pitch and rate).
AXIS_WEIGHT: Final = 0.5
CONTROLS: Final = (
    "f0_shift",
    "f0_range",
    "final_contour",
    "rate",
    "pause",
    "energy_db",
    "energy_var",
    "tilt_db",
    "breathiness",
    "irregularity",
    "noise_scale",
    "noise_w",
)


@cache
def space() -> DirectionSpace:
    return DirectionSpace.from_csv(TABLE, expect=CONTROLS, axis_weight=AXIS_WEIGHT)


def controls(condition: Condition) -> dict[str, float]:
    """The prosody controls for one emotional state."""
    return space().control_dict(condition)


def controls_over(conditions: Sequence[Condition]) -> dict[str, np.ndarray]:
    """Controls for many states (e.g. a trajectory sampled in time): name → array."""
    table = space().controls_over(list(conditions))
    return {name: table[:, i] for i, name in enumerate(CONTROLS)}


def neutral() -> dict[str, float]:
    return dict(zip(CONTROLS, space().neutral.tolist(), strict=True))
