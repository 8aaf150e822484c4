"""The lips part with the syllables in every expression (tension narrows the opening, it
does not close it): measured on the rig's own lip geometry, nothing drawn."""

from __future__ import annotations

import numpy as np
import pytest

from generators.talking_head import face_parts, timeline
from generators.talking_head.character import load_character
from studio.emotion import Condition

FPS = 25
EXPRESSIONS = ("neutral", "joy", "sadness", "anger", "fear", "surprise", "disgust")


def openings(name: str, character: str = "ava") -> np.ndarray:
    """Inner-lip opening per frame for 2 s of steady speech: syllables (jaw open 0.7)
    alternating with closed consonants (open 0, no bilabial closure) every 0.12 s."""
    n = 2 * FPS
    cond = Condition.neutral() if name == "neutral" else Condition.from_mixture({name: 1.0})
    syllable = ((np.arange(n) // 3) % 2 == 0).astype(float)
    zeros = np.zeros(n)
    mouth = {
        "open": 0.7 * syllable,
        "spread": zeros,
        "round": zeros,
        "press": zeros,
        "teeth": zeros,
        "tongue": zeros,
    }
    envelope = 0.3 + 0.6 * syllable  # talking throughout: the phrase gate is open
    tl = timeline.build([cond] * n, mouth, ["AA"] * n, envelope, FPS, np.random.default_rng(0))
    ch = load_character(character)
    spec = {**ch.part("mouth"), "mouth_y": ch.part("mouth")["y"], "nose_y": ch.part("nose")["y"]}
    inner = [face_parts.mouth_geometry(spec, s) for s in tl.states()[FPS // 2 :]]
    return np.array([max(0.0, g["lower_in"] - g["upper_in"]) for g in inner])


@pytest.mark.parametrize("name", EXPRESSIONS)
def test_the_syllables_make_the_opening(name: str) -> None:
    lips = openings(name)
    wide, narrow = float(lips.max()), float(lips.min())
    # Between syllables the lips come most of the way together: the opening is the
    # syllable's, not held by the expression (a raised upper lip or a dropped jaw).
    assert narrow <= 0.25 * wide, (narrow, wide)
    # Tension narrows the opening, it does not close it.
    assert wide >= 0.6 * float(openings("neutral").max())
