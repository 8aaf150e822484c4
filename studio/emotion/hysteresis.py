"""A headline that holds still while a pad point is dragged along a region boundary.

The naming function is stable on its own (each boundary is a threshold on a quantity that
moves continuously with the point, so a slow straight drag crosses it once), but a hand
never drags in a straight line: a pointer that wobbles by a pixel across a boundary would
flip the headline with every wobble. :func:`name_with_hysteresis` is the pure rule a window
can apply to the pad's live headline: keep the name shown so far while some point within
``margin`` of the pointer still carries it; change only once the pointer is clearly past
the boundary. Stored conditions, history and files keep :attr:`Condition.name`; this is
for display while dragging only.
"""

from __future__ import annotations

import math
from typing import Final

from studio.emotion.blending import vad_to_mixture
from studio.emotion.condition import Condition
from studio.emotion.naming import name_state

# Half-width of the band, in pad units (the pad spans 2): 0.02 is 1 % of the pad, about
# 6 px on a 600 px pad — wider than a hand's wobble, narrower than any named region.
HYSTERESIS: Final = 0.02
_RING: Final = tuple(
    (math.cos(2 * math.pi * k / 8), math.sin(2 * math.pi * k / 8)) for k in range(8)
)


def pad_name(valence: float, arousal: float, dominance: float = 0.0) -> str:
    """The name the pad gives a point (what ``Condition.from_vad(...).name`` reads), without
    validating or building a condition: it is called several times per pointer move."""
    mixture, intensity = vad_to_mixture((valence, arousal, dominance))
    return name_state(mixture, intensity)


def named_within(
    name: str, valence: float, arousal: float, dominance: float = 0.0, margin: float = HYSTERESIS
) -> bool:
    """Whether the pad point, or a point ``margin`` away from it on the pad (valence and
    arousal; dominance fixed), carries ``name``."""
    if pad_name(valence, arousal, dominance) == name:
        return True
    for dx, dy in _RING:
        v = min(1.0, max(-1.0, valence + margin * dx))
        a = min(1.0, max(-1.0, arousal + margin * dy))
        if pad_name(v, a, dominance) == name:
            return True
    return False


def name_with_hysteresis(
    previous: str | None, condition: Condition, margin: float = HYSTERESIS
) -> str:
    """The headline to show for ``condition`` when ``previous`` was shown just before.

    ``previous`` is kept while the condition is a pad point (its mixture is the pad's reading
    of its VAD point) within ``margin`` of a point that carries it; otherwise the
    condition's own name. A condition that is not a pad reading (a typed word, a blend from
    the wheel) always shows its own name: there is no boundary being dragged across.
    """
    if not (0.0 <= margin <= 0.2):
        raise ValueError(f"margin must be in [0, 0.2] pad units, got {margin!r}")
    name = condition.name
    if previous is None or previous == name:
        return name
    v, a, d = condition.vad
    if pad_name(v, a, d) != name:
        return name  # not a pad reading
    return previous if named_within(previous, v, a, d, margin) else name
