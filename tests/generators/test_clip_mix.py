"""The clip's audio and picture arithmetic without any generator: ducking, fades,
loudness and true peak, cross-fades, framing, the arc's sections."""

from __future__ import annotations

import numpy as np
import pytest

from generators.clip import arc, compose, mix
from studio.emotion import Condition, Trajectory

RATE = mix.RATE


def speech(pattern: list[tuple[float, bool]], seed: int = 0) -> np.ndarray:
    """A voice-like signal: (seconds, speaking) runs; speaking runs are syllables at ~4 Hz
    with 0.12 s gaps between words."""
    rng = np.random.default_rng(seed)
    out = []
    for seconds, speaking in pattern:
        n = round(seconds * RATE)
        if not speaking:
            out.append(np.zeros(n, np.float32))
            continue
        t = np.arange(n) / RATE
        tone = 0.3 * np.sin(2 * np.pi * 140 * t) + 0.05 * rng.standard_normal(n)
        words = (np.sin(2 * np.pi * 2.0 * t) > -0.5).astype(np.float32)  # 1/3 gaps
        out.append((tone * words).astype(np.float32))
    return np.concatenate(out)


def bed(seconds: float) -> np.ndarray:
    t = np.arange(round(seconds * RATE)) / RATE
    chord = sum(np.sin(2 * np.pi * f * t) for f in (220, 277, 330)) / 3
    return np.stack([chord, chord], axis=1).astype(np.float32) * 0.3


def hop_db(x: np.ndarray) -> np.ndarray:
    return mix.hop_levels(mix.mono(x), RATE)


def test_bed_ducks_under_speech_and_comes_back_in_pauses() -> None:
    voice = speech([(1.0, False), (3.0, True), (2.0, False), (3.0, True), (1.5, False)])
    m = mix.master(voice, bed(len(voice) / RATE), -16.0, 12.0)
    db = hop_db(m.bed)
    speaking = db[int(2.0 / mix.HOP_S) : int(3.8 / mix.HOP_S)]
    pause = db[int(4.8 / mix.HOP_S) : int(5.7 / mix.HOP_S)]
    assert pause.mean() - speaking.mean() >= 10.0
    assert mix.bed_levels(m.bed, m.active) >= 10.0


def test_no_pumping_between_words() -> None:
    voice = speech([(0.5, False), (4.0, True), (0.5, False)])
    gain = mix.duck_gain(mix.activity(voice, RATE), len(voice), RATE, 12.0)
    inside = 20 * np.log10(gain[round(1.0 * RATE) : round(4.2 * RATE)])
    assert inside.max() - inside.min() < 0.5  # held down across the gaps between words
    assert inside.max() <= -11.0


def test_duck_opens_ahead_of_the_voice_and_releases_smoothly() -> None:
    voice = speech([(1.0, False), (2.0, True), (2.0, False)])
    gain_db = 20 * np.log10(mix.duck_gain(mix.activity(voice, RATE), len(voice), RATE, 12.0))
    assert gain_db[round(1.0 * RATE)] < -3.0  # already going down when the voice starts
    step = np.abs(np.diff(gain_db)).max()
    assert step < 0.05  # dB per sample: no clicks


def test_loudness_target_and_true_peak_ceiling() -> None:
    voice = speech([(0.5, False), (6.0, True), (0.5, False)]) * 3.0  # hot, clipping input
    for target in (-16.0, -23.0):
        m = mix.master(voice, bed(7.0), target, 12.0)
        assert m.loudness_lufs == pytest.approx(target, abs=0.5)
        assert m.true_peak_dbtp <= mix.CEILING_DBTP - mix.CODEC_MARGIN_DB + 0.05
        assert mix.true_peak(m.audio) == pytest.approx(m.true_peak_dbtp)


def test_true_peak_sees_inter_sample_peaks() -> None:
    # A quarter-rate sine sampled at ±45°: every sample is at 0.707 of the true peak.
    n = np.arange(4800)
    x = np.sin(np.pi / 2 * n + np.pi / 4).astype(np.float32)
    assert 20 * np.log10(np.abs(x).max()) == pytest.approx(-3.01, abs=0.05)
    assert mix.true_peak(x) == pytest.approx(0.0, abs=0.3)


