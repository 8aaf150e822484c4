"""Measured features of a piece, computed from the MIDI itself (no music21 needed).

Tempo is the time-weighted mean of the tempo events pretty_midi reads back; key and mode
come from a Krumhansl–Schmuckler key-profile estimate (Krumhansl & Kessler 1982 profiles,
duration-weighted pitch classes, best Pearson correlation over the 24 keys).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from generators.music.theory import NOTE_NAMES

# Krumhansl & Kessler (1982) probe-tone profiles, as used by Krumhansl–Schmuckler.
KK_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
KK_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


def estimate_key(histogram: np.ndarray) -> tuple[int, str, float]:
    """(tonic pitch class, "major"/"minor", correlation) for a 12-bin pitch-class weight."""
    best = (0, "major", -2.0)
    if not np.any(histogram):
        return best
    for mode, profile in (("major", KK_MAJOR), ("minor", KK_MINOR)):
        for tonic in range(12):
            r = float(np.corrcoef(histogram, np.roll(profile, tonic))[0, 1])
            if r > best[2]:
                best = (tonic, mode, r)
    return best


def measure(pm: Any) -> dict[str, Any]:
    """Tempo, key and mode, note density, velocity and pitch statistics."""
    end = float(pm.get_end_time())
    times, tempi = pm.get_tempo_changes()
    bounds = np.append(times, max(end, float(times[-1]) + 1e-9))
    spans = np.clip(np.diff(bounds), 0.0, None)
    tempo = float(np.average(tempi, weights=spans)) if spans.sum() > 0 else float(tempi[0])
    pitched = [n for inst in pm.instruments if not inst.is_drum for n in inst.notes]
    every = [n for inst in pm.instruments for n in inst.notes]
    hist = np.zeros(12)
    for n in pitched:
        hist[n.pitch % 12] += n.end - n.start
    tonic, mode, corr = estimate_key(hist)
    pitches = np.array([n.pitch for n in pitched]) if pitched else np.zeros(1)
    velocities = np.array([n.velocity for n in every]) if every else np.zeros(1)
    return {
        "duration_s": round(end, 4),
        "tempo_bpm": round(tempo, 3),
        "key": f"{NOTE_NAMES[tonic]} {mode}",
        "mode": mode,
        "key_correlation": round(corr, 4),
        "note_count": len(every),
        "note_density": round(len(every) / end, 4) if end > 0 else 0.0,
        "pitched_note_density": round(len(pitched) / end, 4) if end > 0 else 0.0,
        "mean_velocity": round(float(velocities.mean()), 3),
        "velocity_std": round(float(velocities.std()), 3),
        "pitch_mean": round(float(pitches.mean()), 3),
        "pitch_range": int(pitches.max() - pitches.min()),
        "tracks": [inst.name for inst in pm.instruments],
    }
