"""Features measured on the finished speech (stored in the artifact metadata)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from generators.speech.analysis import active_rms_db, track_f0


def measure(
    y: np.ndarray, rate: int, phonemes: Sequence[dict[str, Any]], final: np.ndarray, out_rate: int
) -> dict[str, Any]:
    """Median F0 (Hz), F0 SD (semitones), duration, speaking rate, levels (dBFS).

    F0 is tracked on the take at the voice's rate (``y``); levels on what is written
    (``final`` at ``out_rate``)."""
    x = np.ascontiguousarray(y, dtype=np.float64)
    f0, _t = track_f0(x, rate)
    voiced = f0[f0 > 0]
    st = 12.0 * np.log2(voiced / np.median(voiced)) if voiced.size else np.zeros(0)
    sounds = [p for p in phonemes if p["phoneme"] != "_"]
    speaking = sum(p["end"] - p["start"] for p in sounds)
    peak = float(np.max(np.abs(final))) if final.size else 0.0
    return {
        "duration_s": round(len(x) / rate, 4),
        "median_f0_hz": round(float(np.median(voiced)), 2) if voiced.size else None,
        "f0_sd_semitones": round(float(np.std(st)), 3) if voiced.size else None,
        "voiced_fraction": round(float(voiced.size / max(1, f0.size)), 3),
        "speaking_rate_phonemes_per_s": round(len(sounds) / speaking, 2) if speaking else None,
        "pause_fraction": round(1.0 - speaking / (len(x) / rate), 3) if len(x) else None,
        "rms_dbfs": round(active_rms_db(np.asarray(final, dtype=np.float64), out_rate), 2),
        "peak_dbfs": round(20.0 * np.log10(peak), 2) if peak > 0 else None,
        "sample_rate": out_rate,
        "phonemes": len(sounds),
    }
