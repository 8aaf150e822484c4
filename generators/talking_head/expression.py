"""Emotion → facial action units through direction vectors (``aus.csv``).

``aus.csv`` holds one row per action unit (plus head pitch and gaze bias) with one
direction per Plutchik primary built from the EMFACS prototypes (emotion-facts §3) and
one per VAD axis. Blends mix the AU directions, intensity scales them, so compound faces
(happily surprised = joy + surprise: 6+12 with 1+2+5+26, as coded by Du, Tao & Martinez
2014) come out of the mixture. Values are clipped to [0, 1] for rendering.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Final

import numpy as np
from numpy.typing import NDArray

from studio.emotion import Condition, DirectionSpace

TABLE: Final = Path(__file__).with_name("aus.csv")
# Share of the dimensional (VAD) part, so the face moves continuously across the pad even
# where the categorical mixture changes quickly (DirectionSpace doc). Project calibration.
AXIS_WEIGHT: Final = 0.25
AUS: Final = [
    "AU1",
    "AU2",
    "AU4",
    "AU5",
    "AU6",
    "AU7",
    "AU9",
    "AU10",
    "AU12",
    "AU14",
    "AU15",
    "AU17",
    "AU20",
    "AU23",
    "AU24",
    "AU25",
    "AU26",
    "AU41",
]
POSE: Final = ("head_pitch", "gaze_down")


@cache
def space() -> DirectionSpace:
    return DirectionSpace.from_csv(TABLE, expect=(*AUS, *POSE), axis_weight=AXIS_WEIGHT)


def expression_tracks(conditions: Sequence[Condition]) -> dict[str, NDArray[np.float64]]:
    """Per-frame AU intensities and pose biases for a condition per frame."""
    table = space()
    matrix = table.controls_over(conditions)
    return {name: matrix[:, table.index(name)].copy() for name in (*AUS, *POSE)}
