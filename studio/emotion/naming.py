"""Names for an emotional state, the way people speak.

Rules (deterministic, documented so a name never surprises):

1. ``intensity < NEUTRAL_BELOW`` ⇒ "neutral".
2. Take the two heaviest primaries ``a`` (weight w₁) and ``b`` (w₂). If ``w₂ >= DYAD_SHARE·w₁``
   they form a blend: adjacent, one-apart and two-apart pairs are Plutchik's primary,
   secondary and tertiary dyads (joy + trust = love); opposite pairs (four apart) are
   *conflicts*, named "joy–sadness conflict", never a dyad.
3. Otherwise the heaviest primary is named on its intensity ladder:
   weak below ``WEAK_BELOW`` (serenity), strong from ``STRONG_FROM`` (ecstasy), basic between.
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
        if w2 > 0 and w2 >= DYAD_SHARE * w1:
            pair = dyad(top, second)
            if pair is not None:
                return pair.name
            if BY_ID[top].opposite == second:
                a, b = sorted((top, second), key=PRIMARY_IDS.index)
                return f"{a}–{b} conflict"
    return ladder_name(top, intensity)
