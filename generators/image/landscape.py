"""Landscape silhouettes: layered ridges with atmospheric perspective and the motif's
elements (water, trees, city, lighthouse, fire, stars, rain, clouds, sun or moon).

Far ridges take the horizon colour, near ones the ground colour, as haze does in real
scenery. Curvature picks rolling hills or sharp peaks; the central mass (size from
dominance) is the tallest peak or the motif's landmark.
"""

from __future__ import annotations

import math

import numpy as np
import skia

from generators.image import drawing as d
from generators.image.color import mix


def sky_elements(canvas: skia.Canvas, s: d.Scene) -> None:
    """Stars, sun/moon and clouds: drawn before any style so every style shares them."""
    lk, rng, el = s.look, s.rng, s.motif.elements
    night = lk.daylight < -0.25 or "stars" in el or "moon" in el
    if night and ("stars" in el or lk.daylight < -0.4):
        n = int(60 + 300 * lk.density)
        xy = rng.random((n, 2)) * [s.width, s.horizon_y]
        sizes = s.px * rng.uniform(0.6, 2.2, n) ** 2
        paint = d.fill(s.palette.light, 0.9)
        for (x, y), r in zip(xy, sizes, strict=True):
            canvas.drawCircle(float(x), float(y), float(r), paint)
    radius = s.unit * (0.035 + 0.05 * lk.glow + 0.04 * ("sun" in el or "moon" in el))
    halo = radius * (3 + 6 * lk.glow)
    glow = d.fill(s.palette.light)
    glow.setShader(
        d.radial(
            (s.light_x, s.light_y),
            halo,
            [d.color(s.palette.light, 0.55 * (0.3 + lk.glow)), d.color(s.palette.light, 0.0)],
        )
    )
    canvas.drawCircle(s.light_x, s.light_y, halo, glow)
    canvas.drawCircle(s.light_x, s.light_y, radius, d.fill(s.palette.light, 0.95))
    if "clouds" in el or rng.random() < 0.3:
        n = 3 + int(5 * lk.density)
        blur = skia.ImageFilters.Blur(s.px * 12, s.px * 12)
        for _ in range(n):
            c = (rng.uniform(0, s.width), rng.uniform(0.08, 0.85) * s.horizon_y)
            shape = d.blob(rng, c, s.unit * rng.uniform(0.05, 0.14), 0.4 + 0.4 * lk.turbulence)
            rgb = mix(s.palette.sky_horizon, s.palette.light, rng.uniform(0, 0.6))
            paint = d.fill(rgb, 0.45, ImageFilter=blur)
            canvas.drawPath(d.polygon(shape[:, :] * [1, 1], True, 0.9), paint)


def _ridge(
    s: d.Scene, base: float, height: float, rough: float, n: int = 96, bottom: float | None = None
) -> d.Points:
    """A ridge line across the frame closed down to ``bottom`` (default: the frame)."""
    xs = np.linspace(-0.02 * s.width, 1.02 * s.width, n)
    prof = d.profile(s.rng, n, rough, 1.0 - s.look.curvature)
    ys = base - height * (0.55 + 0.45 * prof)
    low = s.height + 2 if bottom is None else bottom
    return np.vstack([np.stack([xs, ys], 1), [[xs[-1], low], [xs[0], low]]])


def landscape(canvas: skia.Canvas, s: d.Scene, amount: float = 1.0) -> None:
    lk, rng, el = s.look, s.rng, s.motif.elements
    hy = s.horizon_y
    water = "water" in el
    layers = 3 + int(2 * lk.density)
    if water:
        _water(canvas, s, amount)
    for i in range(layers):
        t = i / max(layers - 1, 1)  # 0 far .. 1 near
        rgb = mix(s.palette.sky_horizon, s.palette.ground, 0.25 + 0.75 * t)
        rgb = mix(rgb, s.palette.shadow, 0.5 * t)
        bottom = None
        if water and i < layers - 1:  # far coasts and islands sitting on the sea
            base, height = hy + 1, s.unit * (0.03 + 0.04 * t) * (0.5 + lk.turbulence)
            bottom = hy + 1
        elif water:  # a headland on the landmark's side; open sea elsewhere
            base, height = s.mass_y + s.unit * 0.08, s.unit * 0.1
        else:
            base = hy + (s.height - hy) * 0.75 * t**1.3
            height = s.unit * (0.08 + 0.12 * (1 - t)) * (0.6 + lk.turbulence)
        pts = _ridge(s, base, height, 0.3 + 0.6 * lk.turbulence, bottom=bottom)
        if water and i == layers - 1:
            reach = abs(s.mass_x - (s.width if s.mass_x > s.width / 2 else 0)) + s.mass_size
            dist = np.abs(pts[:-2, 0] - s.mass_x) / max(reach, 1.0)
            drop = np.clip((dist - 0.4) / 0.6, 0, 1) ** 1.5
            pts[:-2, 1] += drop * (s.height + 2 - pts[:-2, 1])
        canvas.drawPath(d.polygon(pts, True, 0.0), d.fill(rgb, amount))
        if i == layers - 2 or (layers == 1):
            _mass(canvas, s, rgb, amount)
        if i == layers - 1:
            _foreground(canvas, s, pts, rgb, amount)
    if "rain" in el:
        n = int(150 + 900 * lk.density)
        xy = rng.random((n, 2)) * [s.width * 1.2, s.height]
        slant = s.px * (8 + 30 * lk.turbulence)
        length = s.px * rng.uniform(12, 40, n)
        path = skia.Path()
        for (x, y), ln in zip(xy, length, strict=True):
            path.moveTo(float(x), float(y))
            path.lineTo(float(x - slant * ln / 30), float(y + ln))
        canvas.drawPath(path, d.stroke(s.palette.light, s.px * 1.1, 0.25 * amount))


