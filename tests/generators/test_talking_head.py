"""Tests of the talking-head generator: conformance, the MP4 it writes, bad input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
import soundfile

from generators.talking_head import TalkingHeadGenerator
from studio.emotion import Condition, Trajectory
from studio.plugins.contract import InputError, Request
from studio.plugins.testing import GeneratorConformance

RATE = 22050


def speech_like(seconds: float, silent_tail: float = 0.0, seed: int = 0) -> np.ndarray:
    """Voiced syllables (a harmonic tone with formant-like partials) at ~4 per second,
    amplitude-modulated like speech, then an optional silent tail."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    f0 = 120 + 20 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(f0) / RATE
    voice = sum(np.sin(k * phase) / k for k in range(1, 12))
    syllables = np.clip(np.sin(2 * np.pi * 4.0 * t + rng.uniform(0, 6)), 0, None) ** 2
    out = 0.25 * voice * syllables + 0.002 * rng.standard_normal(len(t))
    tail = np.zeros(int(silent_tail * RATE))
    return np.concatenate([out, tail]).astype(np.float32)


@pytest.fixture(scope="session")
def voice_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("voice") / "voice.wav"
    soundfile.write(path, speech_like(1.6), RATE)
    return path


class TestTalkingHeadConformance(GeneratorConformance):
    generator_class = TalkingHeadGenerator
    extension = ".mp4"
    params: dict[str, Any] = {"size": 256}
    invalid_params = [
        {"fps": 0},
        {"size": 10000},
        {"size": 257},
        {"character": "nobody"},
        {"audio": None},
        {"audio": "/no/such/voice.wav"},
        {"text": "   "},
        {"head_motion": 3},
        {"expression": -1},
    ]

    @pytest.fixture(autouse=True)
    def _with_audio(self, voice_wav: Path) -> None:
        self.params = {"size": 256, "audio": str(voice_wav)}  # type: ignore[misc]


def _generate(folder: Path, audio: Path, condition: Condition | None = None, **params: Any) -> Any:
    params = {"size": 256, "audio": str(audio), **params}
    request = Request(
        "talking-head",
        folder / "clip.mp4",
        condition=condition or Condition.from_mixture({"joy": 1.0}),
        params=params,
        seed=3,
    )
    return TalkingHeadGenerator().generate(request)


def test_mp4_has_one_h264_and_one_aac_stream_of_the_audio_length(
    tmp_path: Path, voice_wav: Path
) -> None:
    art = _generate(tmp_path, voice_wav, fps=30, character="milo")
    with av.open(str(art.path)) as container:
        kinds = sorted((s.type, s.codec_context.name) for s in container.streams)
        assert kinds == [("audio", "aac"), ("video", "h264")]
        video = container.streams.video[0]
        assert video.codec_context.pix_fmt == "yuv420p"
        assert (video.codec_context.width, video.codec_context.height) == (256, 256)
        frames = sum(1 for _ in container.decode(video=0))
    audio_s = soundfile.info(str(voice_wav)).duration
    assert abs(frames / 30 - audio_s) <= 1 / 30
    meta = art.metadata["talking_head"]
    assert meta["frames"] == frames and meta["fps"] == 30
    for name in ("AU1", "AU12", "AU45", "viseme", "mouth_open", "gaze_x", "yaw", "roll"):
        assert len(meta["tracks"][name]) == frames, name
    assert art.features["duration_s"] == pytest.approx(audio_s, abs=1 / 30)


def test_mouth_closes_in_silence_and_moves_with_speech(tmp_path: Path) -> None:
    wav = tmp_path / "talk_then_silence.wav"
    soundfile.write(wav, speech_like(1.5, silent_tail=1.0), RATE)
    art = _generate(tmp_path, wav, condition=Condition.neutral())
    mouth = np.array(art.metadata["talking_head"]["tracks"]["mouth_open"])
    fps = art.metadata["talking_head"]["fps"]
    talking, silent = mouth[: int(1.4 * fps)], mouth[int(1.7 * fps) :]
    assert talking.max() > 0.4 and talking.std() > 0.1
    assert silent.max() < 0.05


