"""Music valence beyond the key: listening-free measures of each cue per valence step.

Five valence steps (−1, −0.5, 0, 0.5, 1) at arousal 0 × 4 seeds, 20 s pieces. Measured from
the written MIDI with pretty-midi and from its audio rendered by the generator's own
soundfont renderer, with analysis written here from published definitions:

- mode: share of pieces music21's key analysis (Krumhansl–Schmuckler) calls major;
- register: mean MIDI pitch of all pitched notes and of the melody;
- articulation: melody note duration / inter-onset interval (1 = legato; Gabrielsson &
  Lindström 2010: staccato lively, legato calm/sad);
- consonance: share of consonant intervals (unison, 3rds, 4th, 5th, 6ths, octave) among the
  pitch pairs sounding together, sampled on a 16th-note grid; and sensory roughness of
  those sonorities, Sethares' (1993, JASA 94:1218) parametrisation of Plomp & Levelt
  (1965), six harmonics with amplitudes 0.88^k, per sounding pair;
- brightness: spectral centroid (Hz) of the rendered audio (magnitude-weighted mean
  frequency, 2048-sample frames);
- rhythm regularity: share of melody onsets between the beats (syncopated), and the nPVI of
  the melody's inter-onset intervals (Grabe & Low 2002, as used for music by Patel &
  Daniele 2003: 0 = even durations, higher = more contrast between successive notes).

Prints one JSON object: per valence step the mean of each measure, and Spearman ρ of each
measure against valence over all pieces. Expected directions (cited in
generators/music/attributes.csv): register, brightness, consonance up and articulation
ratio down (shorter, detached notes) with valence; roughness, off-beat onsets and nPVI down.

Run: python benchmarks/music_valence.py
"""

from __future__ import annotations

import io
import json
import sys
import tempfile
from itertools import combinations, pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pretty_midi
from music21 import converter
from scipy.signal import stft
from scipy.stats import spearmanr

from generators.music import MusicGenerator, render
from studio.emotion import Condition
from studio.plugins.contract import Request

VALENCE = (-1.0, -0.5, 0.0, 0.5, 1.0)
AROUSAL = 0.0
SEEDS = (0, 1, 2, 3)
DURATION = 20.0
CONSONANT = frozenset({0, 3, 4, 5, 7, 8, 9})


def roughness(pitches: list[int]) -> float:
    """Sethares (1993) dissonance of a sonority, per pair of notes."""
    if len(pitches) < 2:
        return 0.0
    partials = [
        (440.0 * 2 ** ((p - 69) / 12) * k, 0.88 ** (k - 1)) for p in pitches for k in range(1, 7)
    ]
    total = 0.0
    for (f1, a1), (f2, a2) in combinations(partials, 2):
        lo, diff = min(f1, f2), abs(f1 - f2)
        s = 0.24 / (0.0207 * lo + 18.96)
        total += a1 * a2 * (np.exp(-3.5 * s * diff) - np.exp(-5.75 * s * diff))
    return total / (len(pitches) * (len(pitches) - 1) / 2)


def measure(path: Path) -> dict[str, Any]:
    pm = pretty_midi.PrettyMIDI(str(path))
    pitched = [n for i in pm.instruments if not i.is_drum for n in i.notes]
    melody = sorted(
        (n for i in pm.instruments if i.name == "Melody" for n in i.notes), key=lambda n: n.start
    )
    ratios = [
        (a.end - a.start) / (b.start - a.start)
        for a, b in pairwise(melody)
        if b.start > a.start
    ]
    beats = pm.get_beats()
    step = float(np.median(np.diff(beats))) / 4 if len(beats) > 1 else 0.125
    consonant = pairs = 0
    rough = []
    for t in np.arange(0.0, pm.get_end_time(), step):
        sounding = sorted({n.pitch for n in pitched if n.start <= t < n.end})
        for a, b in combinations(sounding, 2):
            pairs += 1
            consonant += (b - a) % 12 in CONSONANT
        if len(sounding) >= 2:
            rough.append(roughness(sounding))
    off_beat = 0
    for n in melody:  # position in beats from the tempo map: between the beats?
        beat = float(np.interp(n.start, beats, np.arange(len(beats))))
        off_beat += abs(beat - round(beat)) > 0.1
    iois = np.diff([n.start for n in melody])
    iois = iois[iois > 1e-3]
    npvi = 100.0 * float(np.mean(np.abs(np.diff(iois)) / ((iois[1:] + iois[:-1]) / 2)))
    audio, rate = render.synthesise(pm_bytes(pm))
    mono = audio.mean(axis=1)
    freqs, _, spec = stft(mono, fs=rate, nperseg=2048)
    mag = np.abs(spec)
    energy = mag.sum(axis=0)
    frames = energy > 1e-3 * energy.max()
    centroid = float(np.sum((freqs[:, None] * mag)[:, frames]) / np.sum(mag[:, frames]))
    key = converter.parse(str(path)).analyze("key")
    return {
        "major": key.mode == "major",
        "mean_pitch": float(np.mean([n.pitch for n in pitched])),
        "melody_pitch": float(np.mean([n.pitch for n in melody])),
        "articulation": float(np.mean(ratios)),
        "consonant_share": consonant / max(1, pairs),
        "roughness": float(np.mean(rough)) if rough else 0.0,
        "centroid_hz": centroid,
        "off_beat_share": off_beat / max(1, len(melody)),
        "npvi": npvi,
    }


def pm_bytes(pm: pretty_midi.PrettyMIDI) -> bytes:
    buf = io.BytesIO()
    pm.write(buf)
    return buf.getvalue()


def main() -> int:
    gen = MusicGenerator()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for v in VALENCE:
            for seed in SEEDS:
                out = Path(tmp) / f"v{v:+.1f}_{seed}.mid"
                req = Request(
                    "music",
                    out,
                    condition=Condition.from_vad(v, AROUSAL),
                    params={"duration": DURATION},
                    seed=seed,
                )
                art = gen.generate(req)
                rows.append(
                    {"valence": v, "ensemble": art.metadata["music"]["ensemble"], **measure(out)}
                )
    keys = [k for k in rows[0] if k not in ("valence", "ensemble")]
    steps = {}
    for v in VALENCE:
        mine = [r for r in rows if r["valence"] == v]
        steps[f"{v:+.1f}"] = {
            **{k: round(float(np.mean([r[k] for r in mine])), 4) for k in keys},
            "ensembles": sorted({r["ensemble"] for r in mine}),
        }
    val = [r["valence"] for r in rows]
    rho = {k: round(float(spearmanr([float(r[k]) for r in rows], val).statistic), 3) for k in keys}
    print(
        json.dumps(
            {"arousal": AROUSAL, "pieces": len(rows), "per_valence": steps, "rho_valence": rho},
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
