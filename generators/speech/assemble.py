"""Joining sentences into one take: pauses, crossfades, phoneme timings, level and format.

Level: every sentence enters the prosody stage at the same active-speech level
(``shape.REF_DBFS``), so emotion alone sets loudness (``energy_db``); a soft limiter keeps
peaks at or below ``PEAK_DBFS``. Joins: each sentence fades in and out over ``FADE_S``
inside Piper's own leading/trailing silence, then sits after a pause that the ``pause``
control scales, so no join can click and the level never steps between segments.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np

from studio.library.atomic import atomic_path

PEAK_DBFS: Final = -1.0
KNEE_DBFS: Final = -4.0  # the soft limiter acts only above this
FADE_S: Final = 0.01
SENTENCE_GAP_S: Final = 0.15  # added after a sentence that ends in . ! ? ; : (project calibration)
PHRASE_GAP_S: Final = 0.03  # after a part cut by a tag mid-sentence or at a word boundary
CLAUSE_GAP_S: Final = 0.1  # after a breath group cut at a comma, dash or the like
FORMATS: Final = {".wav": "WAV", ".flac": "FLAC"}
PAUSE: Final = "_"
# Marks that modify a neighbour rather than being sounds of their own (Piper/espeak IPA).
STRESS: Final = frozenset("ˈˌ")
MODIFIERS: Final = frozenset("ːˑ˞ʰʲˤ̧̪̯̩̃")
SILENT: Final = frozenset("^$ ,.!?;:-…—()\"'_#")
TERMINAL: Final = frozenset(".!?;:")
CLAUSE: Final = frozenset(",—–-…")


@dataclass
class Take:
    """The growing output: samples, phoneme timings and segment spans."""

    rate: int
    chunks: list[np.ndarray] = field(default_factory=list)
    phonemes: list[dict[str, Any]] = field(default_factory=list)
    length: int = 0

    @property
    def seconds(self) -> float:
        return self.length / self.rate

    def add(
        self,
        audio: np.ndarray,
        alignments: Sequence[tuple[str, int]],
        boundaries: np.ndarray,
        gap_s: float,
    ) -> None:
        """Append one sentence (faded at both ends) and the pause after it."""
        y = np.array(audio, dtype=np.float64)
        n = min(int(FADE_S * self.rate), len(y) // 2)
        if n > 0:
            ramp = 0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, n))
            y[:n] *= ramp
            y[-n:] *= ramp[::-1]
        offset = self.seconds
        self.phonemes.extend(phoneme_spans(alignments, boundaries + offset))
        gap = np.zeros(round(max(0.0, gap_s) * self.rate))
        self.chunks.extend([y, gap])
        self.length += len(y) + len(gap)
        if len(gap):
            _extend_pause(self.phonemes, offset + len(y) / self.rate, self.seconds)

    def audio(self) -> np.ndarray:
        return np.concatenate(self.chunks) if self.chunks else np.zeros(0)


def gap_after(alignments: Sequence[tuple[str, int]], pause: float) -> float:
    """Seconds of silence after a sentence: longer after terminal punctuation."""
    marks = [ph for ph, _ in alignments if ph not in "^$ "]
    last = marks[-1] if marks else ""
    if last in TERMINAL:
        base = SENTENCE_GAP_S
    elif last in CLAUSE:
        base = CLAUSE_GAP_S
    else:
        base = PHRASE_GAP_S
    return base * pause


def phoneme_spans(alignments: Sequence[tuple[str, int]], edges: np.ndarray) -> list[dict[str, Any]]:
    """(phoneme, start, end) in output seconds; silences as "_", stress marks folded into
    the next sound, length marks and diacritics into the previous one."""
    spans: list[dict[str, Any]] = []
    carry: float | None = None  # start of a stress mark waiting for its sound
    for k, (ph, _n) in enumerate(alignments):
        start, end = float(edges[k]), float(edges[k + 1])
        if ph in STRESS:
            carry = start if carry is None else carry
            continue
        if ph in MODIFIERS and spans and spans[-1]["phoneme"] != PAUSE:
            spans[-1]["end"] = end
            continue
        name = PAUSE if ph in SILENT or ph in MODIFIERS else ph
        if carry is not None:
            start, carry = carry, None
        if name == PAUSE and spans and spans[-1]["phoneme"] == PAUSE:
            spans[-1]["end"] = end
        else:
            spans.append({"phoneme": name, "start": start, "end": end})
    out = []
    for s in spans:
        if s["end"] - s["start"] > 1e-6:
            out.append(
                {"phoneme": s["phoneme"], "start": round(s["start"], 4), "end": round(s["end"], 4)}
            )
    return out


def _extend_pause(spans: list[dict[str, Any]], start: float, end: float) -> None:
    if spans and spans[-1]["phoneme"] == PAUSE:
        spans[-1]["end"] = round(end, 4)
    else:
        spans.append({"phoneme": PAUSE, "start": round(start, 4), "end": round(end, 4)})


def limit(y: np.ndarray, peak_dbfs: float = PEAK_DBFS) -> np.ndarray:
    """Soft limiter: identity below the knee, a tanh curve that never passes the ceiling."""
    ceiling = 10.0 ** (peak_dbfs / 20.0)
    knee = 10.0 ** (KNEE_DBFS / 20.0)
    mag = np.abs(y)
    over = mag > knee
    shaped = knee + (ceiling - knee) * np.tanh((mag[over] - knee) / (ceiling - knee))
    out = y.copy()
    out[over] = np.sign(y[over]) * shaped
    return out


def resample(y: np.ndarray, rate: int, target: int) -> np.ndarray:
    """Band-limited rate change (polyphase), peaks kept under the ceiling."""
    if rate == target:
        return y
    from math import gcd

    from scipy.signal import resample_poly

    g = gcd(rate, target)
    out = resample_poly(y, target // g, rate // g)
    ceiling = 10.0 ** (PEAK_DBFS / 20.0)
    peak = float(np.max(np.abs(out))) if out.size else 0.0
    return out * (ceiling / peak) if peak > ceiling else out


def write(path: Path, y: np.ndarray, rate: int) -> None:
    """16-bit WAV or FLAC, atomically (no partial file on error or cancel)."""
    import soundfile

    if not np.all(np.isfinite(y)):
        raise RuntimeError("the speech contains invalid samples (NaN or infinity)")
    fmt = FORMATS[path.suffix.lower()]
    with atomic_path(path) as tmp:
        soundfile.write(str(tmp), y.astype(np.float32), rate, format=fmt, subtype="PCM_16")
