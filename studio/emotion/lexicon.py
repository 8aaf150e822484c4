"""Emotion words with VAD values quoted from published norms.

``assets/emotion/lexicon.csv`` holds one row per word: valence, arousal, dominance in
[-1, 1] with the norms they come from, and — for most words — the primary (or Plutchik
dyad) people name the word by and how strongly, with its source (``assets/emotion/
SOURCES.md`` explains the keys). Loaded once, on first use. Lookup is case-insensitive; a
miss suggests close matches.

Why a word carries its emotion and does not just take the pad region under its VAD point:
dimensional norms do not separate the negative, activated emotions (in the NRC and
Warriner norms "annoyed", "afraid" and "disgusted" lie within a few degrees of each
other), while categorical norms (the NRC Emotion Intensity Lexicon, Shaver et al. 1987,
Plutchik's ladders and dyads) say which emotion a word names and how intensely. So a word
lands at its rated VAD point, named by its emotion at its graded intensity.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from functools import cache

from studio.emotion._assets import assets_dir
from studio.emotion.condition import Condition
from studio.emotion.primaries import PRIMARY_IDS
from studio.emotion.quoting import quote
from studio.emotion.tables import TableError, read_table

COLUMNS = (
    "word",
    "valence",
    "arousal",
    "dominance",
    "source",
    "emotion",
    "intensity",
    "emotion_source",
)


@dataclass(frozen=True, slots=True)
class Entry:
    word: str
    vad: tuple[float, float, float]
    source: str
    mixture: tuple[tuple[str, float], ...] = ()  # the emotion the word names; () = by region
    intensity: float = 0.0
    emotion_source: str = ""

    def condition(self) -> Condition:
        """The word on the pad, named by its emotion and labelled with the word."""
        if not self.mixture:
            return Condition.from_vad(*self.vad, label=self.word)
        return Condition(
            *self.vad, mixture=dict(self.mixture), intensity=self.intensity, label=self.word
        )


def _emotion(field: str, where: str) -> tuple[tuple[str, float], ...]:
    """``joy`` or a dyad ``joy+trust`` (equal parts) as mixture items."""
    if not field:
        return ()
    ids = field.split("+")
    unknown = [i for i in ids if i not in PRIMARY_IDS]
    if unknown or len(ids) > 2 or len(set(ids)) != len(ids):
        raise TableError(f"{where}: emotion {field!r} is not a primary or a pair of primaries")
    return tuple((i, 1.0 / len(ids)) for i in ids)


class UnknownWordError(ValueError):
    """A word that is not in the lexicon; ``suggestions`` holds close matches."""

    def __init__(self, word: str, suggestions: list[str]) -> None:
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"word: {quote(word)} is not in the emotion lexicon{hint}")
        self.word = word
        self.suggestions = suggestions


@cache
def entries() -> dict[str, Entry]:
    """All entries, keyed by lower-case word."""
    path = assets_dir() / "emotion" / "lexicon.csv"
    table = {}
    for row in read_table(path, required=COLUMNS, optional=()):
        vad = (row.number("valence"), row.number("arousal"), row.number("dominance"))
        word = " ".join(row.text("word").split()).lower()
        mixture = _emotion(row.text("emotion", required=False), row.where)
        intensity = row.number("intensity") if mixture else 0.0
        if mixture and not (0.0 < intensity <= 1.0):
            raise TableError(f"{row.where}: intensity must be in (0, 1], got {intensity}")
        table[word] = Entry(
            word,
            vad,
            row.text("source"),
            mixture,
            intensity,
            row.text("emotion_source", required=False),
        )
    return table


def words() -> list[str]:
    return sorted(entries())


def lookup(word: str) -> Entry:
    """The entry for ``word`` (any case, surrounding spaces ignored)."""
    key = " ".join(str(word).split()).lower()
    if not key:
        raise ValueError("word: empty")
    try:
        return entries()[key]
    except KeyError:
        raise UnknownWordError(word, suggest(key)) from None


def suggest(word: str, n: int = 3) -> list[str]:
    """Close matches for a misspelt word (also prefix matches for completion)."""
    key = word.strip().lower()
    close = difflib.get_close_matches(key, entries(), n=n, cutoff=0.7)
    prefix = [w for w in words() if w.startswith(key) and w not in close] if key else []
    return (close + prefix)[:n]


def complete(prefix: str, n: int = 10) -> list[str]:
    """Words starting with ``prefix`` (for a completer in the word box)."""
    key = prefix.strip().lower()
    return [w for w in words() if w.startswith(key)][:n]


def nearest(vad: tuple[float, float, float], n: int = 5) -> list[Entry]:
    """The ``n`` words whose VAD is closest to a point (Euclidean)."""
    return sorted(entries().values(), key=lambda e: math.dist(e.vad, vad))[:n]