def _water(canvas: skia.Canvas, s: d.Scene, amount: float) -> None:
    lk, rng = s.look, s.rng
    hy = s.horizon_y
    sea = d.fill(s.palette.ground, amount)
    sea.setShader(
        d.linear(
            (0, hy),
            (0, s.height),
            [d.color(s.palette.sky_horizon, amount), d.color(s.palette.shadow, amount)],
        )
    )
    canvas.drawRect(skia.Rect.MakeLTRB(0, hy, s.width, s.height), sea)
    # Glitter path under the light and wave lines: more and choppier with arousal.
    n = int(40 + 260 * lk.density)
    path = skia.Path()
    for _ in range(n):
        y = hy + (s.height - hy) * rng.random() ** 1.6
        depth = (y - hy) / max(s.height - hy, 1)
        w = s.px * (10 + 90 * depth) * (0.6 + rng.random())
        x = rng.normal(s.light_x, s.unit * (0.05 + 0.3 * depth) * (1 + lk.turbulence))
        chop = s.px * (1 + 10 * lk.turbulence) * depth
        if lk.curvature > 0.5:
            path.moveTo(float(x - w), float(y))
            path.quadTo(float(x), float(y - chop), float(x + w), float(y))
        else:
            path.moveTo(float(x - w), float(y))
            path.lineTo(float(x), float(y - chop))
            path.lineTo(float(x + w), float(y))
    canvas.drawPath(path, d.stroke(s.palette.light, s.px * 1.6, 0.45 * amount))


def _mass(canvas: skia.Canvas, s: d.Scene, rgb: d.RGB, amount: float) -> None:
    """The central mass: landmark of the motif or the tallest peak."""
    el, lk = s.motif.elements, s.look
    x, base, size = s.mass_x, s.mass_y, s.mass_size
    dark = mix(rgb, s.palette.shadow, 0.4)
    if "lighthouse" in el or "tower" in el:
        w = size * 0.16
        top = base - size * 1.3
        body = np.array([[x - w, base], [x - w * 0.65, top], [x + w * 0.65, top], [x + w, base]])
        # Cliff under the tower.
        cliff = _ridge(s, base + size * 0.05, size * 0.25, 0.4, 24)
        cliff[:-2, 0] = x + (cliff[:-2, 0] / s.width - 0.5) * size * 2.4
        canvas.drawPath(d.polygon(cliff, True, lk.curvature * 0.7), d.fill(dark, amount))
        canvas.drawPath(d.polygon(body, True, 0.0), d.fill(dark, amount))
        lamp_y = top - w * 0.6
        canvas.drawRect(
            skia.Rect.MakeLTRB(x - w * 0.6, lamp_y, x + w * 0.6, top),
            d.fill(s.palette.light, amount),
        )
        canvas.drawPath(
            d.polygon(
                np.array([[x - w * 0.8, lamp_y], [x, lamp_y - w], [x + w * 0.8, lamp_y]]), True, 0.0
            ),
            d.fill(dark, amount),
        )
        if "lighthouse" in el:
            side = -1.0 if s.mass_x > s.width / 2 else 1.0
            reach = s.unit * (0.6 + 0.4 * lk.glow)
            spread = 0.08 + 0.05 * lk.turbulence
            a = s.rng.uniform(-0.15, 0.1)
            beam = np.array(
                [
                    [x, lamp_y - w * 0.3],
                    [
                        x + side * reach * math.cos(a - spread),
                        lamp_y + reach * math.sin(a - spread),
                    ],
                    [
                        x + side * reach * math.cos(a + spread),
                        lamp_y + reach * math.sin(a + spread),
                    ],
                ]
            )
            paint = d.fill(s.palette.light)
            paint.setShader(
                d.radial(
                    (x, lamp_y),
                    reach,
                    [d.color(s.palette.light, 0.7 * amount), d.color(s.palette.light, 0.0)],
                )
            )
            canvas.drawPath(d.polygon(beam, True, 0.0), paint)
        return
    if "city" in el:
        n = int(6 + 14 * lk.density)
        xs = np.sort(x + s.rng.normal(0, size * 0.9, n))
        lit = d.fill(s.palette.light, 0.8 * amount)
        for bx in xs:
            w = size * s.rng.uniform(0.08, 0.2)
            h = size * s.rng.uniform(0.3, 1.2) * (1.2 - abs(bx - x) / (size * 2 + 1))
            canvas.drawRect(
                skia.Rect.MakeLTRB(bx - w / 2, base - h, bx + w / 2, base + 2), d.fill(dark, amount)
            )
            win = max(1.5, s.px * 3)
            for wy in np.arange(base - h + win * 2, base - win, win * 3):
                for wx in np.arange(bx - w / 2 + win, bx + w / 2 - win, win * 2.5):
                    if s.rng.random() < 0.25 + 0.3 * lk.glow:
                        canvas.drawRect(skia.Rect.MakeXYWH(wx, wy, win, win), lit)
        return
    if "fire" in el:
        flame_pts = 9
        for k in range(int(4 + 8 * lk.density)):
            fx = x + s.rng.normal(0, size * 0.35)
            fh = size * s.rng.uniform(0.6, 1.4) * (1 - abs(fx - x) / (size * 1.5 + 1))
            t = np.linspace(0, 1, flame_pts)
            sway = np.sin(t * 3 + s.rng.random() * 6) * size * 0.08 * (1 + lk.turbulence)
            width = size * 0.12 * (1 - t) ** 0.8
            left = np.stack([fx - width + sway * t, base - fh * t], 1)
            right = np.stack([fx + width + sway * t, base - fh * t], 1)[::-1]
            col = mix(s.palette.accent, s.palette.light, k / 12)
            paint = d.fill(col, 0.55 * amount, BlendMode=skia.BlendMode.kScreen)
            canvas.drawPath(d.polygon(np.vstack([left, right]), True, lk.curvature), paint)
        return
    # A peak (or a dome when the mood is rounded) rising over the ridges.
    n = 9
    xs = np.linspace(x - size * 1.4, x + size * 1.4, n)
    ys = base - size * np.maximum(0, 1 - np.abs(np.linspace(-1, 1, n))) ** (0.7 + lk.curvature)
    ys[1:-1] += s.rng.normal(0, size * 0.05 * (1 - lk.curvature), n - 2)
    pts = np.vstack([np.stack([xs, ys], 1), [[xs[-1], s.height], [xs[0], s.height]]])
    canvas.drawPath(
        d.polygon(pts, True, lk.curvature * 0.9),
        d.fill(mix(rgb, s.palette.sky_horizon, 0.15), amount),
    )
    if "snow" in el or ("peaks" in el and lk.lightness > 45):
        cap = pts[:n].copy()
        mid = n // 2
        cap = cap[mid - 2 : mid + 3]
        cap = np.vstack([cap, cap[::-1] + np.array([0.0, size * 0.15])])
        canvas.drawPath(
            d.polygon(cap, True, lk.curvature * 0.6), d.fill(s.palette.light, 0.85 * amount)
        )


