"""Colour arithmetic: CIELAB/LCh ↔ sRGB and the emotion palette.

Conversions use the CIE 1976 L*a*b* formulas with the D65 white and the sRGB transfer
curve (IEC 61966-2-1); they are small and vectorised because the renderer calls them per
palette colour and per preview. Measurement (features.py) uses scikit-image's conversion.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from generators.image.attributes import Look

Array = NDArray[np.float64]
_WHITE = np.array([0.95047, 1.0, 1.08883])  # D65
_XYZ_TO_RGB = np.array(
    [
        [3.2404542, -1.5371385, -0.4985314],
        [-0.9692660, 1.8760108, 0.0415560],
        [0.0556434, -0.2040259, 1.0572252],
    ]
)


def lch_to_rgb(lch: Array) -> Array:
    """(..., 3) L*, C*, h° → sRGB in [0, 1] (out-of-gamut colours clipped)."""
    lch = np.asarray(lch, dtype=np.float64)
    h = np.radians(lch[..., 2])
    lab = np.stack([lch[..., 0], lch[..., 1] * np.cos(h), lch[..., 1] * np.sin(h)], axis=-1)
    return lab_to_rgb(lab)


def lab_to_rgb(lab: Array) -> Array:
    fy = (lab[..., 0] + 16.0) / 116.0
    f = np.stack([fy + lab[..., 1] / 500.0, fy, fy - lab[..., 2] / 200.0], axis=-1)
    delta = 6.0 / 29.0
    xyz = np.where(f > delta, f**3, 3 * delta**2 * (f - 4.0 / 29.0)) * _WHITE
    lin = xyz @ _XYZ_TO_RGB.T
    lin = np.clip(lin, 0.0, 1.0)
    rgb = np.where(lin <= 0.0031308, 12.92 * lin, 1.055 * lin ** (1 / 2.4) - 0.055)
    return np.clip(rgb, 0.0, 1.0)


def rgb_to_lightness(rgb: Array) -> Array:
    """sRGB in [0, 1] → CIELAB L* (fast; used for exposure, not for reported features)."""
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    y = lin @ np.array([0.2126729, 0.7151522, 0.0721750])
    return np.where(y > (6 / 29) ** 3, 116 * np.cbrt(y) - 16, y * (29 / 3) ** 3)


@dataclass(frozen=True)
class Palette:
    """Named colours (sRGB floats) for one image; every style draws from these."""

    sky_top: tuple[float, float, float]
    sky_horizon: tuple[float, float, float]
    ground: tuple[float, float, float]
    light: tuple[float, float, float]
    shadow: tuple[float, float, float]
    hues: tuple[tuple[float, float, float], ...]  # the style's working colours
    accent: tuple[float, float, float]


def _rgb(lch: tuple[float, float, float]) -> tuple[float, float, float]:
    r, g, b = lch_to_rgb(np.array(lch)).tolist()
    return (r, g, b)


def build(look: Look, rng: np.random.Generator, hue_bias: float | None = None) -> Palette:
    """The palette of one image: sky, ground, light and working hues around the key hue.

    ``hue_bias`` (degrees) is a prompt word's hue; it pulls the key hue part of the way,
    so "sea" stays blue-ish without losing the emotion's warmth or coolness.
    """
    hue = look.hue
    if hue_bias is not None:
        diff = ((hue_bias - hue + 180.0) % 360.0) - 180.0
        # A nearby hue is pulled most; a distant one barely, so the emotion's colour
        # survives ("angry sea" stays red, not violet).
        hue = (hue + 0.45 * diff * max(0.0, math.cos(math.radians(diff) / 2)) ** 2) % 360.0
    hue = (hue + rng.normal(0.0, 6.0)) % 360.0
    spread = look.hue_spread * (1.6 - 0.6 * look.hue_purity)
    chroma = look.chroma
    light_l = look.lightness
    day = look.daylight
    # Time of day: night skies are dark at the zenith, dusk skies glow at the horizon.
    top_l = np.clip(light_l - 18 + 14 * day, 4, 92)
    hor_l = np.clip(light_l + 12 + 6 * day, 8, 97)
    sky_top = _rgb((top_l, chroma * 0.7, (hue - spread * 0.3) % 360))
    warm = 55.0 if day < 0.6 else hue  # dusk horizons lean to orange
    hor_h = hue + 0.35 * (((warm - hue + 180) % 360) - 180) * (1 - abs(day))
    sky_horizon = _rgb((hor_l, chroma * 0.8, hor_h % 360))
    ground = _rgb((np.clip(light_l - 22, 3, 80), chroma * 0.6, (hue + spread * 0.4) % 360))
    light = _rgb((min(98.0, light_l + 35), min(chroma, 40) * 0.8, (hor_h + 10) % 360))
    shadow = _rgb((max(3.0, light_l - 35), chroma * 0.5, (hue + 20) % 360))
    n = 5
    offsets = np.linspace(-0.5, 0.5, n) * spread + rng.normal(0, 4, n)
    levels = light_l + np.linspace(-20, 15, n)[rng.permutation(n)]
    hues = tuple(
        _rgb((float(np.clip(lv, 4, 96)), chroma * rng.uniform(0.8, 1.2), (hue + o) % 360))
        for lv, o in zip(levels, offsets, strict=True)
    )
    accent_h = (hue + 180.0 + rng.normal(0, 15)) % 360.0
    accent = _rgb((min(92.0, light_l + 10), chroma * 1.2, accent_h))
    return Palette(sky_top, sky_horizon, ground, light, shadow, hues, accent)


def mix(a: tuple[float, ...], b: tuple[float, ...], t: float) -> tuple[float, float, float]:
    """Linear blend of two sRGB colours (t = 0 → a)."""
    r, g, bb = (x + (y - x) * t for x, y in zip(a, b, strict=True))
    return (r, g, bb)


def degrees_between(a: float, b: float) -> float:
    return abs(((a - b + 180.0) % 360.0) - 180.0) if math.isfinite(a + b) else 0.0


def rgb_to_lab(rgb: Array) -> Array:
    """sRGB in [0, 1] → CIELAB (D65); the fast inverse of :func:`lab_to_rgb`."""
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = lin @ np.linalg.inv(_XYZ_TO_RGB).T / _WHITE
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz * (29 / 6) ** 2 / 3 + 4 / 29)
    return np.stack(
        [116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])],
        axis=-1,
    )
