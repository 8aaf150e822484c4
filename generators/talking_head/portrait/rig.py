"""The portrait rig: the photo warped by one frame's controls, a drop-in for the drawn rig.

Per frame: landmark offsets (expression, mouth, lids, gaze from ``face_model``; head pose
as a small 3D rotation of the landmarks using the depth Face Mesh gives each, so the nose
moves more than the cheeks; breathing as a slight rise) → the head ring follows the face
as a similarity (roll about the neck, the face's mean shift), the outer ring and the frame
border stay still → three gathers give the dense field → Newton-inverted → one
``cv2.remap`` of the region that can move → the mouth interior painted where the lips part.
Pixels outside the outer ring are the photo's own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import numpy as np
from numpy.typing import NDArray

from generators.talking_head.portrait import eyes as eyes_mod
from generators.talking_head.portrait import face_model as fm
from generators.talking_head.portrait import mesh as mesh_mod
from generators.talking_head.portrait import retouch
from generators.talking_head.portrait.landmarks import FACE_OVAL
from generators.talking_head.portrait.mouth import Palette, paint, palette

Array = NDArray[np.float64]
# The head ring moves with the face (hair, ears, the top of the head); below the chin it
# follows less (the neck bends, the shoulders stay).
HEAD_FOLLOW: Final = 0.9
NECK_FOLLOW: Final = 0.35
BREATH_D: Final = 0.02  # head rise per unit of the breath track, in D (project calibration)
NECK_BELOW_CHIN_D: Final = 0.5  # roll pivot: the neck, this far below the chin, in D
# Near the parted lips, a pixel this much darker than the lips around it is the mouth's
# inside (teeth shadow, dark corners), not lip: project calibration on the contact sheet.
DARK_LIP_SHARE: Final = 0.8
CREASE_STEPS: Final = 8  # a smile's creases go in eighths (no visible step between them)
REST: Final = {
    **{k: 0.0 for k in ("AU1", "AU2", "AU4", "AU5", "AU6", "AU7", "AU9", "AU10", "AU12")},
    **{k: 0.0 for k in ("AU14", "AU15", "AU17", "AU20", "AU23", "AU24", "AU25", "AU26")},
    **{k: 0.0 for k in ("AU41", "AU45", "jaw", "spread", "round", "press", "teeth", "tongue")},
    **{k: 0.0 for k in ("gaze_x", "gaze_y", "yaw", "pitch", "roll", "breath", "relax")},
}


class PortraitRig:
    """Draws the portrait at ``size``×``size`` (RGBA) for per-frame controls."""

    def __init__(self, rgb: NDArray[np.uint8], points: Array) -> None:
        import cv2

        cv2.setNumThreads(1)  # the encoder has the other core; one remap is small
        self.size = rgb.shape[0]
        self.photo = np.ascontiguousarray(rgb)
        self.points = points
        self.face = fm.FaceModel(points)
        skip = set(fm.IRIS_EDGES)
        self.keep = np.array([i for i in range(len(points)) if i not in skip])
        opened = points.copy()
        opened[:, :2] += self.face.displacement({**REST, "jaw": 1.0, "AU5": 1.0, "AU25": 1.0})
        self.mesh, self.head_ids, self.still_ids = mesh_mod.build(
            points, opened, list(FACE_OVAL), skip, self.size
        )
        d = self.face.d
        chin = points[fm.CHIN, :2]
        ring = self.mesh.vertices[self.head_ids]
        below = (ring - chin) @ self.face.ey > 0
        self.head_follow = np.where(below, NECK_FOLLOW, HEAD_FOLLOW)
        oval = points[list(FACE_OVAL)]
        self.pivot = np.array(
            [
                oval[:, 0].mean(),
                self.face.origin[1] + 0.4 * d,
                0.5 * (points[234, 2] + points[454, 2]),
            ]
        )
        self.neck = chin + NECK_BELOW_CHIN_D * d * self.face.ey
        self.oval_rows = np.searchsorted(self.keep, np.array(FACE_OVAL))
        upper_in, lower_in = list(fm.UPPER_INNER), list(fm.LOWER_INNER)
        rest_poly = np.concatenate([points[upper_in, :2], points[lower_in[::-1][1:-1], :2]])
        width = float(np.linalg.norm(points[308, :2] - points[78, :2]))
        area = 0.5 * abs(
            float(
                np.dot(rest_poly[:, 0], np.roll(rest_poly[:, 1], 1))
                - np.dot(rest_poly[:, 1], np.roll(rest_poly[:, 0], 1))
            )
        )
        self.rest_gap = area / max(width, 1.0)
        # Mid-lip points (half-way between the outer and inner contours): the lips' colour.
        outer, inner = [0, 37, 267, 17, 84, 314], [13, 82, 312, 14, 87, 317]
        lips = 0.5 * (points[outer, :2] + points[inner, :2])
        self.palette: Palette = palette(self.photo, lips, rest_poly, self.rest_gap, d)
        # RGBA once: the encoder takes RGBA, and only the movable region changes per frame
        # (the mouth is inside it), so the rest of the buffer is written here only.
        self.rgba = np.empty((self.size, self.size, 4), np.uint8)
        self.rgba[..., :3] = self.photo
        self.rgba[..., 3] = 255
        self.frame = self.rgba.copy()
        self.closed_rgba = self._closed_mouth(rest_poly, d) if self.rest_gap > 0.5 else None
        # The smile's creases, taken away as far as the photo's smile is let go (sources
        # kept per eighth of the way: an expression changes slowly, a frame reuses them).
        self.creases = (
            retouch.smile_creases(
                self.photo,
                points,
                points[list(fm.UPPER_OUTER + fm.LOWER_OUTER[::-1]), :2],
                self.face.origin,
                self.face.ex,
                d,
            )
            if self.face.smile0 > 0.05
            else None
        )
        self._sources: dict[int, tuple[NDArray[np.uint8], NDArray[np.uint8] | None]] = {}
        self.eyes = [self._eye(i) for i in range(2)]
        self.face_moves = np.zeros((len(self.keep), 2))
        outer_rows = np.searchsorted(self.keep, np.array(fm.UPPER_OUTER + fm.LOWER_OUTER))
        self.outer_lip_rows = outer_rows
        self.lip_rows = (
            np.searchsorted(self.keep, np.array(upper_in)),
            np.searchsorted(self.keep, np.array(lower_in)),
        )

    def _eye(self, i: int) -> eyes_mod.Eye:
        """One eye's rows in the mesh, the photo's iris outline (half-axes from the iris
        rim landmarks: across, and top to bottom) and its white's colour."""
        upper, lower = fm.EYES[i][0], fm.EYES[i][1]
        centre = fm.IRIS_CENTRES[i]
        rim = self.points[list(fm.IRIS_EDGES[4 * i : 4 * i + 4]), :2]  # right, top, left, bottom
        rx = 0.5 * float(np.linalg.norm(rim[0] - rim[2]))
        ry = 0.5 * float(np.linalg.norm(rim[1] - rim[3]))
        p = self.points[:, :2]
        sclera = eyes_mod.sclera_colour(
            self.photo, p[list(upper)], p[list(lower)], p[centre], rx, ry
        )
        rows = np.searchsorted(self.keep, np.array([*upper, *lower, centre]))
        n = len(upper)
        return eyes_mod.Eye(rows[:n], rows[n:-1], int(rows[-1]), rx, ry, sclera)

    def _closed_mouth(self, inner: Array, d: float) -> NDArray[np.uint8]:
        """The photo with what shows between its parted lips (teeth, the dark corners of a
        smile) filled from the lips around it (Telea inpainting), as RGBA: the source of
        the mouth region once the controls close the lips. Squeezing the photo's own teeth
        and dark mouth corners into a closed mouth leaves bright specks and a black,
        broken line; closed lips have neither."""
        import cv2

        mask = np.zeros((self.size, self.size), np.uint8)
        cv2.fillPoly(mask, [np.round(inner * 16).astype(np.int32)], 255, cv2.LINE_8, 4)
        grow = max(1, round(0.025 * d))
        reach = max(2, round(0.1 * d))
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1, 2 * grow + 1))
        grown = cv2.dilate(mask, kernel)
        # The thin shadow where a smiling upper lip meets the teeth, and the dark mouth
        # corners, reach past the landmark contour: dark pixels near it go too (darker
        # than the lips around them), or a closed mouth keeps them as dotted lines.
        near = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * reach + 1,) * 2))
        luma = self.photo @ np.array([0.299, 0.587, 0.114])
        lips_luma = float(np.median(luma[(near > 0) & (grown == 0)]))
        dark = ((near > 0) & (luma < DARK_LIP_SHARE * lips_luma)).astype(np.uint8) * 255
        grown = np.maximum(grown, cv2.dilate(dark, np.ones((3, 3), np.uint8)))
        filled = cv2.inpaint(self.photo, grown, max(3.0, 0.08 * d), cv2.INPAINT_TELEA)
        out = np.empty_like(self.rgba)
        out[..., :3] = filled
        out[..., 3] = 255
        return out

    def offsets(self, s: Mapping[str, float]) -> Array:
        """(V, 2) vertex offsets in pixels for one frame's controls."""
        face = self.face.displacement(s)[self.keep]
        self.face_moves = face  # the expression's share, without the head's pose
        pose = self._pose(s)
        out = np.zeros((len(self.mesh.vertices), 2))
        n = len(self.keep)
        out[:n] = face + pose
        # The head ring: the face's mean shift, and the roll about the neck.
        shift = pose[self.oval_rows].mean(axis=0)
        ring = self.mesh.vertices[self.head_ids]
        rolled = self._roll(ring + shift, s["roll"]) - ring
        out[self.head_ids] = rolled * self.head_follow[:, None]
        return out

    def _pose(self, s: Mapping[str, float]) -> Array:
        p = self.points[self.keep]
        cx, cy, cz = self.pivot
        yaw, pitch = np.radians(s["yaw"]), np.radians(s["pitch"])
        x = cx + (p[:, 0] - cx) * np.cos(yaw) - (p[:, 2] - cz) * np.sin(yaw)
        z = cz + (p[:, 0] - cx) * np.sin(yaw) + (p[:, 2] - cz) * np.cos(yaw)
        y = cy + (p[:, 1] - cy) * np.cos(pitch) + (z - cz) * np.sin(pitch)
        moved = self._roll(np.stack([x, y], axis=1), s["roll"])
        moved[:, 1] -= BREATH_D * self.face.d * s["breath"]
        return moved - p[:, :2]

    def _roll(self, xy: Array, degrees: float) -> Array:
        a = np.radians(degrees)
        c, sn = np.cos(a), np.sin(a)
        rel = xy - self.neck
        return self.neck + np.stack(
            [rel[:, 0] * c - rel[:, 1] * sn, rel[:, 0] * sn + rel[:, 1] * c], axis=1
        )

    def draw(self, s: Mapping[str, float]) -> NDArray[np.uint8]:
        """Render one frame; returns the (shared, overwritten next frame) RGBA buffer."""
        import cv2

        offsets = self.offsets(s)
        forward = self.mesh.field(offsets)
        sx, sy = self.mesh.backward(forward)
        y0, y1, x0, x1 = self.mesh.roi
        frame = self.frame
        source, closed_source = self._source(s)
        frame[y0:y1, x0:x1] = cv2.remap(
            source, sx, sy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT
        )
        moved = self.mesh.vertices + offsets
        if closed_source is not None and self.face.closed > 0.0:
            self._close_mouth(frame, closed_source, moved, sx, sy, self.face.closed)
        for eye in self.eyes:
            lift = -(self.face_moves[eye.upper] @ self.face.ey)
            eyes_mod.paint(frame, eye, moved, lift, self.face.d)
        upper, lower = self.lip_rows
        paint(
            frame,
            moved[upper],
            moved[lower],
            self.rest_gap,
            self.face.closed,
            self.face.d,
            self.palette,
            s,
        )
        return frame

    def _source(self, s: Mapping[str, float]) -> tuple[NDArray[np.uint8], NDArray[np.uint8] | None]:
        """The photo (and its closed-mouth version) with as much of its smile's creases
        taken away as the controls let the smile go."""
        if self.creases is None:
            return self.rgba, self.closed_rgba
        gone = min(1.0, self.face.smile_change(s)[1] / self.face.smile0)
        level = round(gone * CREASE_STEPS)
        if level == 0:
            return self.rgba, self.closed_rgba
        if level not in self._sources:
            lift = -self.creases * (level / CREASE_STEPS)

            def lifted(rgba: NDArray[np.uint8]) -> NDArray[np.uint8]:
                out = rgba.copy()
                out[..., :3] = np.clip(rgba[..., :3] + lift + 0.5, 0, 255).astype(np.uint8)
                return out

            closed = None if self.closed_rgba is None else lifted(self.closed_rgba)
            self._sources[level] = (lifted(self.rgba), closed)
        return self._sources[level]

    def _close_mouth(
        self,
        frame: NDArray[np.uint8],
        closed_rgba: NDArray[np.uint8],
        moved: Array,
        sx: NDArray[np.float32],
        sy: NDArray[np.float32],
        closed: float,
    ) -> None:
        """Blend the lips-closed photo into the mouth's box, as far as the controls closed
        the photo's parted lips (one small remap of that box)."""
        import cv2

        lips = moved[self.outer_lip_rows]
        margin = 0.12 * self.face.d
        y0, y1, x0, x1 = self.mesh.roi
        bx0 = max(x0, int(np.floor(lips[:, 0].min() - margin)))
        bx1 = min(x1, int(np.ceil(lips[:, 0].max() + margin)))
        by0 = max(y0, int(np.floor(lips[:, 1].min() - margin)))
        by1 = min(y1, int(np.ceil(lips[:, 1].max() + margin)))
        if bx1 <= bx0 or by1 <= by0:
            return
        win = (slice(by0 - y0, by1 - y0), slice(bx0 - x0, bx1 - x0))
        shut = cv2.remap(
            closed_rgba, sx[win], sy[win], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT
        )
        box = frame[by0:by1, bx0:bx1]
        if closed >= 1.0:
            box[:] = shut
        else:
            mixed = box.astype(np.float32) * (1.0 - closed) + shut.astype(np.float32) * closed
            box[:] = np.clip(mixed + 0.5, 0, 255).astype(np.uint8)
