"""Abstract styles: flow fields, watercolour washes and geometric shards.

Each style draws its elements onto a skia canvas over the sky the compositor painted.
Emotion enters through the scene's ``Look``: density sets how many elements, turbulence
how they move, curvature whether contours are rounded or angular (Bar & Neta 2006), and
the palette carries lightness, chroma and hue.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import skia

from generators.image import drawing as d
from generators.image.color import mix
from generators.image.composition import stream

_WASH_BANDS = 7  # band slots down the frame; the density fills up to all of them
_CELLS = 180  # most shards (density 1)
_EMPTY = np.zeros((0, 2))


def flow(canvas: skia.Canvas, s: d.Scene, amount: float = 1.0) -> None:
    """Streamlines through a smooth vector field; angular moods snap the heading to a
    few directions, giving zigzag, crystalline flow instead of soft curls."""
    lk, rng = s.look, s.rng
    area = s.width * s.height / s.draw_scale**2 / 1024.0**2
    scale = (0.25 + 0.75 * math.sqrt(area)) * amount
    n = int((160 + 1300 * lk.density) * scale)
    most = int(1460 * scale)  # random numbers for the densest field, drawn always: a
    # denser mood adds lines without reshuffling the others (stable live preview)
    steps = int(24 + 26 * (1 - lk.density))
    step = s.px * (5.0 + 5.0 * (1 - lk.density))
    base = rng.uniform(-0.4, 0.4) + (math.pi if rng.random() < 0.5 else 0.0)
    params = d.angle_field(rng, s.unit, lk.turbulence, base)
    pts = rng.random((most, 2))[:n] * [s.width * 1.1, s.height * 1.1] - [
        s.width * 0.05,
        s.height * 0.05,
    ]
    picks = rng.integers(0, len(s.palette.hues), most)[:n]
    # Swirl around the central mass: the field bends round it (focal point of the piece).
    centre = np.array([s.mass_x, s.mass_y - s.mass_size * 0.5])
    snap = (1 - lk.curvature) ** 2  # 0 = free curves, 1 = eight-way heading
    trail = np.empty((steps + 1, n, 2))
    trail[0] = pts
    for i in range(steps):
        theta = d.field_angle(params, pts)
        rel = pts - centre
        dist = np.hypot(rel[:, 0], rel[:, 1]) + 1e-6
        swirl = np.exp(-((dist / (s.mass_size + 1e-6)) ** 2))
        theta = theta + swirl * (np.arctan2(rel[:, 1], rel[:, 0]) + math.pi / 2 - theta)
        if snap > 0.05:
            q = np.round(theta / (math.pi / 4)) * (math.pi / 4)
            theta = theta + snap * (q - theta)
        pts = pts + step * np.stack([np.cos(theta), np.sin(theta)], axis=1)
        trail[i + 1] = pts
    width_base = max(0.7, s.px * (2.0 + 9.0 * (1 - lk.density) ** 1.5))
    hues = s.palette.hues
    groups = len(hues) + 1
    # Lines near the light are lit: colour group by distance to the light source.
    light_d = np.hypot(trail[0, :, 0] - s.light_x, trail[0, :, 1] - s.light_y) / s.unit
    group = np.where(light_d < 0.18 + 0.2 * lk.glow, len(hues), picks)
    stride = 2 if snap < 0.5 else 1  # angular zigzags keep every vertex
    lines = trail[::stride].transpose(1, 0, 2)
    # One path per colour group, its lines in order (the densest field has ~1500).
    paths = [d.polylines(lines[group == g]) for g in range(groups)]
    for g, path in enumerate(paths):
        rgb = s.palette.light if g == len(hues) else hues[g]
        alpha = (0.45 + 0.4 * lk.density) * (0.9 if g == len(hues) else 1.0) * amount
        width = width_base * (0.6 + 0.8 * (g % 3) / 2)
        canvas.drawPath(path, d.stroke(rgb, width, alpha, round_=lk.curvature > 0.4))


def wash(canvas: skia.Canvas, s: d.Scene, amount: float = 1.0) -> None:
    """Watercolour washes: horizontal bands and pools, each drawn as many independently
    deformed translucent copies (the layered midpoint-displacement technique). Painted
    at half resolution and blurred once: pigment edges are soft anyway."""
    lk = s.look
    lw, lh = max(2, s.width // 2), max(2, s.height // 2)
    layer = skia.Surface(lw, lh)
    lc = layer.getCanvas()
    lc.clear(skia.ColorTRANSPARENT)
    lc.scale(lw / s.width, lh / s.height)
    # Every band and pool has its own random stream and a fixed slot, so the density
    # adds or removes elements (the last one fading) without reshuffling the others.
    bands_f = 3 + 4 * lk.density
    copies = 7 + int(6 * (1 - lk.density))
    wobble = 0.04 + 0.16 * lk.turbulence
    hues = s.palette.hues
    depth = 2 if s.unit / s.draw_scale >= 400 else 1  # previews need fewer edge wiggles
    slots = stream(s, "wash").permutation(_WASH_BANDS)
    for b in range(math.ceil(bands_f)):
        rng = stream(s, f"wash-band-{b}")
        fade = min(1.0, bands_f - b)
        y = s.height * (0.12 + 0.8 * (slots[b] + rng.uniform(0.2, 0.8)) / _WASH_BANDS)
        thick = s.height * rng.uniform(0.1, 0.26) * (1.2 - 0.5 * lk.density)
        xs = np.linspace(-0.1 * s.width, 1.1 * s.width, 9)
        top = y - thick / 2 + d.profile(rng, 9, lk.turbulence, 1 - lk.curvature) * thick * 0.4
        bottom = y + thick / 2 + rng.normal(0, thick * 0.15, 9)
        base = np.vstack([np.stack([xs, top], 1), np.stack([xs[::-1], bottom[::-1]], 1)])
        base = d.deform(rng, base, wobble * (1.6 - lk.curvature), 2)
        paint = d.fill(hues[b % len(hues)], 0.08 * (1.3 - 0.5 * lk.density) * fade)
        for shape in d.deform_copies(rng, base, wobble * 0.7, depth, copies):
            lc.drawPath(d.polygon(shape, True, 0.0), paint)
        # Pigment pools at the edge of a wash: a thin darker outline.
        edge = d.stroke(s.palette.shadow, s.px * 2.0, 0.12 * fade, True)
        lc.drawPath(d.polygon(base, True, 0.0), edge)
    pools_f = 2 + 10 * lk.density
    for i in range(math.ceil(pools_f)):
        rng = stream(s, f"wash-pool-{i}")
        c = (rng.uniform(0, s.width), rng.uniform(0, s.height))
        r = s.unit * rng.uniform(0.03, 0.12) * (1.3 - 0.6 * lk.density)
        shape = d.blob(rng, c, r, 0.2 + 0.5 * lk.turbulence, 16)
        paint = d.fill(hues[int(rng.integers(len(hues)))], 0.1 * min(1.0, pools_f - i))
        for copy in d.deform_copies(rng, shape, wobble, 2, 4):
            lc.drawPath(d.polygon(copy, True, 0.0), paint)
    sigma = 0.6 + 2.0 * lk.curvature * s.px
    wash_image = layer.makeImageSnapshot()
    if s.draw_scale < 1.0:
        # A live draft blurs the half-size layer upright, then scales it up: a blur in the
        # tilted frame at full size was a fifth of a wash draft; the pigment looks the same.
        soft = skia.Surface(lw, lh)
        half = sigma * lw / s.width
        blur = skia.Paint(ImageFilter=skia.ImageFilters.Blur(half, half))
        soft.getCanvas().drawImage(wash_image, 0, 0, skia.SamplingOptions(), blur)
        wash_image, paint = soft.makeImageSnapshot(), skia.Paint()
    else:
        paint = skia.Paint(ImageFilter=skia.ImageFilters.Blur(sigma, sigma))
    paint.setAlphaf(float(amount))
    canvas.drawImageRect(
        wash_image,
        skia.Rect.MakeWH(s.width, s.height),
        skia.SamplingOptions(skia.FilterMode.kLinear),
        paint,
    )


def _split(poly: d.Points, p: d.Points, n: d.Points) -> tuple[d.Points, d.Points]:
    """Cut a convex polygon by the line through ``p`` with normal ``n``."""
    side = (poly - p) @ n
    a: list[d.Points] = []
    b: list[d.Points] = []
    k = len(poly)
    for i in range(k):
        cur, nxt = poly[i], poly[(i + 1) % k]
        sc, sn = side[i], side[(i + 1) % k]
        (a if sc >= 0 else b).append(cur)
        if (sc >= 0) != (sn >= 0):
            t = sc / (sc - sn)
            cut = cur + t * (nxt - cur)
            a.append(cut)
            b.append(cut)
    return np.array(a), np.array(b)


def shards(canvas: skia.Canvas, s: d.Scene, amount: float = 1.0) -> None:
    """A shattered plane: the frame is split recursively by lines through a focal point's
    neighbourhood into convex shards, shaded by distance to the light; rounded moods
    soften the corners into pebbles."""
    lk = s.look
    cells = int(10 + 170 * lk.density**1.3)
    focal = np.array([s.mass_x, s.mass_y - s.mass_size * 0.5])
    frame = np.array([[0, 0], [s.width, 0], [s.width, s.height], [0, s.height]], dtype=float)
    # A fixed topology (pieces split in the order they were made, breadth first) and all
    # randomness drawn up front (split k always uses row k): a small change of the look
    # moves the cuts a little instead of reshuffling the pattern (stable live preview).
    rng = stream(s, "shards")
    pull, shift = rng.uniform(0, 0.5, _CELLS), rng.normal(0, 1, (_CELLS, 2))
    turn = rng.normal(0, 1, _CELLS)
    # Piece k is split at step k into exactly two children (one empty when the cut
    # misses or the piece is too small), so the tree never changes shape.
    pieces: list[d.Points] = [frame]
    spread = s.unit * (0.15 + 0.5 * lk.turbulence)
    splits = min(cells, _CELLS) - 1
    for k in range(splits):
        poly = pieces[k]
        if len(poly) < 3 or abs(_area(poly)) < 8.0 * s.draw_scale**2:
            pieces += [poly, _EMPTY]
            continue
        centre = poly.mean(axis=0)
        p = centre + (focal - centre) * pull[k] + shift[k] * spread * 0.2
        # Mostly radial cuts (lines through the focal region) give a burst; turbulence
        # randomises them.
        radial = math.atan2(centre[1] - focal[1], centre[0] - focal[0])
        ang = radial + turn[k] * (0.3 + 1.2 * lk.turbulence)
        normal = np.array([math.cos(ang + math.pi / 2), math.sin(ang + math.pi / 2)])
        a, b = _split(poly, p, normal)
        pieces += [a if len(a) >= 3 else _EMPTY, b if len(b) >= 3 else _EMPTY]
    polys = [poly for poly in pieces[splits:] if len(poly) >= 3]
    hues = s.palette.hues
    corner = s.px * 90 * lk.curvature**2
    effect = skia.CornerPathEffect.Make(corner) if corner > 0.5 else None
    edge_w = s.px * (0.8 + 1.5 * (1 - lk.density))
    # Colour and opacity from smooth fields over the frame, not per-piece draws: a piece
    # that moves a little keeps its colour.
    tone_field = _field(rng, s.unit)
    alpha_field = _field(rng, s.unit)
    for poly in polys:
        c = poly.mean(axis=0)
        dist = math.hypot(c[0] - s.light_x, c[1] - s.light_y) / s.unit
        lit = max(0.0, 1.0 - dist / (0.35 + 0.4 * lk.glow))
        pick = min(len(hues) - 1, int(tone_field(c) * len(hues)))
        rgb = mix(hues[pick], s.palette.light, 0.7 * lit)
        inset = c + (poly - c) * (0.97 - 0.08 * lk.curvature)
        path = d.polygon(inset, True, 0.0)
        opacity = alpha_field(c)
        paint = d.fill(rgb, (0.55 + 0.4 * opacity) * amount)
        far = poly[np.argmax(np.hypot(*(poly - focal).T))]
        paint.setShader(
            d.linear(
                (float(focal[0]), float(focal[1])),
                (float(far[0]), float(far[1])),
                [
                    d.color(mix(rgb, s.palette.light, 0.25)),
                    d.color(mix(rgb, s.palette.shadow, 0.45)),
                ],
            )
        )
        paint.setAlphaf((0.6 + 0.35 * opacity) * amount)
        if effect is not None:
            paint.setPathEffect(effect)
        canvas.drawPath(path, paint)
        line = d.stroke(s.palette.light, edge_w, 0.35 * amount * (0.5 + lit), lk.curvature > 0.4)
        if effect is not None:
            line.setPathEffect(effect)
        canvas.drawPath(path, line)


def _field(rng: np.random.Generator, unit: float) -> Callable[[d.Points], float]:
    """A smooth random field over the frame with values in [0, 1)."""
    freqs = rng.normal(0.0, 1.0, (3, 2)) * 7.0 / unit
    phases = rng.random(3) * 2 * np.pi

    def value(p: d.Points) -> float:
        v = float(np.sin(freqs @ p + phases).sum()) / 3.0
        return min(0.999, max(0.0, 0.5 + 0.5 * v * 1.6))

    return value


def _area(poly: d.Points) -> float:
    x, y = poly[:, 0], poly[:, 1]
    # np.roll(v, -1) as a concatenation: the same numbers, without roll's generic set-up
    # (a shards draft computes ~60 areas).
    y1, x1 = np.concatenate((y[1:], y[:1])), np.concatenate((x[1:], x[:1]))
    return 0.5 * float(np.dot(x, y1) - np.dot(y, x1))
