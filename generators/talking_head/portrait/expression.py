"""What a photo needs beyond the rig's clipped action units: the negative side of AU12.

``aus.csv`` gives sadness, anger, fear and disgust negative AU12 weights to keep a smile out
of those faces in blends; the rig clips AU tracks at 0 (a drawn face starts from a neutral
mouth). A photo often starts from a smile, so here the negative part is kept, as ``relax``:
how far to let the photo's own smile go.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from functools import cache

import numpy as np
from numpy.typing import NDArray

from generators.talking_head.expression import space
from studio.emotion import Condition, DirectionSpace


@cache
def _unbounded() -> DirectionSpace:
    return dataclasses.replace(space(), lower=None, upper=None)


def relax_track(conditions: Sequence[Condition], strength: float = 1.0) -> NDArray[np.float64]:
    """Per frame, 0..1: the negative part of AU12 (times the expression strength)."""
    table = _unbounded()
    raw = table.controls_over(conditions)[:, table.index("AU12")]
    return np.clip(-raw * strength, 0.0, 1.0)
