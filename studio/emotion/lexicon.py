"""Emotion words with VAD values quoted from published norms.

``assets/emotion/lexicon.csv`` holds one row per word (valence, arousal, dominance in
[-1, 1] and a source key explained in ``assets/emotion/SOURCES.md``). Loaded once, on first
use. Lookup is case-insensitive; a miss suggests close matches.
"""

from __future__ import annotations

import csv
import difflib
import math
from dataclasses import dataclass
from functools import cache

from studio.emotion._assets import assets_dir
from studio.emotion.condition import Condition


@dataclass(frozen=True, slots=True)
class Entry:
    word: str
    vad: tuple[float, float, float]
    source: str

    def condition(self) -> Condition:
        """The word as a pad point, labelled with the word."""
        return Condition.from_vad(*self.vad, label=self.word)


class UnknownWordError(ValueError):
    """A word that is not in the lexicon; ``suggestions`` holds close matches."""

    def __init__(self, word: str, suggestions: list[str]) -> None:
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"word: {word!r} is not in the emotion lexicon{hint}")
        self.word = word
        self.suggestions = suggestions


@cache
def entries() -> dict[str, Entry]:
    """All entries, keyed by lower-case word."""
    path = assets_dir() / "emotion" / "lexicon.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        table = {}
        for row in csv.DictReader(fh):
            vad = (float(row["valence"]), float(row["arousal"]), float(row["dominance"]))
            word = row["word"].strip().lower()
            table[word] = Entry(word, vad, row["source"])
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
