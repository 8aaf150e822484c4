"""Features measured on the finished speech (stored in the artifact metadata)."""

from __future__ import annotations

from typing import Any

import numpy as np

from generators.speech.analysis import active_level_db
from generators.speech.assemble import Take


def measure(take: Take) -> dict[str, Any]:
    """Median F0 (Hz), F0 SD (semitones), duration, speaking rate, levels (dBFS).

    F0 was tracked sentence by sentence at the voice's rate (after the limiter); levels
    on what was written (at the output rate)."""
    stats = take.stats
    voiced = np.concatenate(stats.voiced_hz).astype(np.float64) if stats.voiced_hz else np.zeros(0)
    st = 12.0 * np.log2(voiced / np.median(voiced)) if voiced.size else np.zeros(0)
    sounds = [p for p in take.phonemes if p["phoneme"] != "_"]
    speaking = sum(p["end"] - p["start"] for p in sounds)
    power = np.concatenate(stats.block_power) if stats.block_power else np.zeros(0)
    duration = take.seconds
    return {
        "duration_s": round(duration, 4),
        "median_f0_hz": round(float(np.median(voiced)), 2) if voiced.size else None,
        "f0_sd_semitones": round(float(np.std(st)), 3) if voiced.size else None,
        "voiced_fraction": round(float(voiced.size / max(1, stats.frames)), 3),
        "speaking_rate_phonemes_per_s": round(len(sounds) / speaking, 2) if speaking else None,
        "pause_fraction": round(1.0 - speaking / duration, 3) if duration else None,
        "rms_dbfs": round(active_level_db(power), 2),
        "peak_dbfs": round(20.0 * np.log10(stats.peak), 2) if stats.peak > 0 else None,
        "sample_rate": take.out_rate,
        "phonemes": len(sounds),
    }
