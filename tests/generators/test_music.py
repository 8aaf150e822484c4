"""Tests of the music generator: the shared conformance suite plus musical behaviour."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pretty_midi
import pytest
import soundfile

from generators.music import MusicGenerator
from studio.emotion import Condition, Trajectory
from studio.plugins.contract import Request
from studio.plugins.testing import GeneratorConformance

INVALID = [
    {"duration": 0},
    {"duration": 10000},
    {"duration": float("nan")},
    {"tempo": 500},
    {"key": "H#"},
]


class TestMusicConformance(GeneratorConformance):
    generator_class = MusicGenerator
    extension = ".mid"
    params = {"duration": 5}
    invalid_params = INVALID


class TestMusicWavConformance(GeneratorConformance):
    generator_class = MusicGenerator
    extension = ".wav"
    params = {"duration": 5}
    invalid_params = INVALID[:2]


def _make(tmp: Path, v: float, a: float, seed: int = 0, name: str = "x", **params: Any) -> Any:
    params.setdefault("duration", 20)
    out = tmp / f"{name}.mid"
    req = Request("music", out, condition=Condition.from_vad(v, a), params=params, seed=seed)
    return MusicGenerator().generate(req)


def test_tempo_density_velocity_rise_with_arousal(tmp_path: Path) -> None:
    for seed in (0, 1):
        feats = [_make(tmp_path, 0.2, a, seed).features for a in (-0.8, 0.0, 0.8)]
        for key in ("tempo_bpm", "note_density", "mean_velocity"):
            values = [f[key] for f in feats]
            assert values == sorted(values) and values[0] < values[-1], (key, values)


def test_mode_follows_valence(tmp_path: Path) -> None:
    for seed in range(4):
        assert _make(tmp_path, 0.7, 0.3, seed).features["mode"] == "major"
        assert _make(tmp_path, -0.7, 0.3, seed).features["mode"] == "minor"


def test_midi_has_named_tracks_tempo_and_key(tmp_path: Path) -> None:
    art = _make(tmp_path, 0.6, 0.6, 1)
    pm = pretty_midi.PrettyMIDI(str(art.path))
    names = [i.name for i in pm.instruments]
    assert {"Melody", "Accompaniment", "Bass", "Drums"} <= set(names)
    assert pm.key_signature_changes and pm.time_signature_changes
    _times, tempi = pm.get_tempo_changes()
    assert len(tempi) >= 1 and 40 <= tempi[0] <= 220
    assert art.features["tracks"] == names
    for key in (
        "tempo_bpm",
        "key",
        "mode",
        "note_density",
        "mean_velocity",
        "pitch_mean",
        "pitch_range",
    ):
        assert key in art.features


def test_overrides(tmp_path: Path) -> None:
    art = _make(tmp_path, 0.5, 0.0, 0, key="Bb", tempo=90, instrumentation="strings")
    assert art.features["tempo_bpm"] == pytest.approx(90, rel=0.05)
    assert art.metadata["music"]["tonic"] == "Bb"
    pm = pretty_midi.PrettyMIDI(str(art.path))
    assert {i.program for i in pm.instruments if not i.is_drum} <= {40, 48, 42}


def test_trajectory_changes_only_at_phrase_boundaries(tmp_path: Path) -> None:
    arc = Trajectory.of(
        [(0.0, Condition.from_vad(-0.8, -0.6)), (30.0, Condition.from_vad(0.8, 0.8))],
        interpolation="linear",
    )
    out = tmp_path / "arc.mid"
    art = MusicGenerator().generate(
        Request("music", out, trajectory=arc, params={"duration": 30}, seed=2)
    )
    plan = art.metadata["music"]["phrases"]
    assert plan[0]["mode"] == "minor" and plan[-1]["mode"] == "major"
    assert plan[-1]["tempo"] > plan[0]["tempo"] * 1.3
    pm = pretty_midi.PrettyMIDI(str(out))
    beats, downbeats = pm.get_beats(), pm.get_downbeats()
    starts = [p["start_s"] for p in plan]
    for ks in pm.key_signature_changes:
        assert min(abs(ks.time - s) for s in starts) < 1e-3, "key change inside a phrase"
    times, tempi = pm.get_tempo_changes()
    for t, prev, cur in zip(times[1:], tempi[:-1], tempi[1:], strict=True):
        assert np.min(np.abs(beats - t)) < 1e-3, f"tempo change off the beat at {t}"
        assert abs(cur / prev - 1) < 0.12, "abrupt tempo jump (no accelerando)"
    assert len(downbeats) >= sum(p["bars"] for p in plan) - 1


def test_same_seed_same_bytes_and_seed_changes_music(tmp_path: Path) -> None:
    a = _make(tmp_path, 0.3, 0.3, 5, "a").path.read_bytes()
    b = _make(tmp_path, 0.3, 0.3, 5, "b").path.read_bytes()
    c = _make(tmp_path, 0.3, 0.3, 6, "c").path.read_bytes()
    assert a == b and a != c


def test_audio_is_stereo_48k_normalised(tmp_path: Path) -> None:
    out = tmp_path / "x.flac"
    req = Request(
        "music", out, condition=Condition.from_vad(0.8, 0.7), params={"duration": 6}, seed=3
    )
    art = MusicGenerator().generate(req)
    data, rate = soundfile.read(str(out), always_2d=True)
    assert rate == 48000 and data.shape[1] == 2
    peak = float(np.max(np.abs(data)))
    assert 0.5 < peak <= 1.0
    assert math.isclose(peak, 10 ** (-1 / 20), rel_tol=0.01)
    assert float(np.sqrt(np.mean(data**2))) > 0.01
    assert art.features["sample_rate"] == 48000


def test_bad_params_leave_no_file(tmp_path: Path) -> None:
    gen = MusicGenerator()
    for bad in ({"duration": 0}, {"duration": 10_000}, {"duration": float("nan")}):
        out = tmp_path / "bad.wav"
        with pytest.raises(ValueError, match="duration"):
            gen.generate(Request("music", out, condition=Condition.neutral(), params=bad))
        assert list(tmp_path.iterdir()) == []


def test_output_blocked_by_folder_gives_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "song.mid"
    blocker.mkdir()
    req = Request("music", blocker, condition=Condition.neutral(), params={"duration": 5})
    with pytest.raises((ValueError, OSError), match=r"song\.mid"):
        MusicGenerator().generate(req)
    assert [p.name for p in tmp_path.iterdir()] == ["song.mid"]
