"""Music theory for the composer: scales, chords, progressions and voice leading.

Pitches are MIDI numbers; a key is a tonic pitch class (0 = C) plus a mode ("major" or
"minor"). Chords are named by scale degree (0-based) in the key. Minor uses the natural
minor scale with the raised leading tone on the dominant (harmonic minor V), as in common
practice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

MAJOR: Final = (0, 2, 4, 5, 7, 9, 11)
MINOR: Final = (0, 2, 3, 5, 7, 8, 10)
NOTE_NAMES: Final = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_LETTER: Final = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
KEY_RE: Final = re.compile(r"^[A-Ga-g](#|b)?$")

# Phrase templates (scale degrees, one chord per bar) after common-practice usage:
# antecedents end on V (half cadence), consequents on V → I (authentic cadence).
MAJOR_OPENINGS: Final = ((0, 4, 5, 3), (0, 5, 3, 4), (0, 3, 4, 0), (0, 1, 4, 4), (0, 3, 5, 4))
MINOR_OPENINGS: Final = ((0, 3, 4, 0), (0, 5, 2, 4), (0, 6, 5, 4), (0, 3, 6, 4), (0, 5, 3, 4))
MAJOR_CLOSINGS: Final = ((0, 3, 4, 0), (5, 1, 4, 0), (3, 4, 4, 0), (0, 5, 4, 0))
MINOR_CLOSINGS: Final = ((0, 3, 4, 0), (5, 3, 4, 0), (3, 6, 4, 0), (0, 5, 4, 0))


def parse_key(name: str) -> int:
    """Pitch class of a key name such as "C", "F#" or "Bb"."""
    if not KEY_RE.match(name):
        raise ValueError(f"key must be a note name like C, F# or Bb, got {name!r}")
    pc = _LETTER[name[0].upper()]
    if name.endswith("#"):
        pc += 1
    elif len(name) == 2 and name.endswith("b"):
        pc -= 1
    return pc % 12


def key_name(tonic: int, mode: str) -> str:
    return f"{NOTE_NAMES[tonic % 12]} {mode}"


def key_number(tonic: int, mode: str) -> int:
    """pretty_midi / MIDI key number: 0–11 major, 12–23 minor."""
    return tonic % 12 + (12 if mode == "minor" else 0)


def scale(mode: str) -> tuple[int, ...]:
    return MAJOR if mode == "major" else MINOR


@dataclass(frozen=True, slots=True)
class Chord:
    """A chord as pitch classes, root first, with its degree in the key."""

    degree: int
    pcs: tuple[int, ...]

    @property
    def root(self) -> int:
        return self.pcs[0]


def degree_pc(tonic: int, mode: str, degree: int) -> int:
    sc = scale(mode)
    return (tonic + sc[degree % 7]) % 12


def chord(
    tonic: int,
    mode: str,
    degree: int,
    *,
    seventh: bool = False,
    ninth: bool = False,
    sus4: bool = False,
) -> Chord:
    """Diatonic chord on ``degree`` (0-based), stacked in thirds; V in minor is major."""
    sc = scale(mode)
    steps = [0, 2, 4] + ([6] if seventh or ninth else []) + ([8] if ninth else [])
    pcs = [(tonic + sc[(degree + s) % 7]) % 12 for s in steps]
    if mode == "minor" and degree % 7 == 4:  # harmonic-minor dominant: raise the third
        pcs[1] = (tonic + 11) % 12
    if mode == "minor" and degree % 7 == 6:  # leading-tone diminished chord vii°
        pcs[0] = (tonic + 11) % 12
    if sus4:
        pcs[1] = (tonic + sc[(degree + 3) % 7]) % 12
    return Chord(degree % 7, tuple(pcs))


def chord_tone_pcs(c: Chord) -> frozenset[int]:
    return frozenset(c.pcs)


def scale_pcs(tonic: int, mode: str, current: Chord | None = None) -> tuple[int, ...]:
    """The scale in use; in minor over V the leading tone replaces the subtonic."""
    pcs = [(tonic + s) % 12 for s in scale(mode)]
    if mode == "minor" and current is not None and current.degree == 4:
        pcs[6] = (tonic + 11) % 12
    return tuple(pcs)


def voice(
    pcs: tuple[int, ...], previous: tuple[int, ...] | None, low: int = 52, high: int = 74
) -> tuple[int, ...]:
    """Close voicing of ``pcs`` (3–4 notes) nearest to ``previous`` (smooth voice leading).

    Tries every inversion of every octave placement within [low, high] and keeps the one
    whose notes move least from the previous voicing.
    """
    n = len(pcs)
    best: tuple[int, ...] | None = None
    best_cost = 1e9
    for inv in range(n):
        order = pcs[inv:] + pcs[:inv]
        for base in range(low, low + 12):
            if base % 12 != order[0]:
                continue
            notes = [base]
            for pc in order[1:]:
                nxt = notes[-1] + 1
                while nxt % 12 != pc:
                    nxt += 1
                notes.append(nxt)
            if notes[-1] > high:
                continue
            if previous is None:
                cost = abs(sum(notes) / n - (low + high) / 2)
            else:
                centre = sum(previous) / len(previous)
                cost = sum(min(abs(x - p) for p in previous) for x in notes)
                cost += 0.25 * abs(sum(notes) / n - centre)
            if cost < best_cost:
                best, best_cost = tuple(notes), cost
    if best is None:  # range too small for this chord: stack from low
        return tuple(sorted(low + ((pc - low) % 12) for pc in pcs))
    return best


def nearest_pitch(
    pc_set: frozenset[int] | tuple[int, ...], target: float, low: int, high: int
) -> int:
    """The pitch in [low, high] with a class in ``pc_set`` closest to ``target``."""
    best, best_d = low, 1e9
    for p in range(low, high + 1):
        if p % 12 in pc_set:
            d = abs(p - target)
            if d < best_d:
                best, best_d = p, d
    return best
