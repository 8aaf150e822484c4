"""Valence is heard in more than the key: register, articulation, consonance and brightness.

Each cue is measured listening-free on what the generator writes (benchmarks/music_valence.py
prints the same measures per valence step): mean melody pitch, melody note length over
inter-onset interval, the share of consonant intervals among notes sounding together, and
the spectral centroid of the rendered audio. Arousal is held at 0 so only valence moves.
"""

from __future__ import annotations

from itertools import combinations, pairwise
from pathlib import Path

import numpy as np
import pretty_midi
import soundfile

from generators.music import MusicGenerator
from studio.emotion import Condition
from studio.plugins.contract import Request

CONSONANT = frozenset({0, 3, 4, 5, 7, 8, 9})


def _cues(tmp: Path, valence: float, seed: int) -> dict[str, float]:
    out = tmp / f"v{valence:+.1f}_{seed}.wav"
    art = MusicGenerator().generate(
        Request(
            "music",
            out,
            condition=Condition.from_vad(valence, 0.0),
            params={"duration": 12},
            seed=seed,
        )
    )
    midi = out.with_suffix(".mid")  # the same piece as MIDI (same seed, same plan)
    MusicGenerator().generate(
        Request(
            "music",
            midi,
            condition=Condition.from_vad(valence, 0.0),
            params={"duration": 12},
            seed=seed,
        )
    )
    pm = pretty_midi.PrettyMIDI(str(midi))
    melody = sorted(
        (n for i in pm.instruments if i.name == "Melody" for n in i.notes), key=lambda n: n.start
    )
    pitched = [n for i in pm.instruments if not i.is_drum for n in i.notes]
    ratios = [
        (a.end - a.start) / (b.start - a.start) for a, b in pairwise(melody) if b.start > a.start
    ]
    consonant = pairs = 0
    for t in np.arange(0.0, pm.get_end_time(), 0.1):
        sounding = sorted({n.pitch for n in pitched if n.start <= t < n.end})
        for a, b in combinations(sounding, 2):
            pairs += 1
            consonant += (b - a) % 12 in CONSONANT
    audio, rate = soundfile.read(str(art.path), always_2d=True)
    mag = np.abs(np.fft.rfft(audio.mean(axis=1)))
    freqs = np.fft.rfftfreq(audio.shape[0], 1.0 / rate)
    return {
        "pitch": float(np.mean([n.pitch for n in melody])),
        "articulation": float(np.mean(ratios)),
        "consonance": consonant / pairs,
        "centroid": float(np.sum(freqs * mag) / np.sum(mag)),
    }


def test_valence_moves_register_articulation_consonance_and_brightness(tmp_path: Path) -> None:
    for seed in (0, 1):
        sad, glad = _cues(tmp_path, -0.8, seed), _cues(tmp_path, 0.8, seed)
        assert glad["pitch"] > sad["pitch"] + 5, (sad, glad)  # higher register
        assert glad["articulation"] < sad["articulation"] - 0.15, (sad, glad)  # detached
        assert glad["consonance"] > sad["consonance"] + 0.12, (sad, glad)
        assert glad["centroid"] > 1.5 * sad["centroid"], (sad, glad)  # brighter sound
