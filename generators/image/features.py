"""Measured features of an image, put in its metadata (and reused by the benchmarks).

- ``mean_lightness``: mean CIELAB L* (scikit-image ``rgb2lab``, D65).
- ``colourfulness``: Hasler & Süsstrunk 2003, M = σ_rgyb + 0.3 · μ_rgyb with
  rg = R − G, yb = (R + G)/2 − B on 0–255 values.
- ``mean_chroma``: mean C*ab.
- ``hue_histogram``: 12 bins of 30° over CIELAB hue, weighted by chroma, normalised.
- ``edge_angularity``: corners and sharp turns along edges, from the structure tensor's
  eigenvalue ratio (see :func:`edge_angularity`) — the form cue for curvature (Bar & Neta
  2006: sharp angles vs rounded contours).
- ``edge_straightness``: long straight edges in few directions (orientation-histogram
  concentration and structure-tensor coherence, 0–1): how ordered the edges are.
- ``high_frequency_energy``: share of the L* spectrum's AC power above 1/4 of the
  sampling frequency (fine detail, texture, grain).
Measured on a copy at most 512 px on its longer side so the cost stays flat.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

ANALYSIS_SIDE: Final = 512


def _analysis_copy(rgb: NDArray[np.uint8]) -> NDArray[np.float64]:
    h, w = rgb.shape[:2]
    step = max(1, int(np.ceil(max(h, w) / ANALYSIS_SIDE)))
    if step == 1:
        return rgb.astype(np.float64) / 255.0
    hh, ww = h // step * step, w // step * step
    blocks = rgb[:hh, :ww].reshape(hh // step, step, ww // step, step, 3).astype(np.float64)
    return blocks.mean(axis=(1, 3)) / 255.0


def colourfulness(rgb: NDArray[np.floating[Any]] | NDArray[np.uint8]) -> float:
    """Hasler & Süsstrunk (2003) colourfulness M of an RGB image with values 0–255."""
    x = np.asarray(rgb, dtype=np.float64)
    rg = x[..., 0] - x[..., 1]
    yb = 0.5 * (x[..., 0] + x[..., 1]) - x[..., 2]
    sigma = np.hypot(rg.std(), yb.std())
    mu = np.hypot(rg.mean(), yb.mean())
    return float(sigma + 0.3 * mu)


def high_frequency_energy(lightness: NDArray[np.float64]) -> float:
    """Share of AC spectral power above a quarter of the sampling frequency."""
    centred = lightness - lightness.mean()
    power = np.abs(np.fft.rfft2(centred)) ** 2
    fy = np.fft.fftfreq(centred.shape[0])[:, None]
    fx = np.fft.rfftfreq(centred.shape[1])[None, :]
    radius = np.hypot(fy, fx)
    total = float(power.sum())
    return float(power[radius > 0.25].sum() / total) if total > 0 else 0.0


def edge_straightness(lightness: NDArray[np.float64]) -> float:
    """Long straight edges in few directions → 1; curves and scattered directions → 0.

    The mean of two parts, both weighted by gradient energy over the strongest quarter of
    edge pixels: (a) orientation concentration, 1 − normalised entropy of a 36-bin
    histogram of gradient orientation (mod 180°) — a square scores high, a circle low;
    (b) straightness, the coherence of the doubled-angle orientation field averaged over a
    window of 1/16 of the image side (structure-tensor coherence) — long straight edges
    keep it near 1, curves and texture lower it.
    """
    from scipy.ndimage import sobel, uniform_filter

    gx = sobel(lightness, axis=1)
    gy = sobel(lightness, axis=0)
    energy = gx * gx + gy * gy
    if float(energy.sum()) <= 1e-9:
        return 0.0
    strong = energy >= np.percentile(energy, 75)
    weights = energy * strong
    theta = np.arctan2(gy, gx) % np.pi
    hist, _ = np.histogram(theta, bins=36, range=(0.0, np.pi), weights=weights)
    p = hist[hist > 0] / hist.sum()
    concentration = 1.0 - float(-(p * np.log(p)).sum() / np.log(36))
    window = max(5, min(lightness.shape) // 16)
    c2 = uniform_filter(gx * gx - gy * gy, window)
    s2 = uniform_filter(2 * gx * gy, window)
    norm = uniform_filter(energy, window)
    coherence = np.hypot(c2, s2) / np.maximum(norm, 1e-9)
    straightness = float((coherence * weights).sum() / max(float(weights.sum()), 1e-9))
    return 0.5 * (concentration + straightness)


def edge_angularity(lightness: NDArray[np.float64]) -> float:
    """Corners and sharp turns along edges (0 = smooth curves and straight runs).

    The structure tensor (gradient outer products, Gaussian window of 1/96 of the image
    side) has one dominant eigenvalue along a straight edge or a gently curving one, and
    two comparable eigenvalues where an edge turns sharply — the Harris/Förstner corner
    principle. Angularity is the gradient-energy-weighted mean of λmin/λmax over the
    strongest tenth of edge pixels, after a σ = 1.5 px blur so film grain does not count.
    A square scores about four times a disc of the same size; values are small (≈ 0–0.1).
    """
    from scipy.ndimage import gaussian_filter, sobel

    smooth = gaussian_filter(lightness, 1.5)
    gx = sobel(smooth, axis=1)
    gy = sobel(smooth, axis=0)
    energy = gx * gx + gy * gy
    if float(energy.sum()) <= 1e-9:
        return 0.0
    w = max(2.0, min(lightness.shape) / 96)
    jxx = gaussian_filter(gx * gx, w)
    jyy = gaussian_filter(gy * gy, w)
    jxy = gaussian_filter(gx * gy, w)
    half_trace = (jxx + jyy) / 2
    spread = np.sqrt(np.maximum(half_trace**2 - (jxx * jyy - jxy**2), 0.0))
    ratio = (half_trace - spread) / np.maximum(half_trace + spread, 1e-9)
    weights = energy * (energy >= np.percentile(energy, 90))
    return float((ratio * weights).sum() / max(float(weights.sum()), 1e-9))


def measure(rgb: NDArray[np.uint8]) -> dict[str, Any]:
    """All features of an (H, W, 3) uint8 sRGB image."""
    from skimage.color import rgb2lab

    small = _analysis_copy(rgb)
    lab = rgb2lab(small)
    chroma = np.hypot(lab[..., 1], lab[..., 2])
    hue = np.degrees(np.arctan2(lab[..., 2], lab[..., 1])) % 360.0
    hist, _ = np.histogram(hue, bins=12, range=(0.0, 360.0), weights=chroma)
    hist = hist / hist.sum() if hist.sum() > 0 else hist
    lightness = lab[..., 0]
    return {
        "width": int(rgb.shape[1]),
        "height": int(rgb.shape[0]),
        "mean_lightness": round(float(lightness.mean()), 3),
        "lightness_std": round(float(lightness.std()), 3),
        "colourfulness": round(colourfulness(small * 255.0), 3),
        "mean_chroma": round(float(chroma.mean()), 3),
        "hue_histogram": [round(float(v), 4) for v in hist],
        "dominant_hue_deg": int(np.argmax(hist)) * 30 + 15 if hist.sum() > 0 else None,
        "edge_angularity": round(edge_angularity(lightness), 5),
        "edge_straightness": round(edge_straightness(lightness), 4),
        "high_frequency_energy": round(high_frequency_energy(lightness), 5),
    }
