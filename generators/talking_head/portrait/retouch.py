"""The creases a photo's own smile left in the skin, for letting that smile go.

Warping moves the landmarks of a smiling photo to a relaxed mouth, but the skin keeps
what the smile did to it: the nasolabial folds from the nose wings past the mouth
corners, and the small creases of raised cheeks. FACS lists them among AU12's appearance
changes (the nasolabial furrow deepens, the infraorbital triangle bags; Ekman, Friesen &
Hager 2002), so a face that keeps them still reads as smiling. A relaxed face shows them
far less. They are taken out as retouchers do, by frequency separation: the skin's detail
between a fine and a coarse blur, its dark part (a crease is a narrow shadow), removed
inside the smile's zone (cheeks beside and below the nose, round the mouth, never the
lips, nose or eyes), as far as the smile is let go. Finer texture (pores, freckles'
edges) is above the fine blur and stays.
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import NDArray

from generators.talking_head.portrait.landmarks import FACE_OVAL

# Blur scales: the fine one keeps pixel texture out of the layer, the coarse one is about a
# fold's width (a few mm: 0.12 D, D = the distance between the pupils). The zone, in D
# from the point between the pupils (u across, v down): beside the nose (|u| > 0.12) to
# the jaw's side (|u| < 1.05), from below the lower lids (v > 0.4) to the chin (v < 1.4).
# All project calibration, checked on the contact sheet of benchmarks/talking_head_portrait.py.
FINE_PX: Final = 1.0
COARSE_D: Final = 0.12
# How much of the crease layer goes when the smile goes. Above 1: the layer is a blurred
# estimate of the crease's depth (its darkest line is deeper than the band's mean).
STRENGTH: Final = 2.5
DARK_LEVELS: Final = 2.0  # 8-bit levels below the surround over which a pixel counts as crease
NOSE: Final = (1, 2, 4, 5, 6, 48, 49, 64, 97, 98, 115, 129, 168, 195, 197, 220,
               278, 279, 294, 326, 327, 344, 358, 440)  # fmt: skip


def _ramp(x: NDArray[np.float64], lo: float, hi: float) -> NDArray[np.float64]:
    t = np.clip((x - lo) / (hi - lo), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def smile_creases(
    rgb: NDArray[np.uint8],
    points: NDArray[np.float64],
    lips: NDArray[np.float64],
    origin: NDArray[np.float64],
    ex: NDArray[np.float64],
    d: float,
) -> NDArray[np.float32]:
    """(H, W, 3) float layer, <= 0: the dark creases in the smile's zone. Adding
    ``-w * layer`` to the photo takes a fraction ``w`` of them away. ``lips``: the outer
    lip contour (pixels), ``origin``/``ex``/``d``: the face frame (``face_model``)."""
    import cv2

    h, w = rgb.shape[:2]
    ey = np.array([-ex[1], ex[0]])
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
    rel_x, rel_y = xs - origin[0], ys - origin[1]
    u = (rel_x * ex[0] + rel_y * ex[1]) / d
    v = (rel_x * ey[0] + rel_y * ey[1]) / d
    zone = (
        _ramp(np.abs(u), 0.12, 0.25)
        * (1.0 - _ramp(np.abs(u), 0.85, 1.05))
        * _ramp(v, 0.4, 0.55)
        * (1.0 - _ramp(v, 1.2, 1.4))
    )
    keep = np.zeros((h, w), np.uint8)
    cv2.fillPoly(keep, [np.round(lips).astype(np.int32)], 255)
    cv2.fillConvexPoly(keep, cv2.convexHull(np.round(points[list(NOSE), :2]).astype(np.int32)), 255)
    grow = max(1, round(0.06 * d))
    kept = cv2.dilate(keep, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1,) * 2))
    soft = cv2.GaussianBlur(kept.astype(np.float32) / 255.0, (0, 0), max(1.0, 0.04 * d))
    # Inside the face's outline only, well clear of it: the edge of a cheek against a
    # lighter background is "darker than around it" too, and brightening it draws a halo.
    inside = np.zeros((h, w), np.uint8)
    cv2.fillPoly(inside, [np.round(points[list(FACE_OVAL), :2]).astype(np.int32)], 255)
    shrink = max(1, round(0.15 * d))
    core = cv2.erode(inside, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * shrink + 1,) * 2))
    within = cv2.GaussianBlur(core.astype(np.float32) / 255.0, (0, 0), max(1.0, 0.05 * d))
    zone = (zone * (1.0 - soft) * within).astype(np.float32)
    img = rgb.astype(np.float32)
    detail = cv2.GaussianBlur(img, (0, 0), FINE_PX) - cv2.GaussianBlur(img, (0, 0), COARSE_D * d)
    # Where the skin is darker than around it (a crease), all three channels' detail: a
    # shadow in skin is redder as well as darker, so taking luma alone leaves an orange line.
    luma = detail @ np.array([0.299, 0.587, 0.114], np.float32)
    dark = np.clip(-luma / DARK_LEVELS, 0.0, 1.0)
    return np.minimum(detail, 0.0) * (STRENGTH * dark * zone)[..., None]
