"""Composition that moves with the emotion, on top of any style.

The seed fixes the scene (where the subject stands, the shapes of every element); the
look only scales how far each effect goes, so one seed stays recognisably the same picture
across the pad and a small pad move changes the picture a little (live preview):

* arousal → a tilted frame (``tilt``), wind/rain streaks (``turbulence``) and, when calm,
  a softer focus — diagonals, motion and fine detail;
* valence → symmetry (the subject drifts toward the centre) and openness (dark forms close
  in from the edges as ``enclosure`` rises);
* dominance → the subject's size (``mass_scale``) and height in the frame;
* anger breaks the picture into displaced shards with bright cracks (``fracture``), fear
  closes jagged dark forms in around a small subject (``enclosure``), disgust sags, drips
  and stains it (``warp``).

Each effect draws from its own random stream, so an effect's strength never shifts the
random numbers another effect or the style uses.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

import numpy as np
import skia

from generators.image import drawing as d

_STREAKS: Final = 360  # most streaks at full turbulence (1024² reference)
_SHARDS: Final = 13  # wedges around the impact point
_CALM_TURBULENCE: Final = 0.4  # below this the focus softens
_SOFT_SIGMA: Final = 0.0035  # blur sigma at full calm, as a fraction of the short side


def stream(s: d.Scene, name: str) -> np.random.Generator:
    """A random stream for one effect, fixed by the scene's seed."""
    return np.random.default_rng([s.seed, sum(map(ord, name))])


def place_subject(s: d.Scene, offset: float) -> None:
    """Subject position: ``offset`` in [-1, 1] from the seed; valence pulls it toward
    the centre (symmetry reads as pleasant: Makin, Pecchinenda & Bertamini 2012, Emotion
    12:1021); low dominance sinks it toward the bottom of the frame."""
    lk = s.look
    asymmetry = 0.3 + 0.7 * (1.0 - lk.valence) / 2.0
    s.mass_x = s.width * (0.5 + 0.24 * offset * asymmetry)
    s.mass_y = s.horizon_y + s.unit * (0.04 - 0.05 * lk.dominance)


@contextmanager
def tilted(canvas: skia.Canvas, s: d.Scene) -> Iterator[None]:
    """Draw inside a rotated frame (a Dutch angle), scaled so no corner shows."""
    angle = s.look.tilt * (1.0 if stream(s, "tilt").random() < 0.5 else -1.0)
    if abs(angle) < 0.05:
        yield
        return
    t = math.radians(abs(angle))
    w, h = s.width, s.height
    cover = math.cos(t) + math.sin(t) * max(w / h, h / w)
    canvas.save()
    canvas.translate(w / 2, h / 2)
    canvas.rotate(angle)
    canvas.scale(cover, cover)
    canvas.translate(-w / 2, -h / 2)
    try:
        yield
    finally:
        canvas.restore()


def streaks(canvas: skia.Canvas, s: d.Scene) -> None:
    """Wind or rain: thin strokes along one slanted direction; their number grows with
    turbulence and the last one fades in, so the count moves continuously."""
    lk = s.look
    amount = _STREAKS * max(0.0, lk.turbulence - 0.15) / 0.85
    if amount < 0.5:
        return
    rng = stream(s, "streaks")
    count = math.ceil(amount)
    direction = math.radians(rng.uniform(55, 80) * (1 if rng.random() < 0.5 else -1))
    xs, ys = rng.random(_STREAKS) * s.width, rng.random(_STREAKS) * s.height
    lengths = s.unit * rng.uniform(0.02, 0.09, _STREAKS) * (0.5 + lk.turbulence)
    widths = s.px * rng.uniform(0.8, 2.2, _STREAKS)
    dx, dy = math.cos(direction), math.sin(direction)
    light = s.palette.light
    paint, last = d.stroke(light, 1.0, 0.0), -1.0
    for i in range(count):
        alpha = 0.22 * min(1.0, amount - i) * (0.5 + 0.5 * lk.turbulence)
        if alpha != last:  # one paint for all but the last, fading streak (a Paint each
            paint, last = d.stroke(light, 1.0, alpha), alpha  # cost ~1/4 of a draft's streaks)
        paint.setStrokeWidth(float(widths[i]))
        x, y, n = float(xs[i]), float(ys[i]), float(lengths[i])
        canvas.drawLine(x, y, x + dx * n, y + dy * n, paint)


def enclose(canvas: skia.Canvas, s: d.Scene) -> None:
    """Dark jagged forms reaching in from the sides and the top; how far they reach
    follows ``enclosure``, their outline is fixed by the seed."""
    amount = s.look.enclosure
    if amount < 0.02:
        return
    rng = stream(s, "enclose")
    w, h, n = float(s.width), float(s.height), 48
    angular = 1.0 - s.look.curvature
    paint = d.fill(s.palette.shadow, 0.55 + 0.4 * amount)
    for side in ("left", "right", "top"):
        reach = (0.28 if side != "top" else 0.22) * amount * (w if side != "top" else h)
        rough = d.profile(rng, n, 0.8, angular)
        spikes = np.abs(d.profile(rng, n, 1.0, 1.0)) ** 2
        depth = reach * (0.55 + 0.3 * rough + 0.6 * spikes)
        t = np.linspace(0.0, 1.0, n)
        if side == "left":
            pts = np.stack([depth, t * h], axis=1)
            ring = np.vstack([[[0.0, h], [0.0, 0.0]], pts])
        elif side == "right":
            pts = np.stack([w - depth, t * h], axis=1)
            ring = np.vstack([[[w, h], [w, 0.0]], pts])
        else:
            pts = np.stack([t * w, depth], axis=1)
            ring = np.vstack([[[w, 0.0], [0.0, 0.0]], pts])
        canvas.drawPath(d.polygon(ring, True, 0.0 if angular > 0.5 else 0.6), paint)


