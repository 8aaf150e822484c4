"""From a portrait file to a ready rig: decode bounded, find (or reuse) the landmarks, frame
the face in a square, scale to the clip's size."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from generators.talking_head.portrait import landmarks, photo
from generators.talking_head.portrait.rig import PortraitRig
from studio.sdk import printable


@dataclass(frozen=True)
class Loaded:
    rig: PortraitRig
    name: str
    faces: int  # faces in the photo; the largest is animated
    face_px: float  # forehead to chin in the output frame, pixels

    @property
    def note(self) -> str | None:
        if self.faces > 1:
            return f"portrait: {self.faces} faces in {self.name}; animating the largest"
        return None


def _face(path: str | Path) -> tuple[str, photo.Picture, landmarks.Face, tuple[int, int, int]]:
    name = printable(Path(path).name, 80)
    picture = photo.read(path)
    face = landmarks.find(picture.rgb, picture.data, picture.scale, name)
    box = photo.frame_box(picture.rgb.shape[:2], face.points[list(landmarks.FACE_OVAL), :2])
    return name, picture, face, box


def check(path: str | Path) -> str:
    """What ``load`` would say of ``path`` (one-line ``InputError`` for a bad portrait),
    without building the rig: a check before the voice is made need not pay for a mesh."""
    name, _picture, face, _box = _face(path)
    if face.faces > 1:
        return f"portrait: {face.faces} faces in {name}; animating the largest"
    return f"portrait: face found in {name}"


def load(path: str | Path, size: int) -> Loaded:
    """The rig for ``path`` at ``size``×``size``; one-line ``InputError`` for a bad portrait."""
    name, picture, face, box = _face(path)
    x0, y0, side = box
    k = size / side
    points = (face.points - np.array([x0, y0, 0.0])) * k
    rgb = photo.framed(picture.rgb, box, size)
    oval = points[list(landmarks.FACE_OVAL), 1]
    return Loaded(PortraitRig(rgb, points), name, face.faces, float(np.ptp(oval)))
