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
    fear = _aus(Condition.from_mixture({"fear": 1.0}))
    disgust = _aus(Condition.from_mixture({"disgust": 1.0}))
    # At the default intensity every prototype AU is clearly on (EMFACS, emotion-facts §3).
    assert joy["AU12"] >= 0.5 and joy["AU6"] >= 0.5
    assert sad["AU12"] <= 0.1 and min(sad["AU1"], sad["AU15"]) >= 0.5 and sad["AU4"] >= 0.3
    assert min(surprise["AU1"], surprise["AU2"], surprise["AU5"], surprise["AU26"]) >= 0.5
    assert min(anger["AU4"], anger["AU7"], anger["AU23"]) >= 0.5 and anger["AU10"] >= 0.3
    assert min(fear["AU1"], fear["AU4"], fear["AU5"], fear["AU20"]) >= 0.4
    assert min(disgust["AU9"], disgust["AU10"]) >= 0.5 and disgust["AU15"] >= 0.3
    # Surprise has none of fear's tension: no brow lowerer, no lip stretcher.
    assert surprise["AU4"] <= 0.05 and surprise["AU20"] <= 0.05
    assert surprise["AU26"] > 2 * fear["AU26"]
    # Anger frowns without raising the inner brows; disgust wrinkles the nose more.
    assert anger["AU1"] <= 0.05 and disgust["AU9"] > 3 * anger["AU9"]
    assert all(v == 0 for k, v in _aus(Condition.neutral()).items() if k.startswith("AU"))


