"""The pad's live headline holds still at a boundary while the pointer wobbles."""

from __future__ import annotations

import itertools
import math

import pytest

from studio.emotion import Condition, lexicon, name_with_hysteresis
from studio.emotion.hysteresis import HYSTERESIS, named_within, pad_name


def boundary_on_diagonal(lo: float, hi: float) -> float:
    """The point on the diagonal v = a where the pad's name changes, by bisection."""
    left = Condition.from_vad(lo, lo).name
    for _ in range(40):
        mid = (lo + hi) / 2
        if Condition.from_vad(mid, mid).name == left:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def flips(names: list[str]) -> int:
    return sum(a != b for a, b in itertools.pairwise(names))


def test_pad_name_is_the_conditions_name() -> None:
    for v, a, d in [(0.38, 0.38, 0.0), (-0.6, 0.7, 0.3), (0.0, 0.0, 0.0), (0.2, -0.9, -0.5)]:
        assert pad_name(v, a, d) == Condition.from_vad(v, a, d).name


def test_a_wobbling_pointer_does_not_flip_the_headline() -> None:
    """A hand holding the pointer on the anticipation/vigilance boundary of the diagonal,
    wobbling by about a pixel: the plain name flips with every wobble, the held one never."""
    b = boundary_on_diagonal(0.4, 0.65)
    path = [b + 0.004 * math.sin(1.7 * k) for k in range(60)]
    conditions = [Condition.from_vad(x, x) for x in path]
    plain = [c.name for c in conditions]
    assert flips(plain) >= 10
    shown: list[str] = []
    previous = None
    for c in conditions:
        previous = name_with_hysteresis(previous, c)
        shown.append(previous)
    assert flips(shown) == 0


def test_a_slow_drag_changes_once_past_the_band() -> None:
    b = boundary_on_diagonal(0.4, 0.65)
    steps = [b - 0.05 + i * 0.001 for i in range(101)]
    shown, previous = [], None
    for x in steps:
        previous = name_with_hysteresis(previous, Condition.from_vad(x, x))
        shown.append(previous)
    assert flips(shown) == 1
    switch = steps[next(i for i in range(1, len(shown)) if shown[i] != shown[i - 1])]
    # Held until the pointer is past the boundary by about the band's half-width.
    assert b + 0.5 * HYSTERESIS <= switch <= b + HYSTERESIS * 1.5
    assert shown[-1] == Condition.from_vad(steps[-1], steps[-1]).name


def test_a_typed_word_shows_its_own_name() -> None:
    word = lexicon.lookup("nervous").condition()
    assert name_with_hysteresis("anger", word) == word.name
    assert name_with_hysteresis(None, word) == word.name


def test_named_within_looks_around_the_point() -> None:
    b = boundary_on_diagonal(0.4, 0.65)
    inside = Condition.from_vad(b - 0.005, b - 0.005).name
    assert named_within(inside, b + 0.005, b + 0.005)
    assert not named_within(inside, b + 0.1, b + 0.1)


def test_margin_is_validated() -> None:
    with pytest.raises(ValueError, match="margin"):
        name_with_hysteresis("joy", Condition.from_vad(0.5, 0.1), margin=-0.1)