def _foreground(
    canvas: skia.Canvas, s: d.Scene, ridge: d.Points, rgb: d.RGB, amount: float
) -> None:
    el, lk, rng = s.motif.elements, s.look, s.rng
    dark = mix(rgb, s.palette.shadow, 0.6)
    top = ridge[:-2]
    if "trees" in el:
        n = int(8 + 40 * lk.density)
        for _ in range(n):
            i = int(rng.integers(len(top)))
            x, y = top[i]
            h = s.unit * rng.uniform(0.04, 0.12)
            if lk.curvature < 0.5:  # conifers: stacked triangles
                tri = np.array([[x - h * 0.25, y + 2], [x, y - h], [x + h * 0.25, y + 2]])
                canvas.drawPath(d.polygon(tri, True, 0.0), d.fill(dark, amount))
            else:  # broadleaf: a trunk and a round crown
                canvas.drawRect(
                    skia.Rect.MakeLTRB(x - h * 0.04, y - h * 0.5, x + h * 0.04, y + 2),
                    d.fill(dark, amount),
                )
                crown = d.blob(rng, (x, y - h * 0.7), h * 0.35, 0.3, 14)
                canvas.drawPath(d.polygon(crown, True, 0.9), d.fill(dark, amount))
    if "flowers" in el:
        n = int(30 + 200 * lk.density)
        for _ in range(n):
            x = rng.uniform(0, s.width)
            y = rng.uniform(np.interp(x, top[:, 0], top[:, 1]), s.height)
            r = s.px * rng.uniform(2, 7) * (0.5 + (y / s.height))
            col = s.palette.hues[int(rng.integers(len(s.palette.hues)))]
            col = mix(col, s.palette.accent, rng.random() * 0.6)
            canvas.drawCircle(float(x), float(y), float(r), d.fill(col, 0.85 * amount))
    if "dunes" in el:
        for k in range(3):
            y = s.height * (0.75 + 0.08 * k)
            xs = np.linspace(0, s.width, 40)
            ys = y + np.sin(xs / s.unit * 6 + rng.random() * 6) * s.px * 12
            canvas.drawPath(
                d.polygon(np.stack([xs, ys], 1), False, 0.9),
                d.stroke(s.palette.light, s.px * 1.5, 0.3 * amount),
            )
