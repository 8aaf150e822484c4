"""Grade mode: recolour and relight a photo toward the condition (a colour grade).

Steps, each scaled by ``strength``: split toning (shadows toward the palette's shadow hue,
highlights toward its light), a vignette, a highlight bloom, then the exposure/contrast
curve and saturation solved so the photo's mean L* and chroma move toward the look's
targets (Valdez & Mehrabian 1994: brightness → pleasure, saturation → arousal), and film
grain. The photo keeps its own content and framing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from generators.image import color, tone
from generators.image.attributes import Look

Stage = Callable[[float, str], None]
_LUMA = np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)


def _thumb(rgb: NDArray[Any], side: int = 96) -> NDArray[np.uint8]:
    h, w = rgb.shape[:2]
    ys = np.linspace(0, h - 1, min(side, h)).astype(int)
    xs = np.linspace(0, w - 1, min(side, w)).astype(int)
    return np.round(np.clip(rgb[ys][:, xs], 0, 1) * 255).astype(np.uint8)


def _bloom(rgb: NDArray[Any], amount: float) -> NDArray[Any]:
    from PIL import Image
    from scipy.ndimage import gaussian_filter

    h, w = rgb.shape[:2]
    sw, sh = max(4, w // 8), max(4, h // 8)
    small = (
        np.asarray(
            Image.fromarray(np.round(rgb * 255).astype(np.uint8)).resize(
                (sw, sh), Image.Resampling.BILINEAR
            ),
            dtype=np.float32,
        )
        / 255.0
    )
    bright = np.clip((small - 0.5) / 0.5, 0, 1) ** 1.3
    blurred = gaussian_filter(bright, sigma=(max(sw, sh) * 0.03, max(sw, sh) * 0.03, 0))
    up = Image.fromarray(np.round(blurred * 255).astype(np.uint8)).resize(
        (w, h), Image.Resampling.BILINEAR
    )
    glow = np.asarray(up, dtype=np.float32) / 255.0 * amount
    return 1.0 - (1.0 - rgb) * (1.0 - glow)  # screen


def grade(
    photo: NDArray[np.uint8], look: Look, strength: float, seed: int, stage: Stage
) -> tuple[NDArray[np.uint8], dict[str, object]]:
    rng = np.random.default_rng(seed)
    palette = color.build(look, rng)
    rgb = photo.astype(np.float32) / 255.0
    h, w = rgb.shape[:2]
    stage(0.2, "split toning")
    y = rgb @ _LUMA
    shadow = np.array(palette.shadow, dtype=np.float32)
    light = np.array(palette.light, dtype=np.float32)
    # Tints normalised to unit luma so toning shifts hue, not brightness.
    shadow /= max(float(shadow @ _LUMA), 0.05)
    light /= max(float(light @ _LUMA), 0.05)
    tint = shadow[None, None] * (1 - y[..., None]) + light[None, None] * y[..., None]
    amount = strength * (0.15 + 0.35 * look.chroma / 58.0)
    rgb = rgb * (1 - amount) + amount * np.clip(y[..., None] * tint, 0, 1)
    stage(0.4, "vignette and bloom")
    if look.vignette > 0.01:
        yy, xx = np.ogrid[-1 : 1 : h * 1j, -1 : 1 : w * 1j]
        r = np.sqrt(xx * xx + yy * yy) / np.sqrt(2)
        fall = np.clip((r - (0.45 - 0.2 * look.vignette)) / 0.6, 0, 1) ** 1.5
        rgb *= (1 - 0.85 * strength * look.vignette * fall)[..., None].astype(np.float32)
    if look.glow > 0.02:
        rgb = _bloom(rgb, float(min(1.0, 1.1 * look.glow * strength)))
    stage(0.6, "exposure and saturation")
    before = _thumb(rgb)
    lab = color.rgb_to_lab(before.astype(np.float64) / 255.0)
    l0 = float(lab[..., 0].mean())
    c0 = float(np.hypot(lab[..., 1], lab[..., 2]).mean())
    target_l = l0 + strength * (look.lightness - l0)
    target_c = c0 + strength * (look.chroma - c0)
    contrast = 0.4 + strength * (look.contrast - 0.4)
    lut, sat = tone.solve(before, target_l, target_c, contrast)
    codes = np.round(np.clip(rgb, 0, 1) * 255).astype(np.uint8)
    rgb = lut.astype(np.float32)[codes] / 255.0
    rgb = np.clip(rgb @ tone.saturation_matrix(sat).T, 0, 1)
    if look.grain > 0.005:
        stage(0.8, "grain")
        noise = rng.normal(0.0, 1.0, (h, w, 1)).astype(np.float32)
        rgb = np.clip(rgb + noise * (0.09 * look.grain * strength), 0, 1)
    out = np.round(rgb * 255).astype(np.uint8)
    return out, {
        "mode": "grade",
        "strength": strength,
        "from": {"mean_lightness": round(l0, 2), "mean_chroma": round(c0, 2)},
        "target": {"mean_lightness": round(target_l, 2), "mean_chroma": round(target_c, 2)},
    }
