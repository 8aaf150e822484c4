"""Mouth shapes over time: from phoneme timings (visemes) or from the audio signal alone.

Both paths give the same tracks per video frame: ``open`` (jaw, 0..1), ``spread`` and
``round`` (lip shape), ``press`` (bilabial closure), ``teeth`` (labiodental), ``tongue``
(tongue tip up) and a viseme label.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

TABLE: Final = Path(__file__).with_name("visemes.csv")
SHAPE: Final = ("open", "spread", "round", "press", "teeth", "tongue")
REST: Final = "rest"

Tracks = dict[str, NDArray[np.float64]]


@dataclass(frozen=True)
class VisemeTable:
    names: tuple[str, ...]
    targets: NDArray[np.float64]  # (visemes, len(SHAPE))
    dominance: NDArray[np.float64]
    by_phoneme: Mapping[str, int]


@cache
def table() -> VisemeTable:
    with TABLE.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    by_phoneme: dict[str, int] = {}
    for i, row in enumerate(rows):
        for ph in row["phonemes"].split():
            by_phoneme[ph] = i
    return VisemeTable(
        names=tuple(r["viseme"] for r in rows),
        targets=np.array([[float(r[k]) for k in SHAPE] for r in rows]),
        dominance=np.array([float(r["dominance"]) for r in rows]),
        by_phoneme=by_phoneme,
    )


SKIP: Final = frozenset("ˈˌːˑ \t\n")  # stress and length marks, word gaps: no shape of their own
PAUSE: Final = frozenset("_^$.,;:!?-…")  # pauses, sentence start/end, punctuation


def viseme_index(phoneme: str) -> int | None:
    """The viseme of one phoneme, ``None`` for marks that have no mouth shape. Unknown
    symbols fall back by their first character, then to a neutral mid vowel."""
    t = table()
    for key in (phoneme, phoneme[:1]):
        if key in t.by_phoneme:
            return t.by_phoneme[key]
    if not phoneme or all(c in SKIP for c in phoneme):
        return None
    if all(c in PAUSE or c in SKIP for c in phoneme):
        return t.names.index(REST)
    return t.names.index("E")


def from_phonemes(
    phonemes: Sequence[Mapping[str, Any]], n_frames: int, fps: int
) -> tuple[Tracks, list[str]]:
    """Coarticulated mouth tracks from ``[{"phoneme", "start", "end"}, ...]``.

    Cohen & Massaro's (1993) dominance model: each segment pulls the mouth toward its
    viseme target with a weight ``α·exp(-θ·|t - centre|)`` that decays away from its
    centre; the mouth is the weighted mean of all targets. Closing consonants (p b m f v)
    have a high α so they close even in fast speech; h/k borrow their neighbours' shape.
    """
    t = table()
    times = (np.arange(n_frames) + 0.5) / fps
    num = np.zeros((n_frames, len(SHAPE)))
    den = np.full(n_frames, 1e-6)
    best = np.zeros(n_frames)
    label = np.full(n_frames, t.names.index(REST))
    num += den[:, None] * t.targets[t.names.index(REST)]
    for seg in phonemes:
        start, end = float(seg["start"]), float(seg["end"])
        if not end > start:
            continue
        v = viseme_index(str(seg["phoneme"]))
        if v is None:
            continue
        centre, half = 0.5 * (start + end), 0.5 * (end - start)
        reach = half + 0.12  # coarticulation reaches ~120 ms beyond a segment
        lo = max(0, int((centre - reach) * fps))
        hi = min(n_frames, int((centre + reach) * fps) + 2)
        if lo >= hi:
            continue
        dist = np.maximum(0.0, np.abs(times[lo:hi] - centre) - half * 0.5)
        w = t.dominance[v] * np.exp(-dist / 0.045)
        num[lo:hi] += w[:, None] * t.targets[v]
        den[lo:hi] += w
        win = w > best[lo:hi]
        best[lo:hi] = np.where(win, w, best[lo:hi])
        label[lo:hi] = np.where(win, v, label[lo:hi])
    shape = num / den[:, None]
    tracks = {k: shape[:, i] for i, k in enumerate(SHAPE)}
    return tracks, [t.names[i] for i in label]


def follow_loudness(tracks: Tracks, envelope: NDArray[np.float64]) -> None:
    """The jaw follows the voice's loudness, the viseme sets how far it may open: loud
    open vowels open widest, quiet or closed sounds barely move (the jaw is the main
    articulator behind vowel loudness; the weights are project calibration)."""
    relative = np.clip(tracks["open"] / 0.8, 0.0, 1.0)
    tracks["open"] = envelope * (0.35 + 0.65 * relative) * (1.0 - tracks["press"])


def from_audio(
    envelope: NDArray[np.float64], tilt: NDArray[np.float64]
) -> tuple[Tracks, list[str]]:
    """Mouth tracks from the signal alone (for recordings without a transcript).

    Openness follows the loudness envelope; lip shape follows the spectral tilt, measured
    relative to the clip's own voiced frames (spread for bright frames, round for dark);
    quiet frames close the mouth.
    """
    voiced = envelope > 0.15
    ref = float(np.median(tilt[voiced])) if voiced.any() else float(np.median(tilt))
    z = np.clip((tilt - ref) / 8.0, -1.0, 1.0)
    gate = np.clip((envelope - 0.08) / 0.2, 0.0, 1.0)
    n = len(envelope)
    tracks: Tracks = {
        "open": np.clip(envelope * 0.95, 0.0, 1.0),
        "spread": np.clip(z, 0.0, 1.0) * gate,
        "round": np.clip(-z, 0.0, 1.0) * gate * 0.8,
        "press": np.zeros(n),
        "teeth": np.zeros(n),
        "tongue": np.zeros(n),
    }
    labels = []
    for e, zz in zip(envelope.tolist(), z.tolist(), strict=True):
        if e < 0.08:
            labels.append(REST)
        elif zz > 0.4:
            labels.append("I" if e < 0.5 else "E")
        elif zz < -0.4:
            labels.append("W" if e < 0.5 else "O")
        else:
            labels.append("AA" if e >= 0.5 else "E" if e >= 0.25 else "DTN")
    return tracks, labels
