"""The inside of the mouth, painted where the warped lips part: a dark cavity, the upper
teeth under the upper lip, the lower teeth when the jaw is well open, and the tongue.

The warp stretches whatever the photo shows between the lips (nothing, or the subject's
own teeth); once the lips part further than in the photo, this painting takes over inside
the inner lip contour, faded in over a small opening so it never pops. Colours come from
the photo (lips, and the teeth when they show at rest) so the inside matches its light.
Proportions in D (the distance between the pupils, ~63 mm in adults: Dodgson 2004,
Optometry 75:2) follow dental anatomy: a central incisor's crown is ~10.5 mm tall and
~8.5 mm wide (Ash & Nelson, Wheeler's Dental Anatomy, 8th ed.), of which the part a parted
mouth shows is project calibration.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
TOOTH_W: Final = 0.13  # central incisor crown width, in D (8.5 mm / 63 mm)
TOOTH_H: Final = 0.12  # upper incisor crown shown below the lip, in D (part of 10.5 mm)
# The upper incisors below a relaxed upper lip once the lips part: about 3.4 mm in young
# women, 1.9 mm in young men, less with age (Vig & Brundo 1978, J Prosthet Dent 39:502),
# ~3 mm here (0.05 D). The jaw drops the lower lip and the lower teeth, not the upper row,
# so speech shows this much of it from the first parting of the lips (not a dark slit).
INCISAL_DISPLAY: Final = 0.05
FADE_D: Final = 0.035  # extra opening over which the painting fades in, in D
# The line where closed lips meet: this thick in the middle (D; ~2 mm), this opaque, gone
# once the lips are this far apart (the painted interior takes over). Project calibration.
SEAM_D: Final = 0.03
SEAM_OPACITY: Final = 0.8
SEAM_FADE_D: Final = 0.03
SUB: Final = 4  # fillPoly's fractional bits: 1/16 px vertex precision, anti-aliased edge


@dataclass(frozen=True)
class Palette:
    cavity: NDArray[np.float32]
    teeth: NDArray[np.float32]
    tongue: NDArray[np.float32]
    seam: NDArray[np.float32]  # where closed lips meet: the lips' colour in shadow


def palette(rgb: NDArray[np.uint8], lips: Array, inner: Array, gap_px: float, d: float) -> Palette:
    """Colours sampled from the photo: the lips (their median), the teeth when the photo
    shows them (the brightest pixels between the inner lips), else a warm off-white at
    the face's brightness."""
    h, w = rgb.shape[:2]
    xs = np.clip(np.round(lips[:, 0]).astype(int), 0, w - 1)
    ys = np.clip(np.round(lips[:, 1]).astype(int), 0, h - 1)
    lip = np.median(rgb[ys, xs].astype(np.float32), axis=0)
    light = float(np.clip(lip.mean() / 150.0, 0.55, 1.1))
    teeth = np.array([232.0, 226.0, 212.0], np.float32) * light
    if gap_px > 0.06 * d:
        import cv2

        mask = np.zeros((h, w), np.uint8)
        cv2.fillPoly(mask, [np.round(inner * 16).astype(np.int32)], 255, cv2.LINE_8, SUB)
        inside = rgb[mask > 0].astype(np.float32)
        if len(inside) >= 12:
            luma = inside @ np.array([0.299, 0.587, 0.114], np.float32)
            bright = inside[luma >= np.percentile(luma, 70)]
            teeth = np.median(bright, axis=0)
    cavity = np.clip(lip * 0.26 + np.array([16.0, 2.0, 4.0]), 0, 255).astype(np.float32)
    tongue = np.clip(lip * 0.72 + np.array([24.0, -6.0, -4.0]), 0, 255).astype(np.float32)
    seam = (lip * np.array([0.52, 0.42, 0.42])).astype(np.float32)
    return Palette(cavity, np.asarray(teeth, np.float32), tongue, seam)