def _rest_state() -> dict[str, float]:
    return dict.fromkeys(
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


def _brow_rows(pixels: np.ndarray, size: int, inner: bool) -> float:
    """Mean row of the brow's dark pixels near its inner (or outer) end, left brow."""
    from generators.talking_head.rig import FACE_UNITS, HEAD_CENTRE

    k = size / FACE_UNITS
    cx, cy = HEAD_CENTRE
    xs = (cx - 34, cx - 16) if inner else (cx - 66, cx - 50)
    box = pixels[int((cy - 80) * k) : int((cy - 8) * k), int(xs[0] * k) : int(xs[1] * k), :3]
    dark = box.astype(int).sum(axis=2) < 250  # brow colour, not skin or eye white
    rows = np.nonzero(dark)[0]
    assert len(rows) > 0
    return float(rows.mean())


def test_brows_frown_in_anger_and_slant_up_in_sadness() -> None:
    """AU4 alone lowers the inner brow (anger); AU1+4 raises it (sadness): drawn pixels."""
    rig = Rig(load_character("milo"), 256)
    rest = _rest_state()
    neutral = rig.draw(rest).copy()
    angry = rig.draw({**rest, "AU4": 0.8, "AU7": 0.6}).copy()
    sad = rig.draw({**rest, "AU1": 0.7, "AU4": 0.4}).copy()
    assert _brow_rows(angry, 256, inner=True) > _brow_rows(neutral, 256, inner=True) + 3
    assert _brow_rows(sad, 256, inner=True) < _brow_rows(neutral, 256, inner=True) - 3
    # The frown is a V: inner end lower than the outer end, more than at rest.
    v_rest = _brow_rows(neutral, 256, True) - _brow_rows(neutral, 256, False)
    v_angry = _brow_rows(angry, 256, True) - _brow_rows(angry, 256, False)
    assert v_angry > v_rest + 3


def test_mouth_shapes_of_the_expressions() -> None:
    from generators.talking_head.face_parts import mouth_geometry

    spec = {"half_w": 25.0, "mouth_y": 70.0, "upper_lip": 5.5, "lower_lip": 8.0}
    rest = _rest_state()
    neutral = mouth_geometry(spec, rest)
    assert neutral["lower_in"] - neutral["upper_in"] < 1.2  # closed at rest
    # Disgust: AU10 lifts the upper lip off the teeth even with the jaw closed...
    sneer = mouth_geometry(spec, {**rest, "AU10": 0.7, "AU15": 0.4})
    assert sneer["upper_in"] < neutral["upper_in"] - 6 and sneer["corner"] > neutral["corner"]
    # ...but a p/b/m still closes the lips.
    closed = mouth_geometry(spec, {**rest, "AU10": 0.7, "press": 1.0})
    assert closed["lower_in"] - closed["upper_in"] < 1.2
    # Fear stretches the mouth wide with the corners drawn down; surprise drops it round.
    fear = mouth_geometry(spec, {**rest, "AU20": 0.7, "jaw": 0.3})
    surprise = mouth_geometry(spec, {**rest, "round": 0.6, "jaw": 0.6})
    assert fear["hw"] > 1.3 * neutral["hw"] and fear["corner"] > neutral["corner"] + 5
    assert surprise["hw"] < neutral["hw"]
    height = surprise["lower_in"] - surprise["upper_in"]
    assert height > 0.5 * surprise["hw"]  # a tall oval, not a slit


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


def test_every_bilabial_closes_a_frame_and_the_vowel_between_opens() -> None:
    """The word "map": m and p shorter than a frame still close the lips on their own frames, and
    the vowel between them still opens (closures must not swallow their neighbours)."""
    phonemes = [
        {"phoneme": "_", "start": 0.0, "end": 0.2},
        {"phoneme": "m", "start": 0.2, "end": 0.232},
        {"phoneme": "æ", "start": 0.232, "end": 0.35},
        {"phoneme": "p", "start": 0.35, "end": 0.38},
        {"phoneme": "_", "start": 0.38, "end": 0.8},
    ]
    fps = 25
    tracks, labels = lipsync.from_phonemes(phonemes, 20, fps)
    for seg in (phonemes[1], phonemes[3]):
        frame = int(0.5 * (seg["start"] + seg["end"]) * fps)
        assert tracks["press"][frame] == pytest.approx(1.0) and labels[frame] == "PBM"
    vowel = int(0.29 * fps)
    assert tracks["open"][vowel] > 0.5 and tracks["press"][vowel] < 0.2


def test_the_mouth_opens_before_the_sound_and_closes_with_it() -> None:
    n, fps = 30, 25
    envelope = np.zeros(n)
    envelope[10:20] = 1.0  # sound from frame 10 to 19
    tracks = {k: np.zeros(n) for k in lipsync.SHAPE}
    tracks["open"] = envelope.copy()
    tracks["round"][10:20] = 1.0
    labels = ["rest"] * 10 + ["O"] * 10 + ["rest"] * 10
    labels = lipsync.anticipate(tracks, labels, fps)
    lead = lipsync.LEAD_S * fps
    assert 1.0 <= lead <= 2.0  # one to two frames
    assert tracks["open"][9] > 0.4 and tracks["round"][9] > 0.4 and labels[9] == "O"
    assert tracks["open"][7] == 0.0  # not earlier than two frames
    assert tracks["open"][19] == 1.0 and tracks["open"][21] == 0.0  # closes on time


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
    # ...in part: while talking the jaw stays a little dropped, and p/b/m still close it.
    assert jaw[5:45].min() > 0.1
    mouth["press"][20:23] = 1.0
    tl = build(
        [Condition.from_mixture({"surprise": 1.0})] * n,
        mouth,
        ["AA"] * n,
        talk,
        fps,
        np.random.default_rng(0),
    )
    assert tl.tracks["jaw"][20:23].max() == 0.0


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

    out = tmp_path / "out"
    out.mkdir()
    request = Request(
        "talking-head",
        out / "said.mp4",
        condition=Condition.from_mixture({"joy": 1.0}),
        params={"text": "Hello, my friend.", "size": 256},
        seed=5,
    )
    art = TalkingHeadGenerator().generate(request)
    meta = art.metadata["talking_head"]
    assert meta["lip_sync"] == "phonemes"
    assert "PBM" in meta["tracks"]["viseme"]  # the m of "my" closes the lips
    assert max(meta["tracks"]["mouth_open"]) > 0.3
    # The voice file is cleaned up (the data folder beside it may hold the voice's caches).
    assert list(out.iterdir()) == [out / "said.mp4"]


def test_accent_brow_flashes_do_not_undo_a_frown() -> None:
    """Speech accents lift the brows (AU1+2), but not through anger's frown: raised inner
    brows with AU4 would read as sadness."""
    n, fps = 125, 25
    envelope = np.where((np.arange(n) // 8) % 2 == 0, 0.9, 0.05)  # strong accents
    mouth = {k: np.zeros(n) for k in lipsync.SHAPE}
    mouth["open"] = envelope * 0.6
    calm = build(
        [Condition.neutral()] * n, mouth, ["AA"] * n, envelope, fps, np.random.default_rng(1)
    )
    angry = build(
        [Condition.from_mixture({"anger": 1.0})] * n,
        mouth,
        ["AA"] * n,
        envelope,
        fps,
        np.random.default_rng(1),
    )
    calm_lift = calm.tracks["AU1"].max() - calm.tracks["AU1"].min()
    angry_lift = angry.tracks["AU1"].max() - angry.tracks["AU1"].min()
    assert calm_lift > 0.1  # the flashes are there in a calm face
    assert angry_lift < 0.3 * calm_lift and angry.tracks["AU4"].min() > 0.5


@pytest.mark.parametrize("seconds", [0.6, 0.88, 1.08, 2.0, 5.0])
def test_short_clips_keep_the_head_within_a_few_degrees(seconds: float) -> None:
    """Idle sway is a slow process: a clip shorter than its time scale sees a sliver of it,
    which must stay a sliver (it was once blown up to the whole range: a head at 180°)."""
    fps = 25
    n = round(seconds * fps)
    worst_yaw, worst_gaze = 0.0, 0.0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        envelope = np.zeros(n)
        arousal = np.full(n, 0.8)
        yaw, pitch, roll = life.head_motion(envelope, arousal, fps, rng)
        gx, gy = life.gaze(n, fps, arousal, rng)
        worst_yaw = max(worst_yaw, float(np.max(np.abs(yaw))))
        worst_gaze = max(worst_gaze, float(np.max(np.abs(gx))), float(np.max(np.abs(gy))))
        assert np.max(np.abs(pitch)) < 15 and np.max(np.abs(roll)) < 15
    assert worst_yaw < 15.0
    assert worst_gaze <= 0.9  # saccade targets reach ±0.7; the drift adds a little


def test_articulation_grows_with_arousal_between_a_floor_and_the_tables() -> None:
    """Speech opens the mouth further the higher the arousal (calm neutral speech about
    half as far as the lip-sync tables, from arousal 0.2 all the way), never below the
    floor where the lips stop showing the syllables."""
    arousal = np.linspace(-1.0, 1.0, 41)
    gain = lipsync.articulation(arousal)
    assert np.all(np.diff(gain) >= 0.0)
    assert gain.min() == lipsync.ARTICULATION_MIN
    assert gain.max() == 1.0
    assert lipsync.articulation(np.array([0.0]))[0] < lipsync.articulation(np.array([0.46]))[0]


def test_a_calm_voice_opens_the_mouth_less_than_an_angry_one(tmp_path: Path) -> None:
    """The same recording said calmly (neutral) and in anger: the plan's speech opening
    is smaller for the calm one, and follows the same syllables (the openings correlate)."""
    from generators.talking_head import clip
    from generators.talking_head.params import TalkingHeadParams
    from studio.plugins.contract import Request

    rate, seconds = 16000, 2.0
    t = np.arange(int(rate * seconds)) / rate
    syllables = 0.5 * (1 - np.cos(2 * np.pi * 3.0 * t))  # three syllables a second
    voice = tmp_path / "voice.wav"
    soundfile.write(voice, (0.3 * syllables * np.sin(2 * np.pi * 180 * t)).astype(np.float32), rate)
    params = TalkingHeadParams.model_validate({"audio": str(voice)})
    jaws = {}
    for name, condition in (
        ("calm", Condition.neutral()),
        ("angry", Condition.from_mixture({"anger": 1.0})),
    ):
        request = Request(
            "talking-head", tmp_path / f"{name}.mp4", condition=condition, params={}, seed=3
        )
        built, _, _ = clip.plan(request, params, clip.load_source(voice, None))
        jaws[name] = built.tracks["jaw"]
    assert jaws["calm"].max() < 0.7 * jaws["angry"].max()
    assert np.corrcoef(jaws["calm"], jaws["angry"])[0, 1] > 0.9
