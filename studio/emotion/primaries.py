"""Plutchik's eight primary emotions with their VAD prototypes.

The table (ids, display names, opposites, intensity ladders and the VAD prototype of each
primary, with its source) is data: ``assets/emotion/primaries.csv``. Wheel order follows
Plutchik (1980): joy, trust, fear, surprise, sadness, disgust, anger, anticipation, so that
opposite primaries sit four places apart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

from studio.emotion._assets import assets_dir
from studio.emotion.quoting import quote
from studio.emotion.tables import read_table

COLUMNS: Final = (
    "id",
    "display_name",
    "valence",
    "arousal",
    "dominance",
    "spread",
    "opposite",
    "wheel_index",
    "weak_name",
    "strong_name",
    "source",
)


@dataclass(frozen=True, slots=True)
class Primary:
    """One primary emotion: a stable id, a display name and its VAD prototype."""

    id: str
    display_name: str
    vad: tuple[float, float, float]
    spread: float  # concentration κ of its naming region (``blending``): larger is narrower
    opposite: str
    wheel_index: int
    weak_name: str
    strong_name: str
    source: str

    @property
    def norm(self) -> float:
        return math.sqrt(sum(x * x for x in self.vad))


def _load() -> tuple[Primary, ...]:
    path = assets_dir() / "emotion" / "primaries.csv"
    rows = read_table(path, required=COLUMNS, optional=())
    primaries = tuple(
        Primary(
            id=row.text("id"),
            display_name=row.text("display_name"),
            vad=(row.number("valence"), row.number("arousal"), row.number("dominance")),
            spread=row.number("spread"),
            opposite=row.text("opposite"),
            wheel_index=row.integer("wheel_index"),
            weak_name=row.text("weak_name"),
            strong_name=row.text("strong_name"),
            source=row.text("source"),
        )
        for row in rows
    )
    primaries = tuple(sorted(primaries, key=lambda p: p.wheel_index))
    ids = [p.id for p in primaries]
    if len(ids) != 8 or sorted(p.wheel_index for p in primaries) != list(range(8)):
        raise ValueError(f"{path}: expected the eight primaries with wheel_index 0..7")
    for p in primaries:
        if not p.spread > 0:
            raise ValueError(f"{path}: spread of {p.id!r} must be positive")
        if p.opposite not in ids or ids.index(p.opposite) != (p.wheel_index + 4) % 8:
            raise ValueError(f"{path}: opposite of {p.id!r} must sit four places away")
    return primaries


PRIMARIES: Final[tuple[Primary, ...]] = _load()
PRIMARY_IDS: Final[tuple[str, ...]] = tuple(p.id for p in PRIMARIES)
BY_ID: Final[dict[str, Primary]] = {p.id: p for p in PRIMARIES}


def primary(emotion_id: str) -> Primary:
    """The primary with this id; ``ValueError`` naming the id and the valid ones otherwise."""
    try:
        return BY_ID[emotion_id]
    except KeyError:
        raise ValueError(
            f"unknown emotion id {quote(emotion_id)}; expected one of {', '.join(PRIMARY_IDS)}"
        ) from None


def wheel_distance(a: str, b: str) -> int:
    """Steps between two primaries on the wheel (0..4); 4 means opposites."""
    d = abs(primary(a).wheel_index - primary(b).wheel_index) % 8
    return min(d, 8 - d)