def _seam_line(
    frame: NDArray[np.uint8], upper: Array, lower: Array, d: float, pal: Palette, strength: float
) -> None:
    """The line where closed lips meet: midway between the inner lip contours, SEAM_D
    thick in the middle and tapering to the corners, in the lips' shadow colour."""
    import cv2

    xs = upper[:, 0]
    mid = 0.5 * (upper[:, 1] + _polyline_y(xs, lower))
    width = float(xs.max() - xs.min())
    if width < 2.0:
        return
    across = (xs - 0.5 * (xs.max() + xs.min())) / (0.5 * width)
    half = 0.5 * SEAM_D * d * np.sqrt(np.clip(1.0 - across**2, 0.0, 1.0)) + 0.15
    band = np.concatenate(
        [np.stack([xs, mid - half], axis=1), np.stack([xs, mid + half], axis=1)[::-1]]
    )
    h, w = frame.shape[:2]
    x0, x1 = max(0, int(xs.min()) - 2), min(w, int(np.ceil(xs.max())) + 3)
    y0, y1 = max(0, int((mid - half).min()) - 2), min(h, int(np.ceil((mid + half).max())) + 3)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    pts = np.round((band - [x0, y0]) * (1 << SUB)).astype(np.int32)
    cv2.fillPoly(mask, [pts], 255, cv2.LINE_AA, SUB)
    m = (mask.astype(np.float32) / 255.0 * SEAM_OPACITY * strength)[..., None]
    patch = frame[y0:y1, x0:x1, :3].astype(np.float32)
    out = patch * (1.0 - m) + pal.seam[None, None, :] * m
    frame[y0:y1, x0:x1, :3] = np.clip(out + 0.5, 0, 255).astype(np.uint8)


def _polyline_y(xs: Array, line: Array) -> Array:
    order = np.argsort(line[:, 0])
    return np.interp(xs, line[order, 0], line[order, 1])