def test_fades_at_both_ends() -> None:
    env = mix.fades(RATE * 4, RATE)
    assert env[0] == 0.0 and env[-1] == 0.0
    assert env[round(mix.FADE_IN_S * RATE) + 10] == 1.0
    assert np.all(np.diff(env[: round(mix.FADE_IN_S * RATE)]) >= 0)


def test_voice_only_mix_is_normalised() -> None:
    voice = speech([(0.5, False), (4.0, True), (0.5, False)])
    m = mix.master(voice, None, -16.0, 12.0)
    assert m.audio.shape == (len(voice), 2)
    assert m.loudness_lufs == pytest.approx(-16.0, abs=0.5)


def sections3() -> list[arc.Section]:
    c = [Condition.from_mixture({e: 1.0}, 0.6) for e in ("joy", "fear", "sadness")]
    return [arc.Section(0, 4, c[0]), arc.Section(4, 6, c[1]), arc.Section(6, 10, c[2])]


def test_crossfade_weights_sum_to_one_and_move_smoothly() -> None:
    secs = sections3()
    times = np.arange(0, 10, 0.04)
    previous = None
    for t in times:
        weights = compose.backdrop_weights(float(t), secs)
        assert sum(w for _, w in weights) == pytest.approx(1.0)
        share = {i: w for i, w in weights}
        vec = np.array([share.get(i, 0.0) for i in range(3)])
        if previous is not None:
            assert np.abs(vec - previous).max() < 0.08  # no cut
        previous = vec
    assert compose.backdrop_weights(2.0, secs) == [(0, 1.0)]
    assert dict(compose.backdrop_weights(4.0, secs))[1] == pytest.approx(0.5)


def test_framing_vertical_shows_head_and_shoulders() -> None:
    side = compose.face_size(1080, 1920)
    at = compose.framing(1080, 1920, side)
    assert at.side > 1080 and at.y + at.side == 1920  # larger than the width, on the bottom
    land = compose.framing(1280, 720, compose.face_size(1280, 720))
    assert (land.side, land.y, land.x) == (720, 0, 280)


def test_composite_uses_the_alpha_matte() -> None:
    from PIL import Image

    back = Image.new("RGB", (8, 4), (0, 0, 200))
    face = np.zeros((4, 4, 4), np.uint8)
    face[1:3, 1:3] = (255, 0, 0, 255)
    face[0, 0] = (255, 0, 0, 128)
    out = np.asarray(
        compose.composite(back, Image.fromarray(face, "RGBA"), compose.Framing(2, 0, 4))
    )
    assert tuple(out[1, 3]) == (255, 0, 0)  # opaque: the face
    assert tuple(out[3, 0]) == (0, 0, 200) and tuple(out[3, 5]) == (0, 0, 200)  # clear
    assert 120 <= out[0, 2, 0] <= 135 and 95 <= out[0, 2, 2] <= 105  # half: a mix


def test_sections_merge_near_neighbours_and_tile_the_clip() -> None:
    joy = Condition.from_mixture({"joy": 1.0}, 0.6)
    stretches = [
        arc.Stretch(0.4, 2.0, joy, True),
        arc.Stretch(2.0, 3.0, joy.with_intensity(0.62), True),
        arc.Stretch(3.0, 5.0, Condition.from_mixture({"fear": 1.0}, 0.7), True),
    ]
    traj = arc.from_stretches(stretches, 7.0, Condition.neutral())
    secs = arc.sections(traj, 7.0, stretches)
    assert [s.condition.name for s in secs] == ["joy", "fear"]
    assert secs[0].start == 0.0 and secs[-1].end == 7.0 and secs[0].end == secs[1].start
    assert traj.at(1.2).name == "joy" and traj.at(4.0).name == "fear"


def test_shift_moves_a_trajectory_between_clocks() -> None:
    a, b = Condition.from_mixture({"joy": 1.0}, 0.6), Condition.from_mixture({"anger": 1.0}, 0.6)
    traj = Trajectory.of([(0.0, a), (4.0, b)])
    earlier = arc.shift(traj, -1.0)
    assert earlier.start == 0.0 and earlier.end == 3.0
    for t in (0.3, 1.0, 2.2):
        assert earlier.at(t).vad == pytest.approx(traj.at(t + 1.0).vad, abs=0.01)
    assert arc.shift(traj, 0.5).times == (0.5, 4.5)
