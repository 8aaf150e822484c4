"""Names for an emotional state, the way people speak.

Rules (deterministic, documented so a name never surprises):

1. ``intensity < NEUTRAL_BELOW`` ⇒ "neutral".
2. Take the two heaviest primaries ``a`` (weight w₁) and ``b`` (w₂). If ``w₂ >= DYAD_SHARE·w₁``
   and they are not opposites they form a blend: adjacent, one-apart and two-apart pairs are
   Plutchik's primary, secondary and tertiary dyads (joy + trust = love).
3. Opposite primaries (four apart on the wheel: joy–sadness, trust–disgust, fear–anger,
   surprise–anticipation) are a *conflict*, named "joy–sadness conflict", never a dyad, and
   only where they really balance: ``w₂ >= CONFLICT_SHARE·w₁`` (within 10 % of each other)
   and the pair holds at least ``CONFLICT_HOLD`` of the mixture. Elsewhere the leading one
   names the state (rule 4): on the pad, surprise and anticipation lie ~10° apart in VAD and
   fear and anger ~20°, so a point between them is mostly one of the two and reads as that
   one; only the thin line where they are even reads as their conflict.
4. Otherwise the heaviest primary is named on its intensity ladder:
   weak below ``WEAK_BELOW`` (serenity), strong from ``STRONG_FROM`` (ecstasy), basic between.

Every rule is a threshold on a quantity that moves continuously with the pad point, so a
slow drag crosses each boundary once; :func:`name_with_hysteresis` (``studio.emotion.
hysteresis``) adds a band for a window that wants the headline to hold still at a boundary.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

from studio.emotion._assets import assets_dir
from studio.emotion.primaries import BY_ID, PRIMARY_IDS, wheel_distance
from studio.emotion.tables import TableError, read_table

NEUTRAL_BELOW: Final = 0.1
WEAK_BELOW: Final = 0.35
STRONG_FROM: Final = 0.8
DYAD_SHARE: Final = 0.5
CONFLICT_SHARE: Final = 0.9
CONFLICT_HOLD: Final = 0.75

DyadKind = Literal["primary", "secondary", "tertiary"]


@dataclass(frozen=True, slots=True)
class Dyad:
    a: str
    b: str
    name: str
    kind: DyadKind
    source: str


def _load_dyads() -> dict[frozenset[str], Dyad]:
    path = assets_dir() / "emotion" / "dyads.csv"
    rows = read_table(path, required=("a", "b", "name", "kind", "source"), optional=())
    table: dict[frozenset[str], Dyad] = {}
    expected_kind: dict[int, DyadKind] = {1: "primary", 2: "secondary", 3: "tertiary"}
    for row in rows:
        a, b, kind = row.text("a"), row.text("b"), row.text("kind")
        if a not in BY_ID or b not in BY_ID:
            raise TableError(f"{row.where}: {a}+{b} names an unknown primary")
        expected = expected_kind.get(wheel_distance(a, b))
        if expected != kind:
            raise TableError(f"{row.where}: {a}+{b} is not a {kind} dyad")
        dyad = Dyad(a, b, row.text("name"), expected, row.text("source"))
        table[frozenset((dyad.a, dyad.b))] = dyad
    if len(table) != 24:
        raise ValueError(f"{path}: expected 24 dyads, found {len(table)}")
    return table


DYADS: Final[dict[frozenset[str], Dyad]] = _load_dyads()


def dyad(a: str, b: str) -> Dyad | None:
    """Plutchik's dyad for two primaries, or ``None`` for opposites or the same primary."""
    return DYADS.get(frozenset((a, b)))


def ladder_name(emotion_id: str, intensity: float) -> str:
    """serenity / joy / ecstasy, … for a single primary at an intensity."""
    p = BY_ID[emotion_id]
    if intensity < WEAK_BELOW:
        return p.weak_name
    if intensity >= STRONG_FROM:
        return p.strong_name
    return p.id


def name_state(mixture: Mapping[str, float], intensity: float) -> str:
    """The everyday name of a mixture at an intensity (see the module docstring)."""
    if intensity < NEUTRAL_BELOW or not mixture:
        return "neutral"
    ranked = sorted(mixture.items(), key=lambda kv: (-kv[1], PRIMARY_IDS.index(kv[0])))
    top, w1 = ranked[0]
    if len(ranked) > 1:
        second, w2 = ranked[1]
        if BY_ID[top].opposite == second:
            total = sum(mixture.values())
            if w2 >= CONFLICT_SHARE * w1 and w1 + w2 >= CONFLICT_HOLD * total:
                a, b = sorted((top, second), key=PRIMARY_IDS.index)
                return f"{a}–{b} conflict"
        elif w2 > 0 and w2 >= DYAD_SHARE * w1:
            pair = dyad(top, second)
            if pair is not None:
                return pair.name
    return ladder_name(top, intensity)