def paint(
    frame: NDArray[np.uint8],
    upper: Array,
    lower: Array,
    rest_gap: float,
    closed: float,
    d: float,
    pal: Palette,
    s: Mapping[str, float],
) -> None:
    """Paint the mouth interior into ``frame`` (H, W, 3 or 4, in place) inside the polygon
    of the warped inner lips ``upper`` and ``lower`` (corner to corner, pixels).
    ``rest_gap``: the photo's own gap between the lips (pixels); ``closed``: how far the
    controls closed it (0..1). Once the photo's teeth were hidden by closing the lips, an
    opening shows the painted mouth, not them again."""
    import cv2

    poly = np.concatenate([upper, lower[::-1][1:-1]])
    width = float(np.linalg.norm(upper[-1] - upper[0]))
    if width < 2.0:
        return
    area = 0.5 * abs(
        float(
            np.dot(poly[:, 0], np.roll(poly[:, 1], 1)) - np.dot(poly[:, 1], np.roll(poly[:, 0], 1))
        )
    )
    gap = area / width
    shown = rest_gap * (1.0 - closed)  # up to this gap, the photo's own mouth shows
    alpha = float(np.clip((gap - shown - 0.02 * d) / (FADE_D * d), 0.0, 1.0))
    # Lips closing over what the photo shows between them (its teeth) would squeeze it
    # into a jagged bright line: the closing lips cover it instead.
    closing = float(np.clip(1.0 - gap / rest_gap, 0.0, 1.0)) if rest_gap > 0.5 else 0.0
    if closed > 0.0 and rest_gap > 0.5:
        # The inpainted closed mouth has no line where the lips meet; closed lips do (the
        # shadow of their contact). Without it the lips read as one pink shape, parted.
        meet = closed * float(np.clip(1.0 - gap / (SEAM_FADE_D * d), 0.0, 1.0))
        if meet > 0.0:
            _seam_line(frame, upper, lower, d, pal, meet)
    if alpha <= 0.0 and closing <= 0.0:
        return
    alpha = alpha * alpha * (3 - 2 * alpha)
    if closed > 0.0 and rest_gap > 0.5:
        # Once the photo's teeth are hidden, lips parting again (speech, AU25) show the
        # painted mouth at once: fading it in would let the squeezed photo teeth show
        # through as a bright jagged line. The painting reaches a little past the inner
        # lip contour (the photo's teeth do too), tapered to nothing at the corners.
        alpha = max(alpha, closed * float(np.clip(gap / (0.01 * d), 0.0, 1.0)))
        if alpha > 0.0:
            xc, half = 0.5 * (upper[0, 0] + upper[-1, 0]), 0.5 * width

            def taper(line: Array) -> Array:
                return np.sqrt(np.clip(1.0 - ((line[:, 0] - xc) / half) ** 2, 0.0, 1.0))

            reach = 0.02 * d * closed
            upper = upper - np.stack([0.0 * upper[:, 0], reach * taper(upper)], axis=1)
            lower = lower + np.stack([0.0 * lower[:, 0], 0.5 * reach * taper(lower)], axis=1)
            poly = np.concatenate([upper, lower[::-1][1:-1]])
    h, w = frame.shape[:2]
    x0 = max(0, int(np.floor(poly[:, 0].min())) - 2)
    x1 = min(w, int(np.ceil(poly[:, 0].max())) + 3)
    y0 = max(0, int(np.floor(poly[:, 1].min())) - 2)
    y1 = min(h, int(np.ceil(poly[:, 1].max())) + 3)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    pts = np.round((poly - [x0, y0]) * (1 << SUB)).astype(np.int32)
    cv2.fillPoly(mask, [pts], 255, cv2.LINE_AA, SUB)
    if alpha <= 0.0:
        # The line where the lips meet, a little taller than the squeezed gap: the photo's
        # teeth reach just past the landmark contour and would show as bright specks.
        pad = np.array([0.0, 0.04 * d * closing])
        band = np.concatenate([upper - pad, (lower + 0.3 * pad)[::-1][1:-1]])
        mask[:] = 0
        cv2.fillPoly(
            mask, [np.round((band - [x0, y0]) * (1 << SUB)).astype(np.int32)], 255, cv2.LINE_AA, SUB
        )
        m = mask.astype(np.float32) / 255.0 * min(0.85, 1.5 * closing)
        patch = frame[y0:y1, x0:x1, :3].astype(np.float32)
        out = patch * (1 - m[..., None]) + pal.seam[None, None, :] * m[..., None]
        frame[y0:y1, x0:x1, :3] = np.clip(out + 0.5, 0, 255).astype(np.uint8)
        return
    m = mask.astype(np.float32) / 255.0 * alpha
    ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float64) + 0.5
    cols = xs[0]
    y_up = _polyline_y(cols, upper)[None, :]
    y_lo = _polyline_y(cols, lower)[None, :]
    open_px = np.maximum(y_lo - y_up, 1e-3)
    xc = 0.5 * (upper[0, 0] + upper[-1, 0])
    half = 0.5 * width
    across = np.clip((xs - xc) / half, -1.0, 1.0)  # -1 .. 1 corner to corner
    depth = np.clip((ys - y_up) / open_px, 0.0, 1.0)  # 0 under the upper lip .. 1 at the lower
    # Cavity: darkest at the back (middle), a little light near the lips.
    shade = 0.55 + 0.6 * np.abs(across) ** 2 + 0.3 * (1 - depth) ** 4
    img = pal.cavity[None, None, :] * shade[..., None].astype(np.float32)
    # Tongue: a rounded mound on the floor of the mouth, raised for l, th, t/d/n.
    t_top = y_lo - open_px * (0.28 + 0.45 * s.get("tongue", 0.0))
    t_half = 0.62 * half
    mound = t_top + (y_lo - t_top) * (1 - np.sqrt(np.clip(1 - ((xs - xc) / t_half) ** 2, 0, 1)))
    tongue = np.clip((ys - mound) * 1.5, 0.0, 1.0) * (np.abs(xs - xc) < t_half)
    t_col = pal.tongue[None, None, :] * (0.7 + 0.3 * np.clip((ys - t_top) / open_px, 0, 1))[
        ..., None
    ].astype(np.float32)
    img = img * (1 - tongue[..., None]) + t_col * tongue[..., None]
    # Upper teeth: from the upper lip down, receding (shorter, darker) towards the corners.
    # In speech the upper lip covers most of the teeth: they show more as the jaw opens,
    # and the canines and beyond sit back in shadow.
    # A smile bares them across the mouth (AU12 lifts the upper lip's sides).
    # How much of the upper row shows follows the upper lip: a smile lifts it off the
    # teeth (AU12), the lip stretcher does not — AU20 draws the lips out and flattens them
    # against the teeth, and pulls the lower lip's middle down with them (FACS AU20
    # appearance changes, Ekman, Friesen & Hager 2002), so the fear mouth, "lips stretched
    # and drawn back" (Ekman & Friesen 1975), shows less of the upper row and more of the
    # lower than a speaking mouth; how much is project calibration. A row of upper teeth
    # bared across a widened mouth reads as a smile (it made the fear clip read happy).
    smile = float(np.clip(s.get("AU12", 0.0), 0.0, 1.0))
    stretch = float(np.clip(s.get("AU20", 0.0), 0.0, 1.0)) * (1.0 - smile)
    reach = 0.8 + 0.12 * smile
    arch = np.sqrt(np.clip(1.0 - (across / reach) ** 2, 0.0, 1.0))
    rest = INCISAL_DISPLAY / TOOTH_H
    opening = np.clip(open_px / (0.25 * d), 0.0, 1.0)
    shows = np.maximum(rest + (1.0 - rest) * opening, smile) * (1.0 - 0.6 * stretch)
    th = TOOTH_H * d * arch * shows
    inside = (np.abs(across) < reach).astype(np.float64)
    teeth = np.clip((y_up + th - ys) * 1.2, 0.0, 1.0) * inside
    seam = np.abs(((xs - xc) / (TOOTH_W * d)) % 1.0 - 0.5) * 2.0  # 1 at tooth edges
    gaps = 1.0 - 0.22 * np.clip((seam - 0.82) / 0.18, 0.0, 1.0)
    tooth_shade = (0.35 + 0.65 * arch) * (0.78 + 0.22 * np.clip((ys - y_up) / 2.5, 0, 1)) * gaps
    col = pal.teeth[None, None, :] * tooth_shade[..., None].astype(np.float32)
    img = img * (1 - teeth[..., None]) + col * teeth[..., None]
    # Lower teeth: only the edges show, in shadow, when the jaw is well open.
    low_open = np.clip((open_px - (0.2 - 0.12 * stretch) * d) / (0.1 * d), 0.0, 1.0)
    low_h = (0.045 + 0.03 * stretch) * d * low_open * arch
    lower_t = np.clip((ys - (y_lo - low_h)) * 1.2, 0.0, 1.0) * inside * (low_h > 0.3)
    img = img * (1 - lower_t[..., None]) + col * 0.45 * lower_t[..., None]
    # The upper lip's shadow on what is right below it.
    img *= (1.0 - 0.35 * np.exp(-(ys - y_up) / (0.02 * d + 0.5)))[..., None].astype(np.float32)
    # Where the lips are barely apart (towards the corners, a nearly closed mouth) the
    # slit shows the lips' moist inner edges in shadow rather than the dark cavity: a
    # one-pixel black line reads as a crack, not a mouth.
    slit = np.clip(open_px / (0.05 * d), 0.0, 1.0)[..., None].astype(np.float32)
    img = pal.seam[None, None, :] * (1.0 - slit) + img * slit
    patch = frame[y0:y1, x0:x1, :3].astype(np.float32)
    out = patch * (1 - m[..., None]) + img * m[..., None]
    frame[y0:y1, x0:x1, :3] = np.clip(out + 0.5, 0, 255).astype(np.uint8)
