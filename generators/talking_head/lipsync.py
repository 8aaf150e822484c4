"""Mouth shapes over time: from phoneme timings (visemes) or from the audio signal alone.

Both paths give the same tracks per video frame: ``open`` (jaw, 0..1), ``spread`` and
``round`` (lip shape), ``press`` (bilabial closure), ``teeth`` (labiodental), ``tongue``
(tongue tip up) and a viseme label.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from studio.emotion.tables import TableError, read_table

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
    rows = read_table(TABLE, required=("viseme", "phonemes", *SHAPE, "dominance", "source"))
    by_phoneme: dict[str, int] = {}
    for i, row in enumerate(rows):
        for ph in row.text("phonemes").split():
            if ph in by_phoneme:
                raise TableError(f"{row.where}: phoneme {ph!r} already has a viseme")
            by_phoneme[ph] = i
    return VisemeTable(
        names=tuple(row.text("viseme") for row in rows),
        targets=np.array([[row.number(k) for k in SHAPE] for row in rows]),
        dominance=np.array([row.number("dominance") for row in rows]),
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


# Coarticulation (Cohen & Massaro 1993): a segment's pull on the mouth is full over the
# segment and decays with this time constant outside it (project calibration: ~1 frame at
# 25 fps, so a vowel reaches its target between two consonants).
SPREAD_S: Final = 0.035
REACH_S: Final = 0.12  # beyond this a segment no longer pulls at all
# Word gaps shorter than this are bridged (connected speech does not rest between words).
BRIDGE_S: Final = 0.12
# Bilabial closure: full over the segment and on the frame nearest its middle, so even a
# 30 ms /p/ closes the lips on at least one frame; Gaussian edges of this width outside.
CLOSURE_EDGE_S: Final = 0.015
# The mouth moves before the sound it makes: articulators start ~100-300 ms ahead of the
# acoustic onset (Chandrasekaran et al. 2009, PLoS Comput. Biol. 5:e1000436), and
# animators lead the sound by one to two frames; 60 ms is 1.5 frames at 25 fps.
LEAD_S: Final = 0.06


def from_phonemes(
    phonemes: Sequence[Mapping[str, Any]], n_frames: int, fps: int
) -> tuple[Tracks, list[str]]:
    """Coarticulated mouth tracks from ``[{"phoneme", "start", "end"}, ...]``.

    Cohen & Massaro's (1993) dominance model: each segment pulls the mouth toward its
    viseme target with a weight ``α·exp(-d/τ)``, full over the segment and decaying
    with the distance ``d`` outside it; the mouth is the weighted mean of all targets.
    Lip closure for p/b/m is not left to the mean: ``press`` is 1 on every frame that
    touches a bilabial segment (the lips must meet, however short the closure), so the
    bilabials need no inflated dominance that would swallow the vowels beside them.
    h/k borrow their neighbours' shape (low α).
    """
    t = table()
    times = (np.arange(n_frames) + 0.5) / fps
    num = np.zeros((n_frames, len(SHAPE)))
    den = np.full(n_frames, 1e-6)
    best = np.zeros(n_frames)
    press = np.zeros(n_frames)
    rest = t.names.index(REST)
    bilabial = t.names.index("PBM")
    label = np.full(n_frames, rest)
    num += den[:, None] * t.targets[rest]
    for seg in phonemes:
        start, end = float(seg["start"]), float(seg["end"])
        if not end > start:
            continue
        v = viseme_index(str(seg["phoneme"]))
        if v is None or (v == rest and end - start < BRIDGE_S):
            continue
        centre, half = 0.5 * (start + end), 0.5 * (end - start)
        reach = half + REACH_S
        lo = max(0, int((centre - reach) * fps))
        hi = min(n_frames, int((centre + reach) * fps) + 2)
        if lo >= hi:
            continue
        dist = np.maximum(0.0, np.abs(times[lo:hi] - centre) - half)
        w = t.dominance[v] * np.exp(-dist / SPREAD_S)
        num[lo:hi] += w[:, None] * t.targets[v]
        den[lo:hi] += w
        win = w > best[lo:hi]
        best[lo:hi] = np.where(win, w, best[lo:hi])
        label[lo:hi] = np.where(win, v, label[lo:hi])
        if v == bilabial:
            # Closed on frames inside the segment and on the frame nearest its middle,
            # however short; soft edges outside.
            gap = np.maximum(0.0, np.abs(times[lo:hi] - centre) - half)
            closed = np.exp(-0.5 * (gap / CLOSURE_EDGE_S) ** 2)
            nearest = min(n_frames - 1, max(0, int(centre * fps)))
            if lo <= nearest < hi:
                closed[nearest - lo] = 1.0
            press[lo:hi] = np.maximum(press[lo:hi], closed)
            label[lo:hi] = np.where(closed > 0.5, v, label[lo:hi])
    shape = num / den[:, None]
    tracks = {k: shape[:, i] for i, k in enumerate(SHAPE)}
    # The lips meet where a bilabial is, not part-way through its neighbours: the mean
    # already narrows the opening towards them (their "open" target is 0).
    tracks["press"] = press
    return tracks, [t.names[i] for i in label]


def anticipate(tracks: Tracks, labels: list[str], fps: int, lead_s: float = LEAD_S) -> list[str]:
    """Lead the sound: lip shapes are taken ``lead_s`` ahead, and the mouth opens as soon
    as the coming sound asks for it but closes only when the present one does (an onset
    is anticipated, an ending is not). Closures (``press``) stay on their segments: the
    silent hold before a /p/ burst is already part of it. Returns the shifted labels."""
    n = len(labels)
    if n == 0 or lead_s <= 0:
        return labels
    frames = np.arange(n, dtype=np.float64)
    ahead = np.minimum(frames + lead_s * fps, n - 1)
    for key in ("spread", "round", "teeth", "tongue"):
        tracks[key] = np.interp(ahead, frames, tracks[key])
    tracks["open"] = np.maximum(tracks["open"], np.interp(ahead, frames, tracks["open"]))
    shift = round(lead_s * fps)
    return [labels[min(n - 1, i + shift)] for i in range(n)]


def follow_loudness(tracks: Tracks, envelope: NDArray[np.float64]) -> None:
    """The jaw follows the voice's loudness, the viseme sets how far it may open: loud
    open vowels open widest, quiet or closed sounds barely move (the jaw is the main
    articulator behind vowel loudness; the weights are project calibration)."""
    relative = np.clip(tracks["open"] / 0.8, 0.0, 1.0)
    tracks["open"] = envelope * (0.55 + 0.45 * relative) * (1.0 - tracks["press"])


# Articulation effort by arousal: speakers move the jaw and lips further in high-arousal
# emotions (anger, joy, fear) and less in low-arousal ones (sadness) than in neutral speech,
# the effect lying mainly along arousal (Lee & Narayanan 2012, Speech Prosody, lower-lip
# amplitude; Kim, Lee & Narayanan 2015, JASA 137:1411, more peripheral articulation for
# high-arousal and less for low-arousal emotions). The gain at arousal 0 and its slope are
# project calibration (checked with the FER-2013 reader, benchmarks/talking_head_portrait.py:
# a calm speaker whose mouth opens as wide as an excited one's reads as surprised): calm
# neutral speech opens half as far as the lip-sync tables, arousal 0.2 and above all the
# way; below half, the lips stop showing the syllables, so low arousal (sadness) stays there.
ARTICULATION_AT_REST: Final = 0.5
ARTICULATION_PER_AROUSAL: Final = 2.5
ARTICULATION_MIN: Final = 0.5


def articulation(arousal: NDArray[np.float64]) -> NDArray[np.float64]:
    """Per frame, how far the mouth opens for speech relative to the tables (0.5..1)."""
    gain = ARTICULATION_AT_REST + ARTICULATION_PER_AROUSAL * np.asarray(arousal, np.float64)
    return np.clip(gain, ARTICULATION_MIN, 1.0)


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