def test_corrupt_audio_is_a_one_line_input_error(tmp_path: Path) -> None:
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt garbage" * 3)
    with pytest.raises(InputError, match=r"cannot read audio .*broken\.wav") as info:
        _generate(tmp_path, bad)
    assert "\n" not in str(info.value)
    assert not (tmp_path / "clip.mp4").exists()


def test_unknown_character_lists_the_known_ones(tmp_path: Path, voice_wav: Path) -> None:
    with pytest.raises(ValueError, match="ava, milo"):
        _generate(tmp_path, voice_wav, character="zed")


def test_expression_follows_a_trajectory(tmp_path: Path, voice_wav: Path) -> None:
    arc = Trajectory.of(
        [
            (0.0, Condition.from_mixture({"joy": 1.0})),
            (1.2, Condition.from_mixture({"sadness": 1.0})),
        ]
    )
    request = Request(
        "talking-head",
        tmp_path / "arc.mp4",
        trajectory=arc,
        params={"size": 256, "audio": str(voice_wav)},
    )
    tracks = TalkingHeadGenerator().generate(request).metadata["talking_head"]["tracks"]
    assert tracks["AU12"][0] > 0.5 > tracks["AU12"][-1]
    assert tracks["AU15"][-1] > 0.4 > tracks["AU15"][0]


def test_a_long_arc_is_stretched_over_the_recording(tmp_path: Path, voice_wav: Path) -> None:
    """A 20 s arc on a 1.6 s recording: the face goes the whole way (joy to sadness), and
    the metadata says how the arc was laid onto the clip."""
    arc = Trajectory.of(
        [
            (0.0, Condition.from_mixture({"joy": 1.0})),
            (20.0, Condition.from_mixture({"sadness": 1.0})),
        ]
    )
    request = Request(
        "talking-head",
        tmp_path / "arc.mp4",
        trajectory=arc,
        params={"size": 256, "audio": str(voice_wav)},
    )
    meta = TalkingHeadGenerator().generate(request).metadata
    tracks = meta["talking_head"]["tracks"]
    assert tracks["AU12"][0] > 0.5 > tracks["AU12"][-1]
    assert tracks["AU15"][-1] > 0.4 > tracks["AU15"][0]
    mapping = meta["arc_mapping"]
    assert mapping["mode"] == "stretched" and mapping["by"] == "recording length"
    assert mapping["arc_seconds"] == 20.0 and mapping["media_seconds"] == pytest.approx(1.6)


def test_text_and_arc_map_the_face_as_the_voice(tmp_path: Path) -> None:
    """With --text the face is at the same point of the arc as the voice on every frame:
    it takes the speech plugin's own anchors."""
    from generators.speech import SpeechGenerator

    arc = Trajectory.of(
        [
            (0.0, Condition.from_mixture({"anger": 1.0})),
            (30.0, Condition.from_mixture({"joy": 1.0})),
        ]
    )
    text = "Stop that now. Well, all right then."
    params = {"size": 256, "text": text}
    face = TalkingHeadGenerator().generate(
        Request("talking-head", tmp_path / "t.mp4", trajectory=arc, params=params, seed=5)
    )
    voice = SpeechGenerator().generate(
        Request("speech", tmp_path / "v.wav", trajectory=arc, params={"text": text}, seed=5)
    )
    mapped, spoken = face.metadata["arc_mapping"], voice.metadata["arc_mapping"]
    assert mapped["by"] == "spoken phonemes"
    assert mapped["anchors"] == spoken["anchors"]
    assert mapped["arc_seconds"] == 30.0
    tracks = face.metadata["talking_head"]["tracks"]
    assert tracks["AU4"][0] > 0.5 and tracks["AU12"][-1] > 0.5  # the whole arc, anger to joy


def test_expression_and_head_motion_scale_separately(tmp_path: Path, voice_wav: Path) -> None:
    still = _generate(tmp_path, voice_wav, head_motion=0, expression=0).metadata["talking_head"]
    assert max(abs(v) for v in still["tracks"]["yaw"]) == 0
    assert max(still["tracks"]["AU12"]) == 0 and max(still["tracks"]["AU6"]) == 0
    lively = _generate(tmp_path, voice_wav, head_motion=2).metadata["talking_head"]
    assert np.std(lively["tracks"]["yaw"]) > 0.5
    assert min(lively["tracks"]["AU12"]) > 0.5


