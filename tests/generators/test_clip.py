"""The clip generator end to end: conformance, the finished MP4 and its stems, the arc in
the record, the command, bad input and a failing part."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
import soundfile

from generators.clip import ClipGenerator, mix
from generators.clip.parts import PartFailed
from studio import session
from studio.cli import main
from studio.emotion import Condition, Trajectory
from studio.library.metadata import read_embedded
from studio.plugins import fakes
from studio.plugins.contract import Request
from studio.plugins.testing import GeneratorConformance

PARTS = ("speech", "talking-head", "music", "image")
SCRIPT = (
    "[joy:0.7] What a wonderful morning it was! We walked down to the sea.\n\n"
    "[fear:0.7] Then the storm came, and I was scared."
)


def speech_like(seconds: float, rate: int = 22050) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    phase = 2 * np.pi * np.cumsum(120 + 20 * np.sin(2 * np.pi * 0.7 * t)) / rate
    voice = sum(np.sin(k * phase) / k for k in range(1, 10))
    syllables = np.clip(np.sin(2 * np.pi * 4.0 * t), 0, None) ** 2
    return (0.25 * voice * syllables).astype(np.float32)


@pytest.fixture(scope="module")
def voice_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("voice") / "voice.wav"
    soundfile.write(path, speech_like(1.2), 22050)
    return path


def make() -> ClipGenerator:
    return ClipGenerator(registry=fakes.registry(*PARTS))


class TestClipConformance(GeneratorConformance):
    generator_class = ClipGenerator
    extension = ".mp4"
    params: dict[str, Any] = {}
    invalid_params = [
        {"preset": "640x480"},
        {"fps": 24},
        {"loudness": -5},
        {"duck": 3},
        {"text": "   "},
        {"audio": "/no/such/voice.wav"},
        {"character": "nobody"},
    ]

    @pytest.fixture(autouse=True)
    def _with_audio(self, voice_wav: Path) -> None:
        self.params = {"audio": str(voice_wav)}  # type: ignore[misc]

    def make_generator(self) -> ClipGenerator:
        return make()


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, Any]]:
    """One clip from a tagged two-paragraph script, with stems, through the session."""
    folder = tmp_path_factory.mktemp("clip")
    out, stems = folder / "c.mp4", folder / "stems"
    registry = fakes.registry("clip", *PARTS)
    request = Request(
        generator="clip",
        output=out,
        condition=Condition.neutral(),
        params={"text": SCRIPT, "stems": str(stems)},
        seed=3,
    )
    result = session.generate(registry, request)
    return out, stems, dict(result.artifact.metadata)


def test_clip_is_h264_aac_with_the_arc_embedded(clip: tuple[Path, Path, dict[str, Any]]) -> None:
    out, _, meta = clip
    with av.open(str(out)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert video.codec_context.name == "h264" and audio.codec_context.name == "aac"
        assert (video.width, video.height) == (1280, 720)
        assert int(video.average_rate) == 25 and audio.rate == mix.RATE and audio.channels == 2
        frames = sum(1 for _ in container.decode(video=0))
    features = meta["features"]
    assert frames == features["frames"]
    embedded = read_embedded(out)
    assert embedded is not None
    arc = Trajectory.from_dict(embedded["arc"])
    names = [s["name"] for s in embedded["clip"]["sections"]]
    assert len(names) == 2 and names[0] != names[1]
    assert arc.at(1.5).mixture.get("joy", 0) > 0.5
    assert arc.at(features["duration_s"] - 1.0).mixture.get("fear", 0) > 0.5
    roles = [p["role"] for p in embedded["parts"]]
    assert {"voice", "face", "music", "backdrop"} <= set(roles)
    assert roles.count("voice") == 2  # a take per paragraph
    assert len(embedded["speech"]["segments"]) == 2


def test_mix_meets_loudness_true_peak_and_ducking(
    clip: tuple[Path, Path, dict[str, Any]],
) -> None:
    out, _, meta = clip
    import pyloudnorm

    with av.open(str(out)) as container:
        chunks = [f.to_ndarray() for f in container.decode(audio=0)]
    decoded = np.concatenate(chunks, axis=1).T.astype(np.float64)
    lufs = pyloudnorm.Meter(mix.RATE).integrated_loudness(decoded)
    assert lufs == pytest.approx(-16.0, abs=1.0)
    assert mix.true_peak(decoded.astype(np.float32)) <= -1.0
    assert meta["features"]["bed_ducking_db"] >= 8.0


def test_stems_are_written_and_tagged(clip: tuple[Path, Path, dict[str, Any]]) -> None:
    _, stems, meta = clip
    names = sorted(p.name for p in stems.iterdir())
    assert names == [
        "backdrop_01.png",
        "backdrop_02.png",
        "face.mov",
        "music.mid",
        "music.wav",
        "voice.wav",
    ]
    for name in names:
        payload = read_embedded(stems / name)
        assert payload is not None and ("condition" in payload or "trajectory" in payload), name
    assert read_embedded(stems / "voice.wav")["stem"]["role"] == "voice"
    voice, rate = soundfile.read(stems / "voice.wav")
    assert rate == mix.RATE and len(voice) / rate == pytest.approx(
        meta["features"]["duration_s"], abs=0.01
    )
    with av.open(str(stems / "face.mov")) as container:
        frame = next(container.decode(video=0)).to_ndarray(format="rgba")
    assert frame[0, 0, 3] == 0 and frame[..., 3].max() == 255  # clear ground, opaque face


def test_face_and_voice_line_up(clip: tuple[Path, Path, dict[str, Any]]) -> None:
    """The mouth opens when the voice in the MP4 speaks (lag within a frame)."""
    out, stems, _ = clip
    face = read_embedded(stems / "face.mov")
    mouth = np.asarray(face["talking_head"]["tracks"]["mouth_open"])
    with av.open(str(out)) as container:
        audio = np.concatenate([f.to_ndarray() for f in container.decode(audio=0)], axis=1)[0]
    hop = mix.RATE // 25
    n = min(len(mouth), len(audio) // hop)
    level = np.sqrt((audio[: n * hop].reshape(n, hop) ** 2).mean(axis=1))
    a, b = mouth[:n] - mouth[:n].mean(), level - level.mean()
    lags = range(-5, 6)
    corr = [np.dot(np.roll(a, k), b) for k in lags]
    assert abs(lags[int(np.argmax(corr))]) <= 1


def test_vertical_clip_with_auto_arc_from_the_command(tmp_path: Path) -> None:
    out = tmp_path / "v.mp4"
    code = main(
        [
            "generate",
            "clip",
            "-o",
            str(out),
            "--text",
            "I am so happy today! I am terrified of the storm.",
            "--arc",
            "auto",
            "--preset",
            "1080x1920",
            "--no-music",
            "--json",
        ],
        fakes.registry("clip", *PARTS),
    )
    assert code == 0
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        assert (stream.width, stream.height) == (1080, 1920)
        frame = next(container.decode(video=0)).to_ndarray(format="rgb24")
    embedded = read_embedded(out)
    names = [s["name"] for s in embedded["clip"]["sections"]]
    assert len(names) == 2 and names[0] != names[1]
    assert all(p["role"] != "music" for p in embedded["parts"])
    # Head and shoulders: the character fills the frame's width at the bottom.
    bottom = frame[-40:]
    assert bottom.std(axis=(0, 1)).mean() < 60  # the shirt, not a letterbox bar of backdrop


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--text", "   "], "text is empty"),
        (["--text", "你好世界"], "voice"),
        (["--text", "Hello.", "--preset", "640x480"], "preset"),
        (["--text", "Hello.", "--fps", "24"], "fps"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], says: str
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "c.mp4"
    code = main(["generate", "clip", "-o", str(out), *args], fakes.registry("clip", *PARTS))
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and says in err
    assert list(folder.iterdir()) == []


def test_audio_that_is_not_audio_or_too_long(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = tmp_path / "notes.wav"
    fake.write_text("not a sound at all")
    long = tmp_path / "long.wav"
    soundfile.write(long, np.zeros(8000 * 601, np.int16), 8000, subtype="PCM_16")
    for path, says in ((fake, "notes.wav"), (long, "minutes")):
        out = tmp_path / "c.mp4"
        code = main(
            ["generate", "clip", "-o", str(out), "--audio", str(path)],
            fakes.registry("clip", *PARTS),
        )
        err = capsys.readouterr().err.strip()
        assert code == 2 and says in err and len(err.splitlines()) == 1
        assert not out.exists()


def test_trajectory_shorter_than_the_voice(
    tmp_path: Path, voice_wav: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    joy, sad = Condition.from_mixture({"joy": 1.0}), Condition.from_mixture({"sadness": 1.0})
    arc = tmp_path / "arc.json"
    arc.write_text(Trajectory.of([(0.0, joy), (0.5, sad)]).to_json())
    out = tmp_path / "c.mp4"
    code = main(
        ["generate", "clip", "-o", str(out), "--audio", str(voice_wav), "--trajectory", str(arc)],
        fakes.registry("clip", *PARTS),
    )
    err = capsys.readouterr().err.strip()
    assert code == 2 and "trajectory" in err and "voice runs to" in err
    assert not out.exists()


def test_a_missing_part_fails_the_clip_naming_the_part(tmp_path: Path, voice_wav: Path) -> None:
    gen = ClipGenerator(registry=fakes.registry("speech", "talking-head", "image"))
    request = Request(
        generator="clip",
        output=tmp_path / "c.mp4",
        condition=Condition.neutral(),
        params={"audio": str(voice_wav)},
    )
    with pytest.raises(PartFailed, match="music part"):
        gen.generate(request)
    assert not (tmp_path / "c.mp4").exists()


def test_arc_command_prints_and_writes_the_arc(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "s.txt"
    script.write_text("I am so happy today!\n\nBut now I am not happy. I'm terrified!")
    out = tmp_path / "arc.json"
    assert main(["arc", str(script), "-o", str(out)], fakes.registry()) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4 and "ecstasy" in lines[0] and "not happy" in lines[1]
    traj = Trajectory.from_dict(json.loads(out.read_text()))
    assert (
        traj.at(0.5).mixture.get("joy", 0) > 0.5 and traj.at(traj.end).mixture.get("fear", 0) > 0.5
    )
    empty = tmp_path / "e.txt"
    empty.write_text("  \n")
    assert main(["arc", str(empty), "-o", str(tmp_path / "x.json")], fakes.registry()) == 2
    assert not (tmp_path / "x.json").exists()


def test_arc_auto_for_speech_tags_each_sentence(tmp_path: Path) -> None:
    out = tmp_path / "s.wav"
    code = main(
        [
            "generate",
            "speech",
            "-o",
            str(out),
            "--text",
            "I am so happy! I am terrified.",
            "--arc",
            "auto",
        ],
        fakes.registry("speech"),
    )
    assert code == 0
    segments = read_embedded(out)["speech"]["segments"]
    assert [s["tagged"] for s in segments] == [True, True]
    names = [Condition.from_dict(s["condition"]).mixture for s in segments]
    assert max(names[0], key=names[0].get) == "joy" and max(names[1], key=names[1].get) == "fear"


def test_inspect_shows_the_arc_and_the_parts(
    clip: tuple[Path, Path, dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    out, _, _ = clip
    assert main(["inspect", str(out)], fakes.registry()) == 0
    text = capsys.readouterr().out
    assert "arc over" in text and "→" in text and "tagged in the text:" in text
    for role in ("voice", "face", "music", "backdrop"):
        assert f"  {role}: " in text


def test_parts_prefer_an_available_backend_and_name_the_part(tmp_path: Path) -> None:
    from generators.clip.parts import Parts
    from studio.plugins.contract import NeverCancel, no_progress

    parts = Parts(fakes.registry("echo"), tmp_path, 0, no_progress, NeverCancel())
    assert parts.backend("backdrop", "echo", ("neural", "plain")) == "plain"
    assert parts.backend("backdrop", "echo", ("neural",)) is None
    with pytest.raises(ValueError, match=r"^backdrop: "):
        parts.check("backdrop", "echo", {"steps": 0})
    with pytest.raises(PartFailed, match="the music part needs the music generator"):
        parts.check("music", "music", {})


def test_face_follows_the_whole_arc_not_only_the_tagged_words(
    clip: tuple[Path, Path, dict[str, Any]],
) -> None:
    """In the lead-in and the tail the face holds the arc's emotion (fear at the end),
    not the request's neutral state."""
    _, stems, meta = clip
    face = read_embedded(stems / "face.mov")
    assert "trajectory" in face
    arc = Trajectory.from_dict(face["trajectory"])
    assert arc.at(meta["features"]["duration_s"]).mixture.get("fear", 0) > 0.5
