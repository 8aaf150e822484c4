"""Tone solving shared by the renderer and grade mode.

An exposure gamma, a contrast curve and a saturation factor are solved on a thumbnail so
that the full image lands on the look's target mean L* and chroma: brightness carries
pleasure and saturation carries arousal (Valdez & Mehrabian 1994, emotion-facts §6).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from generators.image import color


def tone_curve(contrast: float) -> NDArray[np.float64]:
    """A 256-entry tone curve: blend of identity and smoothstep (negative flattens)."""
    x = np.linspace(0.0, 1.0, 256)
    k = (contrast - 0.4) * 1.6
    return np.clip(x + k * (x * x * (3 - 2 * x) - x), 0.0, 1.0)


def solve(
    thumb: NDArray[np.uint8],
    lightness: float,
    chroma: float,
    contrast: float,
    steps: int = 12,
) -> tuple[NDArray[np.uint8], float]:
    """Exposure LUT and saturation factor that bring a thumbnail (sRGB bytes) to the
    target mean L* and mean chroma C*ab (bisection on a gamma, then a chroma ratio).
    ``steps``: bisection halvings of the log2-gamma range of 5 (12: within 0.001; a live
    draft's 8: within 0.02, a gamma within 1.4 %)."""
    curve = tone_curve(contrast)
    levels = np.linspace(0.0, 1.0, 256)
    codes = thumb.reshape(-1, 3)
    luma = np.array([0.2126, 0.7152, 0.0722])

    def apply(g: float, sat: float) -> NDArray[np.float64]:
        toned = np.interp(levels**g, levels, curve)[codes]
        y = toned @ luma
        return np.clip(y[:, None] + sat * (toned - y[:, None]), 0, 1)

    sat = 1.0
    g = 1.0
    for _ in range(2):
        lo, hi = -2.5, 2.5  # log2 of gamma
        for _ in range(steps):
            mid = (lo + hi) / 2
            mean_l = float(color.rgb_to_lightness(apply(2.0**mid, sat)).mean())
            lo, hi = (mid, hi) if mean_l > lightness else (lo, mid)
        g = 2.0 ** ((lo + hi) / 2)
        lab = color.rgb_to_lab(apply(g, sat))
        measured = float(np.hypot(lab[:, 1], lab[:, 2]).mean())
        sat = float(np.clip(sat * chroma / max(measured, 0.5), 0.0, 3.0))
    lut = np.round(np.interp(levels**g, levels, curve) * 255)
    return lut.astype(np.uint8), sat


def saturation_matrix(sat: float) -> NDArray[np.float32]:
    """3×3 matrix scaling chroma around Rec. 709 luma."""
    luma = np.array([0.2126, 0.7152, 0.0722])
    return ((1.0 - sat) * np.tile(luma, (3, 1)) + sat * np.eye(3)).astype(np.float32)
