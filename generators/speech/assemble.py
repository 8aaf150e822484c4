"""Joining sentences into one take, written as it grows: pauses, fades, phoneme timings,
level and format.

Level: every sentence enters the prosody stage at the same active-speech level
(``shape.REF_DBFS``), so emotion alone sets loudness (``energy_db``); a soft limiter keeps
peaks at or below ``PEAK_DBFS``. Joins: each sentence fades in and out over ``FADE_S``
inside Piper's own leading/trailing silence, then sits after a pause that the ``pause``
control scales, so no join can click and the level never steps between segments.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from math import gcd
from pathlib import Path
from typing import Any, Final

import numpy as np

from studio.sdk import atomic_path

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
class TakeStats:
    """What the features need of the whole take, gathered sentence by sentence."""

    voiced_hz: list[np.ndarray] = field(default_factory=list)
    frames: int = 0
    block_power: list[np.ndarray] = field(default_factory=list)
    peak: float = 0.0

    def add(self, speech: np.ndarray, rate: int, final: np.ndarray, out_rate: int) -> None:
        from generators.speech.analysis import block_power, track_f0

        f0, _t = track_f0(speech, rate)
        self.voiced_hz.append(f0[f0 > 0].astype(np.float32))
        self.frames += len(f0)
        self.block_power.append(block_power(final, out_rate))
        self.peak = max(self.peak, float(np.max(np.abs(final))) if final.size else 0.0)


@dataclass
class Take:
    """The growing output, written as it grows: each sentence is faded, limited, resampled
    to the output rate and handed to ``sink`` at once, so memory stays flat however long
    the text (only phoneme timings and a few numbers per sentence are kept).

    The pause after a sentence is rounded up (by < 7 ms) so every chunk is a whole number
    of resampling periods: chunks resampled one by one then join sample-exact, and output
    time equals voice time."""

    rate: int
    out_rate: int
    sink: Callable[[np.ndarray], None]
    phonemes: list[dict[str, Any]] = field(default_factory=list)
    length: int = 0
    stats: TakeStats = field(default_factory=TakeStats)

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
        period = self.rate // gcd(self.rate, self.out_rate)
        gap = round(max(0.0, gap_s) * self.rate)
        gap += -(len(y) + gap) % period
        limited = limit(np.concatenate([y, np.zeros(gap)]))
        final = resample(limited, self.rate, self.out_rate)
        if not np.all(np.isfinite(final)):
            raise RuntimeError("the speech contains invalid samples (NaN or infinity)")
        self.stats.add(limited[: len(y)], self.rate, final, self.out_rate)
        self.sink(final.astype(np.float32))
        self.length += len(limited)
        if gap:
            _extend_pause(self.phonemes, offset + len(y) / self.rate, self.seconds)


@contextmanager
def streamed(path: Path, rate: int, out_rate: int) -> Iterator[Take]:
    """A take written to ``path`` (16-bit WAV or FLAC) as it grows, atomically: the file
    appears complete when the block ends, and not at all on error or cancel."""
    import soundfile

    fmt = FORMATS[path.suffix.lower()]
    with (
        atomic_path(path) as tmp,
        soundfile.SoundFile(
            str(tmp), "w", samplerate=out_rate, channels=1, format=fmt, subtype="PCM_16"
        ) as fh,
    ):
        yield Take(rate, out_rate, fh.write)


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
    """Band-limited rate change (polyphase), peaks kept under the ceiling.

    The take is resampled one breath group at a time, so the overshoot of the filter is
    caught by the soft limiter (identity below its knee) rather than by scaling the group:
    a gain per group would make a loud sentence step down against its neighbours."""
    if rate == target:
        return y
    from scipy.signal import resample_poly

    g = gcd(rate, target)
    return limit(resample_poly(y, target // g, rate // g))
