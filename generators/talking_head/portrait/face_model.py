"""The rig's controls as displacements of the 478 Face Mesh landmarks.

Every move is in the face's own frame (u across, from the subject's right eye to the left,
v down, both in units of the distance between the pupils, D), so a tilted or small face
moves like an upright large one. Magnitudes follow the appearance changes FACS describes
for each action unit (Ekman, Friesen & Hager 2002: which features move, and which way);
how far, in D, is project calibration, set by eye on the contact sheet and checked with the
FER-2013 face reader (benchmarks/talking_head_portrait.py). The jaw is the ``jaw`` track
(speech and held AU25/26 already merged by the timeline, the expression's AU26 held under
speech by ``expression.held_jaw``); AU26 is not applied twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
N_POINTS: Final = 478
IRIS_CENTRES: Final = (468, 473)  # subject's right (image left), left
IRIS_EDGES: Final = (469, 470, 471, 472, 474, 475, 476, 477)
# Lip contours (Face Mesh topology), corner to corner, subject's right to left.
UPPER_OUTER: Final = (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291)
LOWER_OUTER: Final = (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291)
UPPER_INNER: Final = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308)
LOWER_INNER: Final = (78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308)
CORNERS: Final = (61, 291, 78, 308)
# Eyes: (upper lid, lower lid, lid crease row, row below the lower lid), corner to corner.
EYES: Final = (
    (
        (33, 246, 161, 160, 159, 158, 157, 173, 133),
        (33, 7, 163, 144, 145, 153, 154, 155, 133),
        (247, 30, 29, 27, 28, 56, 190),
        (25, 110, 24, 23, 22, 26, 112),
    ),
    (
        (263, 466, 388, 387, 386, 385, 384, 398, 362),
        (263, 249, 390, 373, 374, 380, 381, 382, 362),
        (467, 260, 259, 257, 258, 286, 414),
        (255, 339, 254, 253, 252, 256, 341),
    ),
)
# Brows, inner to outer, upper and lower edge.
BROWS: Final = (
    ((107, 66, 105, 63, 70), (55, 65, 52, 53, 46)),
    ((336, 296, 334, 293, 300), (285, 295, 282, 283, 276)),
)
NOSE_WINGS: Final = (129, 358, 49, 279, 48, 278, 64, 294)
CHIN: Final = 152
# AU12 at full intensity lifts the lip corners by this much and pulls them out by this much
# (in D); the photo's own smile is measured on the same scale (project calibration).
SMILE_LIFT: Final = 0.085
SMILE_OUT: Final = 0.085
# A relaxed closed mouth: corners about level with the middle of the lips (at most this
# much higher) and about this wide (D); beyond is the photo's own smile.
REST_LIFT: Final = 0.02
# Where the corners of a photo's smile go when it is let go altogether: a little below the
# line where the lips meet, as a relaxed mouth's corners sit (D). A smile's creases and
# raised cheeks stay partly in the skin (``retouch`` lightens the creases only): corners
# merely level with the lips still read as a faint smile. Project calibration, checked
# with the FER-2013 reader (benchmarks/talking_head_portrait.py).
RELAXED_LIFT: Final = -0.04
# A full broad smile (AU12 at E): the corners this far above a relaxed mouth's (D).
FULL_SMILE_LIFT: Final = 0.12
REST_WIDTH: Final = 0.8
MAX_LOWER_LID_RISE: Final = 0.06  # in D: the lower lid stays below the iris centre
LOWER_LID_TIGHTEN: Final = 0.08  # AU7 at full intensity raises the lower lid this much (D)
MAX_BROW_PUSH: Final = 0.26  # inner brows down at AU4 = AU9 = 1 (0.18 + 0.08), in D


def lid_tightening(au7: float) -> float:
    """How far (D) AU7 raises the lower lid. The raised, straightened lower lid is what
    tells fear's eyes (1+2+4+5+7) from surprise's (1+2+5, lower lid relaxed) (Ekman &
    Friesen 1975, Unmasking the Face, ch. 4-5), and it shows already at low intensity:
    FACS scores AU7 from the lower lid's raise and tension, which appear first, the
    narrowing of the eye comes with more (Ekman, Friesen & Hager 2002, AU7). So the rise
    grows fast at first and saturates (1 - (1 - x)^3): fear's ~0.2 raises the lid by
    about half of full (~0.04 D, ~2 px at 512²), anger's ~0.75 reaches the cap
    (MAX_LOWER_LID_RISE). The full rise is project calibration (FER-2013 reader,
    benchmarks/talking_head_portrait.py)."""
    x = min(1.0, max(0.0, au7))
    return LOWER_LID_TIGHTEN * (1.0 - (1.0 - x) ** 3)


def smoothstep(x: Array, lo: float, hi: float) -> Array:
    t = np.clip((x - lo) / (hi - lo), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


class FaceModel:
    """Landmark displacements (pixels) for one frame's controls on one face."""

    def __init__(self, points: Array) -> None:
        xy = points[:, :2]
        right, left = xy[IRIS_CENTRES[0]], xy[IRIS_CENTRES[1]]
        self.d = float(np.linalg.norm(left - right))
        self.ex = (left - right) / self.d
        self.ey = np.array([-self.ex[1], self.ex[0]])
        self.origin = 0.5 * (left + right)
        uv = ((xy - self.origin) @ np.stack([self.ex, self.ey]).T) / self.d
        self.u, self.v = uv[:, 0], uv[:, 1]
        self.side = np.where(self.u < 0, -1.0, 1.0)
        n = len(xy)
        eye_pts = {i for eye in EYES for row in eye for i in row} | set(IRIS_CENTRES)
        self.not_eye = np.array([i not in eye_pts for i in range(n)], dtype=np.float64)
        self._lids()
        self._mouth()
        self.brow_zone = smoothstep(-self.v, 0.16, 0.3) * self.not_eye
        # Lowered brows (AU4, AU9) push the skin below them down towards the lid crease,
        # which the brow overhangs (FACS AU4: the upper-lid fold narrows): a zone reaching
        # lower, the crease rows at half weight, so the skin bunches rather than folds.
        crease_pts = [i for eye in EYES for i in eye[2]]
        lower_zone = smoothstep(-self.v, -0.08, 0.3)
        self.brow_push = lower_zone * self.not_eye
        self.brow_push[crease_pts] = 0.5 * lower_zone[crease_pts]
        # Nothing above an eye is pushed further than 85% of its height above the upper
        # lid (the full push, AU4 and AU9 together, is MAX_BROW_PUSH): skin compresses
        # towards the lid rather than passing it.
        for upper, *_ in EYES:
            up = np.array(upper)
            order = np.argsort(self.u[up])
            lid_v = np.interp(self.u, self.u[up][order], self.v[up][order])
            over = (self.u > self.u[up].min()) & (self.u < self.u[up].max()) & (self.v < lid_v)
            room = 0.85 * (lid_v - self.v) / MAX_BROW_PUSH
            self.brow_push = np.where(over, np.minimum(self.brow_push, room), self.brow_push)

    # -- precomputed geometry ----------------------------------------------------------
    def _lids(self) -> None:
        """Per eye: upper-lid points with their blink target (the lower lid below them)
        and a profile that is 1 mid-lid and 0 at the corners."""
        self.lid_moves: list[tuple[NDArray[np.int64], Array, Array]] = []
        self.low_moves: list[tuple[NDArray[np.int64], Array]] = []
        self.crease: list[tuple[NDArray[np.int64], NDArray[np.int64]]] = []
        self.iris: list[tuple[int, NDArray[np.int64], float]] = []
        for (upper, lower, crease, below), centre in zip(EYES, IRIS_CENTRES, strict=True):
            up, lo = np.array(upper), np.array(lower)
            order = np.argsort(self.u[lo])
            v_low = np.interp(self.u[up], self.u[lo][order], self.v[lo][order])
            mid, half = (
                0.5 * (self.u[up[0]] + self.u[up[-1]]),
                0.5 * abs(self.u[up[-1]] - self.u[up[0]]),
            )
            prof_up = np.clip(1.0 - ((self.u[up] - mid) / half) ** 2, 0.0, 1.0)
            prof_lo = np.clip(1.0 - ((self.u[lo] - mid) / half) ** 2, 0.0, 1.0)
            self.lid_moves.append((up, v_low - self.v[up], prof_up))
            self.low_moves.append((lo, prof_lo))
            # Each crease/below-lid point follows the nearest lid point at half strength.
            cr = np.array(crease)
            near_up = up[np.argmin(np.abs(self.u[cr][:, None] - self.u[up][None, :]), axis=1)]
            bl = np.array(below)
            near_lo = lo[np.argmin(np.abs(self.u[bl][:, None] - self.u[lo][None, :]), axis=1)]
            self.crease.append((cr, near_up))
            self.crease.append((bl, near_lo))
            # The iris centre sits between the lids: a closing lid pushes it down in step.
            v_up_c = float(np.interp(self.u[centre], self.u[up], self.v[up]))
            v_lo_c = float(np.interp(self.u[centre], self.u[lo][order], self.v[lo][order]))
            frac = (self.v[centre] - v_up_c) / max(1e-6, v_lo_c - v_up_c)
            self.iris.append((centre, up, float(np.clip(frac, 0.0, 1.0))))
        self.eye_half_width = float(
            np.mean([abs(self.u[e[0][-1]] - self.u[e[0][0]]) / 2 for e in EYES])
        )

    def _mouth(self) -> None:
        u, v = self.u, self.v
        ui, li = np.array(UPPER_INNER), np.array(LOWER_INNER)
        order = np.argsort(u[ui])
        self.mouth_u = (float(u[61]), float(u[291]))
        self.mouth_half = 0.5 * abs(self.mouth_u[1] - self.mouth_u[0])
        self.mouth_cu = 0.5 * sum(self.mouth_u)
        # The seam between the lips at each point's u (the corners' level beyond them).
        seam = 0.5 * (
            np.interp(u, u[ui][order], v[ui][order])
            + np.interp(u, u[li][np.argsort(u[li])], v[li][np.argsort(u[li])])
        )
        v_chin = float(v[CHIN])
        v_lip = float(v[17])
        below = smoothstep(v - seam, -0.02, 0.12)
        lateral = 1.0 - 0.65 * smoothstep(np.abs(u - self.mouth_cu), 0.45, 1.2)
        jaw = below * lateral
        for i in (*UPPER_OUTER, *UPPER_INNER):
            jaw[i] = 0.0
        # The lower lip drops most in the middle: towards the corners it stays against the
        # upper lip (the modiolus holds the corners; they follow the jaw at 0.4), so an
        # opening tapers to the corners as a real one does, rather than a lens cut to them.
        profile = np.clip(
            1.0 - ((u - 0.5 * (u[61] + u[291])) / (0.5 * abs(u[291] - u[61]))) ** 2, 0, 1
        )
        for i in (*LOWER_OUTER, *LOWER_INNER):
            jaw[i] = 0.3 + 0.7 * float(profile[i])
        for i in CORNERS:
            jaw[i] = 0.4
        depth = np.clip((v - v_lip) / max(1e-6, v_chin - v_lip), 0.0, 1.0)
        self.jaw_weight = jaw * self.not_eye
        self.jaw_reach = 0.2 + 0.07 * depth  # lower lip moves 0.2 D at full opening, chin 0.27
        self.upper_lip = np.zeros(len(u))
        self.lower_lip = np.zeros(len(u))
        self.upper_lip[list(UPPER_OUTER + UPPER_INNER)] = 1.0
        self.lower_lip[list(LOWER_OUTER + LOWER_INNER)] = 1.0
        for i in CORNERS:
            self.upper_lip[i] = self.lower_lip[i] = 0.0
        centre = np.clip(1.0 - ((u - self.mouth_cu) / max(1e-6, self.mouth_half)) ** 2, 0, 1)
        self.lip_centre = centre
        self.closed = 0.0
        self._inner_pairs = (np.array(UPPER_INNER[1:-1]), np.array(LOWER_INNER[1:-1]))
        # The photo's own smile on AU12's scale: the corners' lift above the middle of the
        # lips beyond a relaxed mouth's (0 for a neutral photo, ~1.5 for a broad smile).
        seam_mid = 0.5 * (v[13] + v[14])
        lift = max(0.0, float(seam_mid - 0.5 * (v[61] + v[291])) - REST_LIFT)
        self.smile0 = float(np.clip(lift / FULL_SMILE_LIFT, 0.0, 1.0))
        # Letting the photo's smile go brings the corners back down by what it lifted
        # them (a neutral photo relaxes on the rig's scale).
        self.unsmile_lift = (
            (lift + REST_LIFT - RELAXED_LIFT) / self.smile0 if self.smile0 > 0.05 else SMILE_LIFT
        )
        self.width_excess = max(0.0, 0.5 * (2 * self.mouth_half - REST_WIDTH))
        # The rest gap between the inner lips at each inner point (photos with parted lips):
        # a closure (p, b, m; pressed lips) closes it.
        gap = np.zeros(len(u))
        lower_at = np.interp(u[ui], u[li][np.argsort(u[li])], v[li][np.argsort(u[li])])
        gap[ui] = np.maximum(0.0, lower_at - v[ui])
        upper_at = np.interp(u[li], u[ui][order], v[ui][order])
        gap[li] = -np.maximum(0.0, v[li] - upper_at)
        self.rest_gap = gap

    # -- one frame ----------------------------------------------------------------------
    def _bump(self, cu: float, cv: float, radius: float) -> Array:
        return np.exp(-((self.u - cu) ** 2 + (self.v - cv) ** 2) / (radius * radius))

    def displacement(self, s: Mapping[str, float]) -> Array:
        """(478, 2) landmark offsets in pixels for the controls ``s`` (the rig's names)."""
        du, dv = np.zeros_like(self.u), np.zeros_like(self.v)
        self._brows(s, du, dv)
        self._eyes(s, du, dv)
        self._mid_face(s, du, dv)
        self._mouth_moves(s, du, dv)
        self._lips_meet(dv)
        return self.d * (du[:, None] * self.ex + dv[:, None] * self.ey)

    def _lips_meet(self, dv: Array) -> None:
        """Lips press together, they never pass through each other: where a move (a chin
        raise under a closed mouth) would lift the lower inner lip above the upper, both
        stop where they meet."""
        up, lo = self._inner_pairs
        v_up, v_lo = self.v[up] + dv[up], self.v[lo] + dv[lo]
        cross = v_lo < v_up
        if cross.any():
            mid = 0.5 * (v_up + v_lo)
            dv[up[cross]] = mid[cross] - self.v[up[cross]]
            dv[lo[cross]] = mid[cross] - self.v[lo[cross]]

    def _brows(self, s: Mapping[str, float], du: Array, dv: Array) -> None:
        p_in, p_mid = np.zeros_like(self.u), np.zeros_like(self.u)
        for sign, (upper, lower) in zip((-1.0, 1.0), BROWS, strict=True):
            inner = (
                0.5 * (self.u[upper[0]] + self.u[lower[0]]),
                0.5 * (self.v[upper[0]] + self.v[lower[0]]),
            )
            outer = (
                0.5 * (self.u[upper[-1]] + self.u[lower[-1]]),
                0.5 * (self.v[upper[-1]] + self.v[lower[-1]]),
            )
            w_in = self._bump(*inner, 0.3) * self.brow_zone
            w_out = self._bump(*outer, 0.32) * self.brow_zone
            dv -= 0.15 * s["AU1"] * w_in + 0.13 * s["AU2"] * w_out
            # AU4: brows down and drawn together (inner part most). AU9 lowers the inner
            # brows too (FACS AU9 appearance changes). Both push the skin down to the lid
            # crease (``brow_push``); how far is project calibration, set so the knitted
            # brow of anger and disgust reads on a 512 px frame where D is ~43 px.
            # The two brows' pushes meet between them: the larger, not their sum, moves the
            # skin there (a sum would drop the glabella past the nose root).
            p_in = np.maximum(p_in, self._bump(*inner, 0.3) * self.brow_push)
            mid = self._bump(0.5 * (inner[0] + outer[0]), 0.5 * (inner[1] + outer[1]), 0.4)
            p_mid = np.maximum(p_mid, mid * self.brow_push)
            du -= sign * 0.06 * s["AU4"] * w_in * smoothstep(np.abs(self.u), 0.0, 0.12)
        dv += s["AU4"] * (0.18 * p_in + 0.08 * p_mid)
        dv += 0.08 * s["AU9"] * p_in  # the nose wrinkle pulls the inner brows down

    def _eyes(self, s: Mapping[str, float], du: Array, dv: Array) -> None:
        blink = s["AU45"]
        for (up, to_low, prof), (lo, prof_lo) in zip(self.lid_moves, self.low_moves, strict=True):
            # Upper lid: up with AU5, down with AU7 a little, AU41 (droop) more, and all the
            # way to the lower lid in a blink (whatever else it was doing).
            lid = prof * (-0.055 * s["AU5"] + 0.03 * s["AU7"] + 0.035 * s["AU41"])
            lid = lid * (1.0 - blink) + 0.97 * to_low * blink
            dv[up] += lid
            # Lower lid: pushed up by the cheeks (AU6) and tightened (AU7).
            # AU9 raises the infraorbital triangle, which pushes the lower lid up and narrows
            # the eye (FACS AU9 appearance changes).
            # Together they stop short of the iris centre (MAX_LOWER_LID_RISE).
            rise = min(
                MAX_LOWER_LID_RISE,
                0.02 * s["AU6"] + lid_tightening(s["AU7"]) + 0.05 * s["AU9"],
            )
            dv[lo] -= prof_lo * rise * (1.0 - blink)
            # ... and a photo's smiling squint relaxes with its smile.
            dv[lo] += prof_lo * 0.02 * self.smile0 * min(1.0, self.smile_change(s)[1])
        for rows, near in self.crease:
            dv[rows] += 0.5 * dv[near]
        gx, gy = s["gaze_x"], s["gaze_y"]
        for centre, up, frac in self.iris:
            # The iris follows the gaze (rubber-sheet shift inside the eye) and is pushed
            # down with the upper lid as that closes over it.
            lid_here = float(np.interp(self.u[centre], self.u[up], dv[up]))
            dv[centre] += (1.0 - frac) * max(0.0, lid_here) + 0.035 * gy * (1.0 - blink)
            du[centre] += 0.075 * gx * self.eye_half_width / 0.25

    def _mid_face(self, s: Mapping[str, float], du: Array, dv: Array) -> None:
        less = self.smile_change(s)[1]
        lower = smoothstep(self.v, 0.08, 0.25) * self.not_eye  # below the eyes
        for sign in (-1.0, 1.0):
            cheek = self._bump(sign * 0.55, 0.5, 0.32) * lower
            # Letting a smile go drops the cheeks it raised, as far as it raised them.
            dv -= (0.055 * s["AU6"] + 0.08 * s["AU9"] - 0.07 * min(1.0, less) * self.smile0) * cheek
            du += sign * 0.012 * s["AU6"] * cheek
            wing = self._bump(sign * 0.2, 0.6, 0.2) * lower
            dv -= (0.08 * s["AU9"] + 0.03 * s["AU10"]) * wing
        root = self._bump(0.0, 0.05, 0.16) * self.not_eye
        dv += 0.02 * s["AU9"] * root  # skin over the nose root wrinkles down

    def _mouth_moves(self, s: Mapping[str, float], du: Array, dv: Array) -> None:
        jaw = s["jaw"]
        more, less = self.smile_change(s)
        corners = [self._bump(self.u[c], self.v[c], 0.3) for c in (61, 291)]
        corner = (corners[0] + corners[1]) * self.not_eye
        csign = np.where(corners[0] > corners[1], -1.0, 1.0)  # which corner is nearer
        up_lip, lo_lip, centre = self.upper_lip, self.lower_lip, self.lip_centre
        # Letting go of the photo's own smile takes its corners to a relaxed mouth's (on
        # the photo's scale); beyond that, the negative side of AU12 is on the rig's.
        gone, beyond = min(less, self.smile0), max(0.0, less - self.smile0)
        # Lip corners: AU12 up and out, AU15 down, AU20 out, AU14/23/round in, spread out.
        out = (
            SMILE_OUT * more
            - gone * self.width_excess / max(self.smile0, 0.5)
            + 0.01 * s["AU15"]
            + 0.13 * s["AU20"]
            - 0.02 * s["AU14"]
            - 0.035 * s["AU23"]
            - 0.015 * s["AU24"]
            + 0.05 * s["spread"]
            - 0.075 * s["round"]
            - 0.03 * jaw
        )
        rise = (
            SMILE_LIFT * more
            - self.unsmile_lift * gone
            - SMILE_LIFT * beyond
            - 0.1 * s["AU15"]
            - 0.06 * s["AU20"]
            + 0.012 * s["AU14"]
        )
        du += csign * out * corner
        dv -= rise * corner
        # Upper lip: raised by AU10 (middle most), a little by AU9 and for /f v/ (teeth);
        # thinned by AU23/24 and spread; pushed out a little by rounding.
        dv -= up_lip * (0.07 * s["AU10"] * (0.15 + 0.85 * centre) + 0.02 * s["AU9"])
        dv -= up_lip * 0.025 * s["teeth"]
        dv += up_lip * (0.012 * s["AU23"] + 0.015 * s["AU24"] + 0.008 * s["spread"])
        dv -= up_lip * 0.012 * s["round"] * centre
        # Lower lip and chin: AU17 pushes both up, AU25 parts the lips, pressing thins.
        # The chin's push on the lower lip gives way as the jaw drops (none of it at a full
        # opening): a syllable's opening takes the lip down with the jaw, or speech would
        # not show on a sad or disgusted mouth.
        chin = self._bump(float(self.u[17]), float(self.v[17]) + 0.35, 0.35) * self.jaw_weight
        lip_push = 0.09 * s["AU17"] * (1.0 - min(1.0, jaw))
        dv -= 0.075 * s["AU17"] * chin + lip_push * lo_lip
        dv += lo_lip * centre * 0.045 * s["AU25"]
        # AU20 stretches the lips flat: the lower lip's middle is drawn down with them.
        dv += lo_lip * centre * 0.035 * s["AU20"]
        dv -= lo_lip * (0.012 * s["AU23"] + 0.02 * s["AU24"] + 0.008 * s["spread"])
        dv += lo_lip * 0.012 * s["round"] * centre
        # A closure (p b m, pressed lips) closes a rest gap between parted lips.
        # Letting a photo's smile go closes the lips it parted too.
        unsmile = less / max(self.smile0, 0.5)
        close = min(1.0, max(s["press"], 0.6 * s["AU24"], unsmile))
        self.closed = close  # the mouth painting hides the photo's teeth this much
        dv += 0.5 * close * self.rest_gap
        # Jaw: the lower lip and chin drop, the jaw line less towards the ears.
        dv += jaw * self.jaw_reach * self.jaw_weight

    def smile_change(self, s: Mapping[str, float]) -> tuple[float, float]:
        """How much more smile than the photo's own to add, and how much of it to take
        away: the face should show the condition's AU12 (the rig's scale), not the photo's
        plus it. ``relax`` is the negative side of AU12 (see ``expression.relax_track``)."""
        delta = s["AU12"] - s.get("relax", 0.0) - self.smile0
        return max(0.0, delta), max(0.0, -delta)
