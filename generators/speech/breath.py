"""Breath groups: long text cut into pieces the voice can say one after another.

Piper (VITS) attends over a whole sentence at once, so its memory and time grow faster
than the sentence: a 4,400-character run without a full stop once grew past 20 GB. Text is
cut at sentence ends first; a sentence longer than ``MAX_CHARS`` is cut at clause
punctuation (, ; : and dashes), then at the last word boundary before ``MAX_CHARS``, and a
run with no space at all (a very long token) is cut hard. After phonemization a sentence
with more than ``MAX_PHONEMES`` sounds (digits and abbreviations expand) is cut again at a
word gap. Every piece is synthesized and shaped on its own, so the work per piece, and the
memory, stay bounded whatever the length of the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

MAX_CHARS: Final = 200  # about one long breath of read speech (project calibration)
# A 200-character English group is ~210 phoneme symbols (stress marks and word gaps
# included); numbers expand far more ("1234567890" is ~90). Piper's peak memory grows with
# the audio of one piece (~+200 MB for 13 s, ~+400 MB for 25 s with the onnxruntime arena
# off; benchmarks/speech_memory.py), so pieces stop just above an ordinary group.
MAX_PHONEMES: Final = 250
_SENTENCE: Final = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+")
_CLAUSE: Final = re.compile(r"(?<=[,;:—–])\s+|\s+(?=[—–]\s)")


def groups(text: str, max_chars: int = MAX_CHARS) -> list[str]:
    """The breath groups of ``text`` in order; groups with nothing to say are dropped."""
    if max_chars < 2:
        raise ValueError(f"max_chars must be at least 2, got {max_chars}")
    out: list[str] = []
    for sentence in _SENTENCE.split(" ".join(text.split())):
        if len(sentence) <= max_chars:
            out.append(sentence)
            continue
        for clause in _pack(_CLAUSE.split(sentence), max_chars):
            out.extend(_words(clause, max_chars))
    return [g for g in out if any(ch.isalnum() for ch in g)]


def _pack(pieces: list[str], max_chars: int) -> Iterator[str]:
    """Join neighbouring clauses while they fit, so commas do not fragment the text."""
    current = ""
    for piece in pieces:
        joined = f"{current} {piece}" if current else piece
        if len(joined) <= max_chars or not current:
            current = joined
        else:
            yield current
            current = piece
    if current:
        yield current


def _words(text: str, max_chars: int) -> Iterator[str]:
    """Cut at the last space before ``max_chars`` (hard cut when a token is longer)."""
    while len(text) > max_chars:
        cut = text.rfind(" ", max_chars // 2, max_chars + 1)
        if cut <= 0:
            yield text[:max_chars]
            text = text[max_chars:]
        else:
            yield text[:cut]
            text = text[cut + 1 :]
    if text:
        yield text


def split_phonemes(phonemes: list[str], max_phonemes: int = MAX_PHONEMES) -> list[list[str]]:
    """Cut a phonemized sentence longer than ``max_phonemes`` at word gaps (hard if none)."""
    if max_phonemes < 2:
        raise ValueError(f"max_phonemes must be at least 2, got {max_phonemes}")
    pieces: list[list[str]] = []
    rest = list(phonemes)
    while len(rest) > max_phonemes:
        window = rest[max_phonemes // 2 : max_phonemes + 1]
        gaps = [i for i, ph in enumerate(window) if ph == " "]
        cut = max_phonemes // 2 + gaps[-1] if gaps else max_phonemes
        pieces.append(rest[:cut])
        rest = rest[cut + 1 :] if gaps else rest[cut:]
    pieces.append(rest)
    return [p for p in pieces if any(ph.strip() for ph in p)]
