"""The white of the eye, painted where a raised upper lid uncovers it above the iris.

The warp can only stretch what the photo shows: an upper lid raised by AU5 drags the iris
up with it, a tall oval, and no white appears. A real raised lid uncovers the eyeball
above a round iris, and that white band over the iris is the most telling sign of a
widened eye in fear and surprise (Ekman & Friesen 1975, *Unmasking the Face*, the
chapters on surprise and fear: the white shows above the iris; Whalen et al. 2004, Science
306:2061: fearful eye whites alone, masked, drive the amygdala). So, where the
controls lift the lid above where the photo has it, the strip between the lifted lid and
the iris is painted in the photo's own sclera colour (sampled beside the iris), shaded
under the lid whose lashes overhang the eyeball, and the iris keeps the photo's outline:
what the warp stretched above it is covered. With the lid at or below its rest position
nothing is painted, so the frame is the warp's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
LID_SHADOW: Final = 0.35  # darkening of the white right under the lid (lashes, lid margin)
LID_SHADOW_D: Final = 0.025  # how far below the lid the shadow reaches (1/e), in D
LASH_D: Final = 0.008  # the lid margin's own thickness kept from the warp, in D
SIDE: Final = 1.35  # the band spans the iris and this much of its half-width to each side


@dataclass(frozen=True)
class Eye:
    """One eye at rest: its landmark rows (indices into the mesh's vertices), the iris's
    half-axes in pixels (the photo's, which the painting keeps) and the sclera's colour."""

    upper: NDArray[np.int64]  # upper-lid vertex rows, corner to corner
    lower: NDArray[np.int64]
    centre: int  # the iris centre's vertex row
    rx: float
    ry: float
    sclera: NDArray[np.float32]


def sclera_colour(
    rgb: NDArray[np.uint8], upper: Array, lower: Array, centre: Array, rx: float, ry: float
) -> NDArray[np.float32]:
    """The photo's white of the eye: the brighter half of what shows between the lids
    outside the iris (the corners are pink and in shadow), else a soft white at the skin's
    light."""
    import cv2

    h, w = rgb.shape[:2]
    mask = np.zeros((h, w), np.uint8)
    poly = np.concatenate([upper, lower[::-1][1:-1]])
    cv2.fillPoly(mask, [np.round(poly * 16).astype(np.int32)], 255, cv2.LINE_8, 4)
    ys, xs = np.nonzero(mask)
    out = ((xs + 0.5 - centre[0]) / (1.2 * rx)) ** 2 + ((ys + 0.5 - centre[1]) / (1.2 * ry)) ** 2
    pix = rgb[ys[out > 1.0], xs[out > 1.0]].astype(np.float32)
    if len(pix) < 6:
        return np.array([225.0, 215.0, 205.0], np.float32)
    luma = pix @ np.array([0.299, 0.587, 0.114], np.float32)
    return np.median(pix[luma >= np.median(luma)], axis=0).astype(np.float32)


def paint(frame: NDArray[np.uint8], eye: Eye, moved: Array, lift: Array, d: float) -> None:
    """Paint the uncovered white of one eye into ``frame`` (H, W, 3 or 4, in place).

    ``moved``: the mesh's vertices this frame (pixels); ``lift``: per upper-lid point,
    how far (pixels) the controls raised it above its rest position (negative: lowered).
    """
    if float(lift.max()) <= 0.05:
        return
    lid = moved[eye.upper]
    low = moved[eye.lower]
    cx, cy = moved[eye.centre]
    h, w = frame.shape[:2]
    half = SIDE * eye.rx
    x0, x1 = max(0, int(np.floor(cx - half)) - 1), min(w, int(np.ceil(cx + half)) + 2)
    y0, y1 = max(0, int(np.floor(lid[:, 1].min())) - 1), min(h, int(np.ceil(cy)) + 1)
    if x1 - x0 < 2 or y1 - y0 < 1:
        return
    # Rows and columns broadcast (a patch of a few dozen pixels: few, small operations).
    ys = np.arange(y0, y1, dtype=np.float64)[:, None] + 0.5
    xs = np.arange(x0, x1, dtype=np.float64)[None, :] + 0.5
    cols = xs[0]
    order = np.argsort(lid[:, 0])
    y_lid = np.interp(cols, lid[order, 0], lid[order, 1])[None, :]
    raised = np.clip(np.interp(cols, lid[order, 0], lift[order]), 0.0, 1.0)[None, :]
    lo = np.argsort(low[:, 0])
    y_low = np.interp(cols, low[lo, 0], low[lo, 1])[None, :]
    # Coverage, each factor anti-aliased over a pixel: below the lid's margin, above the
    # lower lid, outside the iris (the photo's outline, centred where the iris is now),
    # over the iris's width (fading at its sides, where the photo's white already shows),
    # as far as the lid was raised (no raise, no painting).
    below_lid = np.clip(ys - (y_lid + LASH_D * d) + 0.5, 0.0, 1.0)
    above_low = np.clip(y_low - ys + 0.5, 0.0, 1.0)
    rho = np.sqrt(((xs - cx) / eye.rx) ** 2 + ((ys - cy) / eye.ry) ** 2)
    outside = np.clip((rho - 1.0) * eye.ry + 0.5, 0.0, 1.0) * (ys < cy)  # above it only
    across = np.clip((half - np.abs(xs - cx)) / (0.5 * eye.rx), 0.0, 1.0) * raised
    a = below_lid * above_low * outside * across
    if not a.any():
        return
    shade = 1.0 - LID_SHADOW * np.exp(-np.maximum(ys - y_lid, 0.0) / (LID_SHADOW_D * d))
    m = a[..., None]
    white = eye.sclera[None, None, :] * (shade[..., None] * m)
    patch = frame[y0:y1, x0:x1, :3]
    frame[y0:y1, x0:x1, :3] = np.clip(patch * (1 - m) + white + 0.5, 0, 255).astype(np.uint8)
