"""Behaviour of the talking-head parts: AU directions, lip sync, blinks, audio, rig, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile

from generators.talking_head import audio as sound
from generators.talking_head import expression, life, lipsync
from generators.talking_head.character import character_ids, load_character, parse_svg_path
from generators.talking_head.rig import Rig
from generators.talking_head.timeline import build
from studio.emotion import Condition
from studio.plugins.contract import InputError


def _aus(cond: Condition) -> dict[str, float]:
    tracks = expression.expression_tracks([cond])
    return {k: float(np.clip(v[0], 0, 1)) for k, v in tracks.items()}


def test_emfacs_prototypes_drive_the_aus() -> None:
    joy = _aus(Condition.from_mixture({"joy": 1.0}))
    sad = _aus(Condition.from_mixture({"sadness": 1.0}))
    surprise = _aus(Condition.from_mixture({"surprise": 1.0}))
    anger = _aus(Condition.from_mixture({"anger": 1.0}))
    assert joy["AU12"] >= 0.5 and joy["AU6"] > 0.3
    assert sad["AU12"] <= 0.1 and sad["AU1"] + sad["AU4"] + sad["AU15"] >= 0.4
    assert min(surprise["AU1"], surprise["AU2"], surprise["AU5"], surprise["AU26"]) > 0.3
    assert min(anger["AU4"], anger["AU7"], anger["AU23"]) > 0.3
    assert all(v == 0 for k, v in _aus(Condition.neutral()).items() if k.startswith("AU"))


def test_intensity_scales_and_blends_mix() -> None:
    weak = _aus(Condition.from_mixture({"joy": 1.0}, 0.3))
    strong = _aus(Condition.from_mixture({"joy": 1.0}, 0.9))
    assert strong["AU12"] > weak["AU12"] > 0
    # Happily surprised: the smile of joy with the raised brows and open jaw of surprise.
    both = _aus(Condition.from_mixture({"joy": 0.5, "surprise": 0.5}))
    assert both["AU12"] > 0.25 and both["AU2"] > 0.2 and both["AU26"] > 0.15


def test_bilabials_close_the_lips_and_vowels_open_them() -> None:
    phonemes = [
        {"phoneme": "_", "start": 0.0, "end": 0.2},
        {"phoneme": "m", "start": 0.2, "end": 0.3},
        {"phoneme": "ɑ", "start": 0.3, "end": 0.5},
        {"phoneme": "ˈ", "start": 0.5, "end": 0.52},
        {"phoneme": "p", "start": 0.52, "end": 0.6},
        {"phoneme": "u", "start": 0.6, "end": 0.8},
        {"phoneme": "_", "start": 0.8, "end": 1.2},
    ]
    tracks, labels = lipsync.from_phonemes(phonemes, 30, 25)
    at = lambda t: int(t * 25)  # noqa: E731
    assert labels[at(0.25)] == "PBM" and tracks["press"][at(0.25)] > 0.6
    assert labels[at(0.4)] == "AA" and tracks["open"][at(0.4)] > 0.5
    assert tracks["round"][at(0.7)] > 0.6 and labels[at(0.7)] == "W"
    assert labels[at(1.1)] == "rest" and tracks["open"][at(1.1)] < 0.05


def test_audio_only_shapes_follow_the_signal(tmp_path: Path) -> None:
    rate, fps = 22050, 25
    t = np.arange(rate * 2) / rate
    tone = np.where(t < 1.0, np.sin(2 * np.pi * 150 * t), 0.0).astype(np.float32)
    n = 50
    env = sound.loudness_envelope(sound.frame_rms_db(tone, rate, fps, n), fps)
    tracks, labels = lipsync.from_audio(env, sound.spectral_tilt(tone, rate, fps, n))
    assert tracks["open"][10:20].min() > 0.5 and tracks["open"][30:].max() < 0.05
    assert labels[40] == "rest"


def test_blinks_natural_rate_rises_with_arousal() -> None:
    fps, n = 25, 25 * 600
    rates = []
    for arousal in (-0.8, 0.0, 0.8):
        _, onsets = life.blinks(np.full(n, arousal), fps, np.random.default_rng(1))
        rates.append(len(onsets) / 10.0)
    assert all(8 <= r <= 30 for r in rates), rates
    assert rates[0] < rates[1] < rates[2], rates


def test_life_motion_does_not_loop() -> None:
    fps, n = 25, 25 * 40
    yaw, _, _ = life.head_motion(np.zeros(n), np.zeros(n), fps, np.random.default_rng(2))
    half = n // 2
    assert yaw.std() > 0.5
    assert abs(np.corrcoef(yaw[:half], yaw[half:])[0, 1]) < 0.9


def test_timeline_keeps_lips_moving_through_held_expressions() -> None:
    n, fps = 50, 25
    talk = np.where(np.arange(n) % 6 < 3, 0.8, 0.1)
    mouth = {k: np.zeros(n) for k in lipsync.SHAPE}
    mouth["open"] = talk
    tl = build(
        [Condition.from_mixture({"surprise": 1.0})] * n,
        mouth,
        ["AA"] * n,
        talk,
        fps,
        np.random.default_rng(0),
    )
    jaw = tl.tracks["jaw"]
    assert jaw.max() - jaw.min() > 0.5  # surprise's jaw drop gives way to speech


def test_unreadable_and_silent_inputs_error_clearly(tmp_path: Path) -> None:
    bad = tmp_path / "notes.txt.wav"
    bad.write_text("not audio at all")
    with pytest.raises(InputError, match="cannot read audio"):
        sound.read_audio(bad)
    short = tmp_path / "blip.wav"
    soundfile.write(short, np.zeros(100, np.float32), 22050)
    with pytest.raises(InputError, match="too short"):
        sound.read_audio(short)


def test_characters_are_data_and_render() -> None:
    assert {"ava", "milo"} <= set(character_ids())
    for cid in character_ids():
        rig = Rig(load_character(cid), 256)
        state = dict.fromkeys(
            [
                *expression.AUS,
                "AU45",
                "jaw",
                "spread",
                "round",
                "press",
                "teeth",
                "tongue",
                "gaze_x",
                "gaze_y",
                "yaw",
                "pitch",
                "roll",
                "breath",
            ],
            0.0,
        )
        closed = rig.draw(state).copy()
        state["jaw"] = 0.8
        opened = rig.draw(state).copy()
        assert closed.shape == (256, 256, 4) and closed[..., 3].min() == 255
        assert np.abs(closed.astype(int) - opened.astype(int)).sum() > 0
    segs = parse_svg_path("M 0 0 l 10 0 c 1 1 2 2 3 3 Z")
    assert segs[1] == ("L", (10.0, 0.0)) and segs[2] == ("C", (11.0, 1.0, 12.0, 2.0, 13.0, 3.0))
    with pytest.raises(ValueError, match="path data"):
        parse_svg_path("M 0")


def test_cli_generates_from_audio(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from studio.cli import main

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    wav = tmp_path / "voice.wav"
    t = np.arange(22050) / 22050
    soundfile.write(
        wav, (0.3 * np.sin(2 * np.pi * 140 * t) * (t % 0.25 < 0.15)).astype(np.float32), 22050
    )
    out = tmp_path / "clip.mp4"
    code = main(
        [
            "generate",
            "talking-head",
            "--audio",
            str(wav),
            "--emotion",
            "joy",
            "--size",
            "256",
            "--fps",
            "24",
            "--character",
            "milo",
            "-o",
            str(out),
            "--no-history",
            "--json",
        ]
    )
    assert code == 0 and out.is_file()
    record = json.loads(capsys.readouterr().out)
    assert record["features"]["fps"] == 24 and record["features"]["character"] == "milo"
    assert (
        main(
            [
                "generate",
                "talking-head",
                "--emotion",
                "joy",
                "-o",
                str(tmp_path / "x.mp4"),
                "--no-history",
            ]
        )
        == 2
    )
    assert "give --text or --audio" in capsys.readouterr().err
    assert (
        main(
            [
                "generate",
                "talking-head",
                "--audio",
                str(wav),
                "--fps",
                "0",
                "-o",
                str(tmp_path / "y.mp4"),
                "--no-history",
            ]
        )
        == 2
    )
    assert "fps" in capsys.readouterr().err


def test_text_is_spoken_by_the_speech_plugin(tmp_path: Path) -> None:
    """The --text path end to end with the real speech plugin (Piper runs offline)."""
    from generators.talking_head import TalkingHeadGenerator
    from studio.plugins.contract import Request

    request = Request(
        "talking-head",
        tmp_path / "said.mp4",
        condition=Condition.from_mixture({"joy": 1.0}),
        params={"text": "Hello, my friend.", "size": 256},
        seed=5,
    )
    art = TalkingHeadGenerator().generate(request)
    meta = art.metadata["talking_head"]
    assert meta["lip_sync"] == "phonemes"
    assert "PBM" in meta["tracks"]["viseme"]  # the m of "my" closes the lips
    assert max(meta["tracks"]["mouth_open"]) > 0.3
    assert list(tmp_path.iterdir()) == [tmp_path / "said.mp4"]  # the voice file is cleaned up
