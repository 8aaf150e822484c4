"""Music composed along an emotional arc: as long as the arc, and following it at every point.

Everything is read back from the written MIDI file with pretty-midi: the length, and per
window of two bars (up to the final cadence bar) the tempo, the note onsets per second and
the melody's mean velocity, against the arc's arousal there; each phrase's mode against the
arc's valence at its middle.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pretty_midi
import pytest
from scipy.stats import spearmanr

from generators.music import MusicGenerator, composer
from studio.emotion import Condition, Trajectory
from studio.emotion.lexicon import lookup
from studio.plugins.contract import Request


def _vad(v: float, a: float) -> Condition:
    return Condition.from_vad(v, a)


def _word(w: str) -> Condition:
    return lookup(w).condition()


ARCS: dict[str, list[tuple[float, Condition]]] = {
    # The two arcs that came out 11.3 s and 14.5 s long, with the tempo falling.
    "calm-furious-melancholy": [
        (0, _word("calm")),
        (10, _word("furious")),
        (20, _word("melancholy")),
    ],
    "pleasant-calm-to-angry": [(0, _vad(0.6, -0.8)), (20, _vad(-0.7, 0.6))],
    "sad-joyful-sad": [(0, _word("sad")), (30, _word("joyful")), (60, _word("sad"))],
    "across-the-centre": [(0, _vad(-0.8, -0.8)), (30, _vad(0.8, 0.8))],
    "valence-up-arousal-down": [(0, _vad(-0.8, 0.8)), (24, _vad(0.8, -0.8))],
    "up-and-back-down": [(0, _vad(0.1, -0.8)), (15, _vad(0.1, 0.9)), (30, _vad(0.1, -0.8))],
    "long-wander": [
        (0, _vad(0.0, 0.0)),
        (20, _vad(0.8, 0.6)),
        (45, _vad(-0.6, -0.7)),
        (70, _vad(-0.7, 0.8)),
        (90, _vad(0.5, -0.4)),
    ],
}


def _compose(tmp: Path, arc: Trajectory, seed: int, **params: Any) -> tuple[Path, Any]:
    out = tmp / f"arc{seed}.mid"
    art = MusicGenerator().generate(Request("music", out, trajectory=arc, params=params, seed=seed))
    return out, art


def _windows(path: Path, arc: Trajectory, bars: int) -> list[dict[str, float]]:
    pm = pretty_midi.PrettyMIDI(str(path))
    times, tempi = pm.get_tempo_changes()
    downbeats = [float(t) for t in pm.get_downbeats()][:bars]
    edges = [*downbeats[: bars - 1 : 2], downbeats[-1]]
    onsets = np.array([n.start for i in pm.instruments for n in i.notes])
    melody = [n for i in pm.instruments if i.name == "Melody" for n in i.notes]
    rows = []
    for lo, hi in itertools.pairwise(edges):
        grid = np.linspace(lo, hi, 32, endpoint=False)
        vel = [n.velocity for n in melody if lo <= n.start < hi]
        rows.append(
            {
                "arousal": float(np.mean([arc.at(float(t)).arousal for t in grid])),
                "tempo": float(np.mean(tempi[np.searchsorted(times, grid, side="right") - 1])),
                "density": float(np.sum((onsets >= lo) & (onsets < hi)) / (hi - lo)),
                "velocity": float(np.mean(vel)),
            }
        )
    return rows


@pytest.mark.parametrize("name", list(ARCS))
def test_music_is_as_long_as_the_arc_and_follows_it(tmp_path: Path, name: str) -> None:
    arc = Trajectory.of(ARCS[name])
    path, art = _compose(tmp_path, arc, seed=1)
    pm = pretty_midi.PrettyMIDI(str(path))
    final_bar = 240.0 / float(pm.get_tempo_changes()[1][-1])
    assert abs(pm.get_end_time() - arc.end) <= final_bar, (pm.get_end_time(), arc.end)
    assert art.features["duration_s"] == pytest.approx(arc.end, abs=final_bar)
    plan = art.metadata["music"]["phrases"]
    rows = _windows(path, arc, plan[-1]["start_bar"] + plan[-1]["bars"])
    aro = [r["arousal"] for r in rows]
    assert max(aro) - min(aro) >= 0.5 and len(rows) >= 3
    for key, least in (("tempo", 0.9), ("density", 0.8), ("velocity", 0.7)):
        rho = spearmanr([r[key] for r in rows], aro).statistic
        assert rho >= least, (key, rho, rows)
    for i, r in enumerate(rows):  # never backwards: more arousal, faster and busier
        for s in rows[i + 1 :]:
            if abs(r["arousal"] - s["arousal"]) >= 0.5:
                up = np.sign(r["arousal"] - s["arousal"])
                assert np.sign(r["tempo"] - s["tempo"]) == up, (r, s)
                assert np.sign(r["density"] - s["density"]) == up, (r, s)
    starts = [p["start_s"] for p in plan] + [pm.get_end_time()]
    for p, a, b in zip(plan, starts[:-1], starts[1:], strict=True):
        valence = arc.at((a + b) / 2).valence
        if abs(valence) >= 0.4:
            assert p["mode"] == ("major" if valence > 0 else "minor"), (p, valence)


@pytest.mark.parametrize("seconds", [5.0, 8.0, 13.7, 20.0, 47.3])
def test_short_and_odd_lengths_are_exact(tmp_path: Path, seconds: float) -> None:
    arc = Trajectory.of([(0, _vad(0.7, 0.8)), (seconds, _vad(-0.7, -0.8))])
    path, _ = _compose(tmp_path, arc, seed=0)
    assert pretty_midi.PrettyMIDI(str(path)).get_end_time() == pytest.approx(seconds, abs=0.01)


def test_duration_with_an_arc_reads_the_arc_in_seconds(tmp_path: Path) -> None:
    """An explicit duration sets the length; the arc keeps its own clock (past its end the
    last state holds), it is not stretched."""
    arc = Trajectory.of([(0, _vad(0.2, -0.8)), (10, _vad(0.2, 0.8))])
    path, art = _compose(tmp_path, arc, seed=0, duration=30)
    pm = pretty_midi.PrettyMIDI(str(path))
    assert pm.get_end_time() == pytest.approx(30.0, abs=0.01)
    times, tempi = pm.get_tempo_changes()
    held = tempi[np.searchsorted(times, [12.0, 18.0, 25.0], side="right") - 1]
    assert np.ptp(held) < 1.0  # the arc's last state, steady
    assert tempi[0] < held.min() - 20
    assert art.metadata["music"]["seconds"] == pytest.approx(30.0)


def test_beat_tempi_integrates_the_arc() -> None:
    def rising(t: float) -> float:
        return 60.0 + 4.0 * t

    tempi = composer.beat_tempi(20.0, rising)
    assert len(tempi) % 4 == 0
    total = sum(60.0 / b for b in tempi)
    assert 20.0 - 240.0 / tempi[-1] <= total <= 20.0
    body = tempi[:-4]  # before the final ritardando
    assert all(b > a for a, b in itertools.pairwise(body))
    t = 0.0
    for bpm in body:  # each beat has the arc's tempo at its middle
        assert bpm == pytest.approx(rising(t + 30.0 / bpm), rel=0.02)
        t += 60.0 / bpm


def test_tempo_override_sets_the_arcs_opening_tempo(tmp_path: Path) -> None:
    arc = Trajectory.of([(0, _vad(0.2, -0.6)), (20, _vad(0.2, 0.8))])
    path, _ = _compose(tmp_path, arc, seed=0, tempo=90)
    _, tempi = pretty_midi.PrettyMIDI(str(path)).get_tempo_changes()
    assert tempi[0] == pytest.approx(90, rel=0.03)
    assert max(tempi) > 1.3 * tempi[0]  # the arc's rise, scaled to the given start
