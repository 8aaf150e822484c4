"""The talking head as a part of something bigger: the character alone on a transparent
ground (.mov with alpha), and lip sync from the phoneme timings a studio voice file carries."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
import soundfile

from generators.talking_head import TalkingHeadGenerator
from generators.talking_head.encode import unpremultiply
from studio.emotion import Condition
from studio.library.metadata import embed
from studio.plugins.contract import Request

RATE = 22050


def voice(seconds: float = 1.2) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    syllables = np.clip(np.sin(2 * np.pi * 4.0 * t), 0, None) ** 2
    return (0.3 * np.sin(2 * np.pi * 140 * t) * syllables).astype(np.float32)


def request(tmp_path: Path, audio: Path, name: str) -> Request:
    return Request(
        generator="talking-head",
        output=tmp_path / name,
        condition=Condition.from_mixture({"joy": 1.0}, 0.6),
        params={"audio": str(audio), "size": 256},
    )


def test_mov_is_the_character_alone_with_a_straight_alpha_matte(tmp_path: Path) -> None:
    wav = tmp_path / "v.wav"
    soundfile.write(wav, voice(), RATE)
    artifact = TalkingHeadGenerator().generate(request(tmp_path, wav, "face.mov"))
    with av.open(str(artifact.path)) as container:
        assert container.streams.video[0].codec_context.name == "qtrle"
        assert container.streams.audio  # the voice travels with it
        frame = next(container.decode(video=0)).to_ndarray(format="rgba")
    alpha = frame[..., 3]
    assert alpha[0, 0] == 0 and alpha[0, -1] == 0  # no background
    assert alpha[128, 128] == 255  # the face
    edge = (alpha > 30) & (alpha < 225)
    assert edge.any()
    # Straight alpha: anti-aliased edge pixels keep their colour (premultiplied ones would
    # be darkened toward black by their alpha).
    assert frame[..., :3][edge].mean() > 0.6 * frame[..., :3][alpha == 255].mean()


def test_unpremultiply_restores_colour_at_the_edges() -> None:
    px = np.array([[[64, 32, 0, 128], [10, 20, 30, 255], [0, 0, 0, 0]]], np.uint8)
    out = unpremultiply(px)
    assert tuple(out[0, 0]) == (128, 64, 0, 128)
    assert tuple(out[0, 1]) == (10, 20, 30, 255) and tuple(out[0, 2]) == (0, 0, 0, 0)


@pytest.mark.parametrize(("last_end", "mode"), [(1.0, "phonemes"), (5.0, "audio")])
def test_a_studio_voice_file_lip_syncs_from_its_phoneme_timings(
    tmp_path: Path, last_end: float, mode: str
) -> None:
    wav = tmp_path / "v.wav"
    soundfile.write(wav, voice(), RATE)
    phonemes = [
        {"phoneme": "h", "start": 0.1, "end": 0.2},
        {"phoneme": "a", "start": 0.2, "end": 0.5},
        {"phoneme": "i", "start": 0.5, "end": last_end},
    ]
    embed(wav, {"generator": "speech", "speech": {"phonemes": phonemes, "segments": []}})
    artifact = TalkingHeadGenerator().generate(request(tmp_path, wav, "face.mp4"))
    # Timings past the file's end mean the file was edited since: the sound decides.
    assert artifact.features["lip_sync"] == mode
