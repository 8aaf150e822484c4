"""Tests of the speech generator: the conformance suite plus voice behaviour."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

from generators.speech import SpeechGenerator
from generators.speech import prosody as speech_prosody
from generators.speech import tags as speech_tags
from generators.speech.assemble import PEAK_DBFS
from studio.cli import main as cli_main
from studio.emotion import Condition, Trajectory
from studio.plugins.contract import Request
from studio.plugins.testing import GeneratorConformance

TEXT = "Hello there."


class TestSpeechConformance(GeneratorConformance):
    generator_class = SpeechGenerator
    extension = ".wav"
    params = {"text": TEXT}
    invalid_params = [
        {"text": ""},
        {"text": "   [joy]  "},
        {"text": "x" * 100_000},
        {"text": "[joyy] hello"},
        {"voice": "nobody"},
        {"sample_rate": 44100},
    ]


def _say(tmp: Path, text: str, cond: Condition | None = None, name: str = "x", **kw: Any) -> Any:
    out = tmp / f"{name}{kw.pop('ext', '.wav')}"
    traj = kw.pop("trajectory", None)
    seed = kw.pop("seed", 1)
    req = Request(
        "speech",
        out,
        condition=None if traj else (cond or Condition.neutral()),
        trajectory=traj,
        params={"text": text, **kw},
        seed=seed,
    )
    return SpeechGenerator().generate(req)


def _reject(tmp: Path, match: str, **params: Any) -> str:
    req = Request("speech", tmp / "bad.wav", condition=Condition.neutral(), params=params)
    with pytest.raises(ValueError, match=match) as info:
        SpeechGenerator().generate(req)
    assert not (tmp / "bad.wav").exists()
    assert "\n" not in str(info.value)
    return str(info.value)


def test_clear_errors(tmp_path: Path) -> None:
    msg = _reject(tmp_path, "limit is 5000", text="a" * 100_000)
    assert "100000 characters" in msg and "split" in msg
    assert "did you mean joy" in _reject(tmp_path, "unknown emotion tag", text="[joyy] Hi.")
    assert "joe" in _reject(tmp_path, "unknown voice", text="Hi.", voice="nobody")
    _reject(tmp_path, "nothing to say", text="  ")
    _reject(tmp_path, "nothing to speak: only punctuation", text="… !?")
    _reject(tmp_path, "does not exist", text="Hi.", voice=str(tmp_path / "missing.onnx"))
    rate = _reject(tmp_path, "sample_rate", text="Hi.", sample_rate="fast")
    assert rate.count("got") == 1 and "'fast'" in rate


UNSPEAKABLE = [
    ("[joy hello there", "tag is not closed"),
    ("Hello [joy there. [sadness] Bye.", "tag is not closed"),
    ("[joy [sadness] hello]", "cannot be nested"),
    ("[joy [sadness:0.5] very] sad", "cannot be nested"),
    ("Hello ] there", "closes no tag"),
    ("[joy]] hello", "cannot be nested"),
    ("你好，世界", "Chinese characters"),
    ("Hello 世界", "Chinese characters"),
    ("مرحبا بالعالم", "Arabic letters"),
    ("Привет, мир", "Cyrillic letters"),
    ("שלום", "Hebrew letters"),
    ("こんにちは", "Japanese"),
    ("안녕하세요", "Korean"),
    ("[joy] नमस्ते", "Devanagari letters"),
    ("ᚠᚢᚦ runes", "contains letters"),
    ("<speak>Hello there.</speak>", "SSML"),
    ('Hello <break time="2s"/> there.', "SSML"),
    ("<prosody rate='slow'>Hello</prosody>", "SSML"),
    ('<?xml version="1.0"?><speak>Hi</speak>', "SSML"),
    ("<SPEAK>Hi</SPEAK>", "SSML"),
]


@pytest.mark.parametrize(("text", "match"), UNSPEAKABLE)
def test_unspeakable_text_is_refused_before_any_synthesis(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, match: str
) -> None:
    from generators.speech import voice as speech_voice

    def no_synthesis(*_a: Any, **_k: Any) -> None:
        raise AssertionError("validation must fail before the voice is used")

    monkeypatch.setattr(speech_voice.Voice, "speak", no_synthesis)
    monkeypatch.setattr(speech_voice.Voice, "phonemize", no_synthesis)
    msg = _reject(tmp_path, match, text=text)
    assert msg.startswith("params: text: ") and ("write" in msg or "choose" in msg)
    assert not list(tmp_path.iterdir())  # no file, no temp file


@pytest.mark.parametrize(
    "text",
    [
        "Café, naïve, Ångström, Straße, Øresund, Kraków.",  # accented Latin
        "The angle α is larger than β.",  # espeak names Greek letters in every language
        "Ｆｕｌｌｗｉｄｔｈ ℝ µm ª 5 € ™ ½ 😀",  # letterlike forms and symbols
        "If a < b and c > d, then stop.",  # comparison signs are not markup
        "[joy] Hi [[ h ]] there",  # raw phonemes for Piper
    ],
)
def test_speakable_text_passes_validation(text: str) -> None:
    from generators.speech.params import SpeechParams

    assert SpeechParams(text=text).text == text


def test_cli_refuses_unspeakable_text_with_exit_2(tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "a.wav"
    for text in ("[joy hello there", "你好", "<speak>Hi</speak>"):
        code = cli_main(["generate", "speech", "--no-history", "-o", str(out), "--text", text])
        err = capsys.readouterr().err.strip()
        assert code == 2 and len(err.splitlines()) == 1 and "text" in err
    assert not list(tmp_path.iterdir())


def test_long_take_streams_to_the_file_at_either_rate(tmp_path: Path) -> None:
    text = "One, two, three. Four five six seven. Eight nine ten."
    a = _say(tmp_path, text, name="a")
    b = _say(tmp_path, text, name="b", ext=".flac", sample_rate=48000)
    for art, rate in ((a, 22050), (b, 48000)):
        data, got = soundfile.read(str(art.path))
        assert got == rate
        # each chunk is a whole number of resampling periods: output time = voice time
        assert len(data) / rate == pytest.approx(art.features["duration_s"], abs=1e-4)
        assert art.metadata["speech"]["phonemes"][-1]["end"] == pytest.approx(
            art.features["duration_s"], abs=0.01
        )
        assert art.features["peak_dbfs"] <= PEAK_DBFS + 0.01
    # 48 kHz rounds each pause up to a whole period of 147 voice samples (< 6.7 ms)
    longer = b.features["duration_s"] - a.features["duration_s"]
    assert 0.0 <= longer < 0.0067 * a.features["sentences"]
    assert a.features["median_f0_hz"] == pytest.approx(b.features["median_f0_hz"], rel=1e-6)


def test_broken_local_voice_is_a_one_line_input_error(tmp_path: Path) -> None:
    from generators.speech.voice import builtin_voices

    model = tmp_path / "mine.onnx"
    model.symlink_to(builtin_voices()["joe"])
    config = tmp_path / "mine.onnx.json"
    for text, match in (('{"audio": {}}', "config lacks 'num_symbols'"), ("[1]", "JSON object")):
        config.write_text(text)
        msg = _reject(tmp_path, match, text="Hi.", voice=str(model))
        assert msg.startswith("voice: cannot load mine.onnx")


def test_string_options_as_the_cli_passes_them(tmp_path: Path) -> None:
    art = _say(tmp_path, TEXT, ext=".flac", sample_rate="48000")
    data, rate = soundfile.read(str(art.path))
    assert rate == 48000 and art.metadata["speech"]["sample_rate"] == 48000
    assert abs(len(data) / rate - art.features["duration_s"]) < 0.01


def test_emotion_moves_pitch_rate_and_level(tmp_path: Path) -> None:
    text = "I told you about it yesterday, and you said nothing at all."
    feats = {
        name: _say(tmp_path, text, cond, name).features
        for name, cond in (
            ("neutral", Condition.neutral()),
            ("anger", Condition.from_mixture({"anger": 1.0}, 0.8)),
            ("sadness", Condition.from_mixture({"sadness": 1.0}, 0.8)),
        )
    }
    f0 = {k: v["median_f0_hz"] for k, v in feats.items()}
    dur = {k: v["duration_s"] for k, v in feats.items()}
    rms = {k: v["rms_dbfs"] for k, v in feats.items()}
    assert f0["anger"] > f0["neutral"] > f0["sadness"], f0
    assert dur["sadness"] > dur["neutral"] > dur["anger"], dur
    assert rms["anger"] > rms["neutral"] > rms["sadness"], rms


def test_strongest_emotion_never_clips(tmp_path: Path) -> None:
    cond = Condition.from_mixture({"anger": 1.0}, 1.0)
    art = _say(tmp_path, "Get out of here, right now! I mean it!", cond)
    data, _ = soundfile.read(str(art.path))
    assert np.all(np.isfinite(data))
    assert float(np.max(np.abs(data))) <= 10 ** (PEAK_DBFS / 20) + 1e-3


def test_tags_make_segments_and_phonemes_fit_the_audio(tmp_path: Path) -> None:
    art = _say(tmp_path, "[joy] Good morning! [sadness:0.6] But it rained.")
    meta = art.metadata["speech"]
    segs = meta["segments"]
    assert [s["text"] for s in segs] == ["Good morning!", "But it rained."]
    assert segs[0]["condition"]["mixture"] == {"joy": 1.0}
    assert segs[1]["condition"]["intensity"] == pytest.approx(0.6)
    assert segs[0]["end"] == segs[1]["start"]
    phonemes = meta["phonemes"]
    starts = [p["start"] for p in phonemes]
    assert starts == sorted(starts) and all(p["end"] > p["start"] for p in phonemes)
    assert all(len(p["phoneme"]) == 1 and p["phoneme"] not in "^$ ˈˌ" for p in phonemes)
    assert phonemes[-1]["end"] == pytest.approx(art.features["duration_s"], abs=0.01)
    spoken = [p["phoneme"] for p in phonemes if p["phoneme"] != "_"]
    assert spoken[:4] == ["ɡ", "ʊ", "d", "m"]
    assert meta["voice"] == "joe" and meta["sample_rate"] == 22050
    json.dumps(art.metadata)  # all plain JSON


def test_joins_are_click_free_and_level_continuous(tmp_path: Path) -> None:
    text = "[anger] Stop that right now. [anger] I said stop it now. [sadness] Oh well."
    art = _say(tmp_path, text)
    data, rate = soundfile.read(str(art.path))
    segs = art.metadata["speech"]["segments"]
    for seg in segs[1:]:
        i = int(seg["start"] * rate)
        window = data[max(0, i - int(0.02 * rate)) : i + int(0.02 * rate)]
        assert float(np.max(np.abs(window))) < 0.02, "a join is not in silence"
        assert float(np.max(np.abs(np.diff(window)))) < 0.01, "a click at a join"

    def level(seg: dict[str, Any]) -> float:
        part = data[int(seg["start"] * rate) : int(seg["end"] * rate)]
        blocks = part[: len(part) // 441 * 441].reshape(-1, 441)
        power = np.mean(blocks**2, axis=1)
        return float(10 * np.log10(np.mean(power[power > power.max() * 1e-3])))

    # The same emotion on both sides of a join keeps the level.
    assert abs(level(segs[0]) - level(segs[1])) < 3.0


def test_trajectory_is_stretched_over_the_line(tmp_path: Path) -> None:
    """A 20 s arc on a ~4 s line: the arc's whole course is heard (joy at the start, sadness
    by the end), and the metadata says how it was laid onto the line."""
    arc = Trajectory.of(
        [
            (0.0, Condition.from_mixture({"joy": 1.0}, 0.8)),
            (20.0, Condition.from_mixture({"sadness": 1.0}, 0.8)),
        ],
        interpolation="linear",
    )
    text = "The morning was bright. Then the clouds came in. Now it is dark and cold."
    art = _say(tmp_path, text, trajectory=arc)
    log = art.metadata["prosody"]
    assert len(log) == 3
    shifts = [row["f0_shift"] for row in log]
    assert shifts[0] > shifts[1] > shifts[2]
    duration = art.features["duration_s"]
    assert duration < 8.0
    mapping = art.metadata["arc_mapping"]
    assert mapping["mode"] == "stretched"
    assert mapping["arc_seconds"] == 20.0
    assert mapping["media_seconds"] == pytest.approx(duration, abs=0.01)
    anchors = np.array(mapping["anchors"])
    assert anchors[0].tolist() == [0.0, 0.0] and anchors[-1, 1] == 20.0
    assert np.all(np.diff(anchors, axis=0) >= 0)  # both clocks run forwards together
    # Each sentence starts where the anchors put it on the arc: the third one well past
    # the arc's middle, although it begins under 3 s into the line.
    for row in log:
        at = float(np.interp(row["start"], anchors[:, 0], anchors[:, 1]))
        want = speech_prosody.controls(arc.at(at))["f0_shift"]
        assert row["f0_shift"] == pytest.approx(want, abs=1e-3)
    assert np.interp(log[2]["start"], anchors[:, 0], anchors[:, 1]) > 10.0 > log[2]["start"]
    assert art.metadata["speech"]["segments"][0]["condition"]["mixture"] == {"joy": 1.0}


def test_arc_length_does_not_change_the_line(tmp_path: Path) -> None:
    """Stretched, not clocked: the same arc given over 2 s or 60 s says the line the same
    way (the arc's shape over the line is what counts)."""

    def arc(seconds: float) -> Trajectory:
        return Trajectory.of(
            [
                (0.0, Condition.from_mixture({"anger": 1.0})),
                (seconds, Condition.from_mixture({"sadness": 1.0})),
            ]
        )

    text = "Open the door. Leave it open."
    short = _say(tmp_path, text, name="short", trajectory=arc(2.0))
    long = _say(tmp_path, text, name="long", trajectory=arc(60.0))
    a, _ = soundfile.read(short.path)
    b, _ = soundfile.read(long.path)
    assert a.shape == b.shape and np.max(np.abs(a - b)) < 1e-3
    assert long.metadata["arc_mapping"]["arc_seconds"] == 60.0


def test_seed_changes_the_take_but_not_the_words(tmp_path: Path) -> None:
    a = _say(tmp_path, TEXT, name="a", seed=1)
    b = _say(tmp_path, TEXT, name="b", seed=2)
    assert a.path.read_bytes() != b.path.read_bytes()
    names = [[p["phoneme"] for p in x.metadata["speech"]["phonemes"]] for x in (a, b)]
    assert [n for n in names[0] if n != "_"] == [n for n in names[1] if n != "_"]


def test_tag_parser() -> None:
    parts = speech_tags.parse("Hi. [joy:0.3,trust:0.3] Love. [neutral] Plain. [calm] Calm.")
    assert parts[0].condition is None
    love = parts[1].condition
    assert love is not None and love.mixture == {"joy": 0.5, "trust": 0.5}
    assert love is not None and love.intensity == pytest.approx(0.6)
    assert parts[2].condition == Condition.neutral()
    assert parts[3].condition is not None and parts[3].condition.label == "calm"
    for bad, match in (
        ("[joy:2] x", "weight"),
        ("[joy:0.8,anger:0.8] x", "add up"),
        ("[] x", "empty"),
        ("[neutral:0.5] x", "no weight"),
    ):
        with pytest.raises(ValueError, match=match):
            speech_tags.parse(bad)
    assert speech_tags.spoken_text("[joy] Hi [[ h ]] there") == "Hi [[ h ]] there"


def test_cli_generate_with_emotion_and_tags(tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "a.wav"
    base = ["generate", "speech", "--no-history", "--json", "-o", str(out)]
    assert (
        cli_main([*base, "--text", "Leave me alone.", "--emotion", "anger", "--intensity", "0.9"])
        == 0
    )
    record = json.loads(capsys.readouterr().out)
    assert record["condition"]["mixture"] == {"anger": 1.0} and out.is_file()
    assert (
        cli_main([*base, "--text", "[fear] Who is there?", "--valence", "0.2", "--arousal", "0.5"])
        == 0
    )
    capsys.readouterr()
    assert cli_main([*base, "--text", "[fearr] Who?"]) == 2
    assert "did you mean fear" in capsys.readouterr().err


def _praat_f0_st(path: Path) -> tuple[float, float]:
    """Median and SD of F0 in semitones (re 100 Hz) by Praat's pitch tracker."""
    import parselmouth

    pitch = parselmouth.Sound(str(path)).to_pitch(pitch_floor=60.0, pitch_ceiling=500.0)
    hz = pitch.selected_array["frequency"]
    st = 12.0 * np.log2(hz[hz > 0] / 100.0)
    return float(np.median(st)), float(np.std(st))


@pytest.mark.parametrize("text", ["I found the letter on the table.", "Thank you."])
def test_sadness_and_anger_keep_their_pitch_on_a_short_sentence(tmp_path: Path, text: str) -> None:
    """At full intensity, sadness is clearly lower than neutral and less varied, anger
    higher and more varied (Juslin & Laukka 2003, F0 level and variability rows), on a
    short sentence as on a long one."""
    takes = {
        name: _praat_f0_st(_say(tmp_path, text, cond, name=name).path)
        for name, cond in (
            ("neutral", Condition.neutral()),
            ("sadness", Condition.from_mixture({"sadness": 1.0}, 1.0)),
            ("anger", Condition.from_mixture({"anger": 1.0}, 1.0)),
        )
    }
    (n_level, n_sd), (s_level, s_sd), (a_level, a_sd) = takes.values()
    assert s_level <= n_level - 3.0
    assert s_sd < n_sd
    assert a_level >= n_level + 2.5
    assert a_sd > n_sd


def test_cli_says_how_the_arc_was_laid_onto_the_line(tmp_path: Path, capsys: Any) -> None:
    arc = Trajectory.of(
        [
            (0.0, Condition.from_mixture({"joy": 1.0})),
            (20.0, Condition.from_mixture({"anger": 1.0})),
        ]
    )
    path = tmp_path / "arc.json"
    path.write_text(arc.to_json())
    out = tmp_path / "line.wav"
    args = ["generate", "speech", "--no-history", "-o", str(out), "--trajectory", str(path)]
    assert cli_main([*args, "--text", "Wait for me."]) == 0
    wrote = capsys.readouterr().out
    assert "(trajectory, 20 s arc stretched onto " in wrote
    assert cli_main(["inspect", str(out)]) == 0
    shown = capsys.readouterr().out.splitlines()
    assert shown[0].startswith("trajectory over 20 s")
    assert shown[1].startswith("arc mapping: 20 s arc stretched onto ")


# -- quality first: neutral is Piper's own take ---------------------------------------------


def test_neutral_is_pipers_own_output(tmp_path: Path) -> None:
    from generators.speech import voice as speech_voice

    text = "The meeting moved to Thursday."
    art = _say(tmp_path, text, Condition.neutral(), seed=3)
    assert art.metadata["prosody"][0]["stages"] == []  # no pitch, spectrum or pause edit
    spoken = speech_voice.load(speech_voice.resolve_voice("joe"))
    (phonemes,) = list(speech_voice.sentences(spoken, text))
    plain = spoken.speak(
        phonemes, np.random.default_rng([3, 0]), length_scale=1.0, noise_scale=0.667, noise_w=0.8
    ).audio.astype(np.float64)
    data, rate = soundfile.read(str(art.path))
    assert rate == spoken.sample_rate and len(data) >= len(plain)
    edge = int(0.02 * rate)  # the 10 ms fades at both ends
    a, b = data[edge : len(plain) - edge], plain[edge:-edge]
    gain = float(np.dot(a, b) / np.dot(b, b))
    assert gain > 0
    residual = a - gain * b
    assert float(np.sqrt(np.mean(residual**2))) < 1e-3 * float(np.sqrt(np.mean(a**2))) + 1e-4
    assert float(np.max(np.abs(data[len(plain) :]))) < 1e-3  # then only the pause after it


def test_emotion_edits_only_what_it_asks_for(tmp_path: Path) -> None:
    quiet = Condition.from_vad(0.0, 0.0, 0.0)
    assert _say(tmp_path, TEXT, quiet, "q").metadata["prosody"][0]["stages"] == []
    art = _say(tmp_path, TEXT, Condition.from_mixture({"fear": 1.0}, 0.8), "f")
    assert {"pitch", "spectrum"} <= set(art.metadata["prosody"][0]["stages"])


# -- a distinct voice per primary -----------------------------------------------------------

FAMILIES = {
    "f0_level": ("f0_shift",),
    "f0_variability": ("f0_range",),
    "contour": ("final_contour",),
    "rate_pauses": ("rate", "pause"),
    "loudness": ("energy_db", "energy_var"),
    "voice_quality": ("tilt_db", "breathiness", "irregularity"),
}
# What counts as a clear difference in each control (about a just-noticeable step).
STEP = {
    "f0_shift": 1.0,
    "f0_range": 0.15,
    "final_contour": 1.0,
    "rate": 0.07,
    "pause": 0.15,
    "energy_db": 1.5,
    "energy_var": 0.15,
    "tilt_db": 1.0,
    "breathiness": 0.1,
    "irregularity": 0.15,
}


def test_every_primary_has_its_own_direction() -> None:
    from generators.speech import prosody
    from studio.emotion import PRIMARY_IDS

    ctl = {p: prosody.controls(Condition.from_mixture({p: 1.0}, 1.0)) for p in PRIMARY_IDS}
    neutral = prosody.neutral()
    used: set[str] = set()
    for p in PRIMARY_IDS:  # away from neutral in four or more of the six cue families ...
        moved = [
            f
            for f, names in FAMILIES.items()
            if any(abs(ctl[p][n] - neutral[n]) >= STEP[n] for n in names)
        ]
        assert len(moved) >= 4, (p, moved)
        used.update(moved)
        for q in PRIMARY_IDS:  # ... and apart from every other primary in at least two
            if q == p:
                continue
            apart = [
                f
                for f, names in FAMILIES.items()
                if any(abs(ctl[p][n] - ctl[q][n]) >= STEP[n] for n in names)
            ]
            assert len(apart) >= 2, (p, q, apart)
    assert used == set(FAMILIES)
    # directions from the literature (Juslin & Laukka 2003; Murray & Arnott 1993)
    assert ctl["sadness"]["f0_range"] < 1.0 and ctl["sadness"]["noise_scale"] < 0.667
    assert ctl["sadness"]["irregularity"] == 0.0  # no jitter at low F0: it turns to creak
    assert ctl["anger"]["tilt_db"] > ctl["joy"]["tilt_db"] > ctl["sadness"]["tilt_db"]
    assert ctl["anger"]["final_contour"] < 0 < ctl["joy"]["final_contour"]
    assert ctl["surprise"]["final_contour"] > ctl["joy"]["final_contour"]
    assert ctl["disgust"]["rate"] < 1.0 and ctl["fear"]["breathiness"] > 0.2
    weak = prosody.controls(Condition.from_mixture({"anger": 1.0}, 0.3))
    assert weak["f0_shift"] == pytest.approx(0.3 * ctl["anger"]["f0_shift"], rel=1e-6)


def test_sadness_narrows_the_melody_and_anger_widens_it(tmp_path: Path) -> None:
    text = "I found the letter on the kitchen table this morning."
    sd = {
        name: _say(tmp_path, text, cond, name).features["f0_sd_semitones"]
        for name, cond in (
            ("neutral", Condition.neutral()),
            ("sadness", Condition.from_mixture({"sadness": 1.0}, 1.0)),
            ("anger", Condition.from_mixture({"anger": 1.0}, 1.0)),
        )
    }
    assert sd["sadness"] < sd["neutral"] < sd["anger"], sd


# -- bounded work ---------------------------------------------------------------------------


def test_breath_groups() -> None:
    from generators.speech import breath

    words = " ".join(f"word{i % 10}" for i in range(900))  # ~5,000 characters, no punctuation
    groups = breath.groups(words)
    assert all(len(g) <= breath.MAX_CHARS for g in groups) and len(groups) >= 25
    assert " ".join(groups) == words  # cut only at spaces: no word is split or lost
    text = "Short one. Another short one! " + ", ".join(["a clause of several words"] * 12)
    got = breath.groups(text)
    assert got[:2] == ["Short one.", "Another short one!"]
    assert all(g.endswith(",") for g in got[2:-1])  # long sentence cut after commas
    token = "x" * 450
    assert [len(g) for g in breath.groups(token)] == [200, 200, 50]
    assert breath.groups("... !!") == []
    long = ["a", "b", " ", "c"] * 300
    pieces = breath.split_phonemes(long, 100)
    assert all(len(p) <= 100 for p in pieces)
    assert sum(len(p) for p in pieces) + len(pieces) - 1 == len(long)  # one gap per cut


def test_long_text_without_punctuation_goes_group_by_group(tmp_path: Path) -> None:
    text = " ".join(["the river runs past the mill and the farms"] * 16)  # ~700 characters
    events: list[str] = []
    out = tmp_path / "long.wav"
    req = Request("speech", out, condition=Condition.neutral(), params={"text": text}, seed=0)
    art = SpeechGenerator().generate(req, progress=lambda _f, msg: events.append(msg))
    n = art.features["breath_groups"]
    assert n >= 4 and art.features["sentences"] >= n
    assert [e for e in events if e.startswith("breath group")] == [
        f"breath group {k} of {n}" for k in range(1, n + 1)
    ]
    phonemes = art.metadata["speech"]["phonemes"]
    spoken = [p for p in phonemes if p["phoneme"] != "_"]
    assert len(spoken) > 400  # all of it was said
    assert phonemes[-1]["end"] == pytest.approx(art.features["duration_s"], abs=0.01)


def test_resampling_one_group_at_a_time_keeps_the_level_between_groups() -> None:
    """A loud group (peaks at the limiter's ceiling) and a quiet one resampled to 48 kHz
    separately keep the same gain: the filter's overshoot is limited, not scaled away."""
    from generators.speech.assemble import limit, resample

    rng = np.random.default_rng(0)
    # A fricative-like group whose peaks press against the limiter's ceiling: resampling
    # overshoots there (the case where a per-group gain took 20 % off the whole group).
    loud = limit(rng.normal(0.0, 0.3, 22050))
    quiet = 0.1 * loud
    ceiling = 10.0 ** (PEAK_DBFS / 20.0)

    def rms(y: np.ndarray) -> float:
        return float(np.sqrt(np.mean(y**2)))

    up_loud, up_quiet = resample(loud, 22050, 48000), resample(quiet, 22050, 48000)
    assert np.max(np.abs(up_loud)) <= ceiling + 1e-9
    assert rms(up_loud) / rms(loud) == pytest.approx(rms(up_quiet) / rms(quiet), rel=0.01)


def test_tagged_stretches_are_reported_when_written_and_inspected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "t.wav"
    text = "[joy] Good morning! [sadness:0.6] But it rained."
    assert cli_main(["generate", "speech", "--text", text, "-o", str(out), "--no-history"]) == 0
    assert "tagged joy → sadness" in capsys.readouterr().out
    assert cli_main(["inspect", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == "tagged in the text:"
    assert lines[2].endswith("joy (intensity 0.60)") and lines[2].startswith("  0.00–")
    assert lines[3].endswith("sadness (intensity 0.60)")
