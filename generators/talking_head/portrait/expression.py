"""What a photo needs beyond the rig's tracks: the negative side of AU12, and a jaw drop
held under speech.

``aus.csv`` gives sadness, anger, fear and disgust negative AU12 weights to keep a smile out
of those faces in blends; the rig clips AU tracks at 0 (a drawn face starts from a neutral
mouth). A photo often starts from a smile, so here the negative part is kept, as ``relax``:
how far to let the photo's own smile go.

The timeline lets most of a held jaw drop give way to speech (the drawn mouth reads its
expression from its outline); on a photo the opening itself is what shows surprise, so
``held_jaw`` keeps the expression's AU26 as a base the syllables open from.
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


# How much of the expression's AU26 stays as a base opening while talking (1 = all of it;
# the jaw track's 1 is the widest the portrait opens, 0.2 D at the lower lip). FACS AU26
# (Ekman, Friesen & Hager 2002): the mandible lowered by relaxation, lips parted and the
# teeth visibly apart; a surprised speaker's jaw stays dropped between words and speech
# moves around it. Below 1 so the syllables keep room above the base (lip sync).
HELD_JAW = 0.45


def held_jaw(
    conditions: Sequence[Condition],
    jaw: NDArray[np.float64],
    mouth_open: NDArray[np.float64],
    press: NDArray[np.float64],
    strength: float = 1.0,
) -> NDArray[np.float64]:
    """The portrait's jaw per frame: the expression's jaw drop (AU26) held as a base that
    speech opens further from, ``base + (1 - base) * open``, closed by p/b/m (the lips
    must meet); never less than the timeline's ``jaw`` (which holds the whole drop when
    not speaking)."""
    table = space()
    au26 = np.clip(table.controls_over(conditions)[:, table.index("AU26")] * strength, 0, 1)
    base = HELD_JAW * au26
    spoken = (base + (1.0 - base) * mouth_open) * (1.0 - press)
    return np.clip(np.maximum(jaw, spoken), 0.0, 1.0)