def test_mp3_input_is_read(tmp_path: Path) -> None:
    mp3 = tmp_path / "voice.mp3"
    soundfile.write(mp3, speech_like(1.0), RATE, format="MP3")
    art = _generate(tmp_path, mp3)
    assert art.features["lip_sync"] == "audio" and art.features["frames"] == 25


def test_lower_face_pixels_follow_the_loudness_with_head_motion_on(tmp_path: Path) -> None:
    """Lip sync seen in the decoded video alone: the lower-face pixels that change most
    move with the audio's loudness, and the head's movement does not drown them."""
    from generators.talking_head.rig import FACE_UNITS, HEAD_CENTRE

    wav = tmp_path / "talk.wav"
    soundfile.write(wav, speech_like(2.4, silent_tail=0.4, seed=4), RATE)
    art = _generate(tmp_path, wav, condition=Condition.from_mixture({"fear": 1.0}), head_motion=1)
    with av.open(str(art.path)) as container:
        frames = [f.to_ndarray(format="gray").astype(np.float32) for f in container.decode(video=0)]
    samples, rate = soundfile.read(wav, dtype="float32")
    n, hop = len(frames), rate / 25
    rms = np.array(
        [np.sqrt(np.mean(samples[int(i * hop) : int((i + 1) * hop)] ** 2)) for i in range(n)]
    )
    k = 256 / FACE_UNITS
    cx, cy = HEAD_CENTRE
    box = (
        slice(int((cy + 45) * k), int((cy + 135) * k)),
        slice(int((cx - 70) * k), int((cx + 70) * k)),
    )
    lower = np.stack([f[box] for f in frames])
    spread = lower.std(axis=0)
    top = spread >= np.percentile(spread, 95)
    rest = np.median(lower[rms <= np.percentile(rms, 15)][:, top], axis=0)
    activity = np.abs(lower[:, top] - rest).mean(axis=1)
    assert np.corrcoef(activity, rms**0.6)[0, 1] > 0.6


def test_the_face_follows_inline_tags_in_the_text(tmp_path: Path) -> None:
    """`[joy] … [sadness] …`: the voice and the face change together, and the file records
    the stretches each tag set."""
    request = Request(
        "talking-head",
        tmp_path / "tags.mp4",
        condition=Condition.neutral(),
        params={"size": 256, "text": "[joy] What a lovely morning! [sadness] Then it rained."},
        seed=1,
    )
    artifact = TalkingHeadGenerator().generate(request)
    segments = artifact.metadata["speech"]["segments"]
    assert [s["condition"]["name"] for s in segments] == ["joy", "sadness"]
    assert all(s["tagged"] for s in segments)
    head = artifact.metadata["talking_head"]
    fps, tracks = head["fps"], head["tracks"]

    def mean(track: str, seg: dict[str, Any]) -> float:
        a, b = round((seg["start"] + 0.3) * fps), round((seg["end"] - 0.3) * fps)
        return float(np.mean(tracks[track][a:b]))

    joy, sad = segments
    assert mean("AU12", joy) > 0.4 > mean("AU12", sad)  # the smile is the joy stretch's
    assert mean("AU15", sad) > 0.4 > mean("AU15", joy)  # lip corners down in sadness


def test_tags_ease_in_before_the_words_and_a_later_tag_takes_over() -> None:
    from generators.talking_head.clip import TAG_LEAD_S, follow_tags
    from generators.talking_head.speech import Tagged

    joy, sad = Condition.from_mixture({"joy": 1.0}), Condition.from_mixture({"sadness": 1.0})
    times = np.arange(0.0, 4.0, 0.04)
    base = [Condition.neutral()] * len(times)
    out = follow_tags(base, times, [Tagged(1.0, 2.0, joy), Tagged(2.0, 3.0, sad)])
    at = {round(t, 2): c for t, c in zip(times.tolist(), out, strict=True)}
    assert at[0.0] == Condition.neutral()  # before the lead-in
    assert 0 < at[round(1.0 - TAG_LEAD_S / 2, 2)].intensity < joy.intensity  # easing in
    assert at[1.4] == joy and at[2.4] == sad
    assert at[3.96] == Condition.neutral()  # eased out after the last words