def fracture(surface: skia.Surface, s: d.Scene) -> None:
    """Break the picture into wedges around an impact point on the subject, each pushed
    outward, with bright cracks along the breaks."""
    amount = s.look.fracture
    if amount < 0.02:
        return
    rng = stream(s, "fracture")
    snap = surface.makeImageSnapshot()
    canvas = surface.getCanvas()
    cx = s.mass_x + s.unit * rng.uniform(-0.08, 0.08)
    cy = s.mass_y - s.mass_size * rng.uniform(0.3, 0.8)
    cuts = np.sort(rng.random(_SHARDS)) * 2 * np.pi
    far = 2.0 * math.hypot(s.width, s.height)
    push = s.unit * 0.035 * amount * rng.uniform(0.4, 1.0, _SHARDS)
    sampling = skia.SamplingOptions(skia.FilterMode.kLinear)
    crack = d.stroke(s.palette.light, s.px * (1.0 + 2.0 * amount), 0.35 + 0.6 * amount, False)
    shade = d.fill(s.palette.shadow, 0.25 * amount)
    for i in range(_SHARDS):
        a0, a1 = cuts[i], cuts[(i + 1) % _SHARDS] + (2 * np.pi if i == _SHARDS - 1 else 0)
        mid = (a0 + a1) / 2
        wedge = d.polygon(
            np.array([[cx, cy], [cx + far * math.cos(a0), cy + far * math.sin(a0)],
                      [cx + far * math.cos(mid), cy + far * math.sin(mid)],
                      [cx + far * math.cos(a1), cy + far * math.sin(a1)]]),
            True,
        )  # fmt: skip
        canvas.save()
        canvas.clipPath(wedge, skia.ClipOp.kIntersect, True)
        canvas.drawPaint(shade)  # the gap the shard leaves behind
        canvas.translate(push[i] * math.cos(mid), push[i] * math.sin(mid))
        canvas.drawImage(snap, 0, 0, sampling)
        canvas.restore()
    for a in cuts:  # cracks: jagged lines out from the impact point
        r = np.linspace(0.0, far * 0.5, 14)
        jitter = s.unit * 0.012 * rng.normal(0.0, 1.0, r.size) * (r > 0)
        xs = cx + r * math.cos(a) - jitter * math.sin(a)
        ys = cy + r * math.sin(a) + jitter * math.cos(a)
        canvas.drawPath(d.polygon(np.stack([xs, ys], axis=1), False), crack)


def warp(pixels: np.ndarray, s: d.Scene) -> np.ndarray:
    """Sag and drip: columns slide down by a smooth, seed-fixed amount that grows toward
    the bottom, with mottled darker stains; ``warp`` scales both."""
    amount = s.look.warp
    if amount < 0.02:
        return pixels
    rng = stream(s, "warp")
    h, w = pixels.shape[:2]
    x = np.linspace(0.0, 1.0, w)
    sag = np.zeros(w)
    for k in (2, 5, 11, 23):
        sag += np.sin(2 * np.pi * (k * x + rng.random())) ** 2 / math.sqrt(k)
    sag = sag / sag.max() * amount * 0.09 * h
    y = np.arange(h, dtype=np.float64)[:, None]
    src = np.clip(y - sag[None, :] * (y / h) ** 0.7, 0, h - 1).astype(np.intp)
    out = pixels[src, np.arange(w)[None, :]]
    # Stains: low-frequency blotches darkening and greening the picture; each term is a
    # product of a row and a column wave, so it is built as an outer product (fast).
    ys, xs = np.arange(h) / max(h, w), np.arange(w) / max(h, w)
    blot = np.zeros((h, w), dtype=np.float32)
    for _ in range(6):
        f = rng.uniform(3, 9)
        col = np.sin(2 * np.pi * (f * xs * rng.uniform(0.5, 1.5) + rng.random()))
        row = np.sin(2 * np.pi * (f * ys * rng.uniform(0.5, 1.5) + rng.random()))
        blot += np.outer(row, col).astype(np.float32)
    stain = np.clip(blot / 3.0, 0.0, 1.0)[..., None] * np.float32(amount * 0.45)
    tint = (np.array(s.palette.shadow) * 255 * np.array([0.8, 1.0, 0.5])).astype(np.float32)
    mixed = out * (1.0 - stain) + tint * stain
    return np.clip(mixed, 0, 255).astype(np.uint8)


def soften(surface: skia.Surface, s: d.Scene) -> None:
    """Calm pictures lose fine detail: a light blur that fades out as turbulence rises."""
    calm = max(0.0, _CALM_TURBULENCE - s.look.turbulence) / _CALM_TURBULENCE
    sigma = _SOFT_SIGMA * s.unit * calm
    if sigma < 0.15:
        return
    snap = surface.makeImageSnapshot()
    paint = skia.Paint(ImageFilter=skia.ImageFilters.Blur(sigma, sigma, skia.TileMode.kClamp))
    surface.getCanvas().drawImage(snap, 0, 0, skia.SamplingOptions(), paint)
