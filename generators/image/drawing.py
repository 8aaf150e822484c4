"""Drawing helpers shared by the styles: scene state, skia paints, paths and noise.

Everything here is deterministic given the scene's ``numpy`` generator. skia is imported
by the modules that draw (they are loaded lazily from ``render``), never at plugin import.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import skia
from numpy.typing import NDArray

from generators.image.attributes import Look
from generators.image.color import Palette
from generators.image.vocabulary import Motif

RGB = tuple[float, float, float]
Points = NDArray[np.float64]


@dataclass
class Scene:
    """One composition being drawn: size, controls, palette, motif and randomness."""

    width: int
    height: int
    look: Look
    palette: Palette
    motif: Motif
    rng: np.random.Generator
    seed: int = 0  # seeds the composition effects' own random streams
    # The drawing's size over the picture's (below 1 for a live draft drawn small and
    # scaled up): counts of elements follow the picture's size, so a draft has the same.
    draw_scale: float = 1.0
    # Central mass: centre x (px), baseline y (px), size (px); fixed before drawing so
    # every style places its focal form in the same spot.
    mass_x: float = 0.0
    mass_y: float = 0.0
    mass_size: float = 0.0
    light_x: float = 0.0
    light_y: float = 0.0

    @property
    def unit(self) -> float:
        """A length that scales with the image (1024 px at the reference size)."""
        return float(min(self.width, self.height))

    @property
    def px(self) -> float:
        """One reference pixel at this size (line widths are given at 1024 px)."""
        return self.unit / 1024.0

    @property
    def horizon_y(self) -> float:
        return self.look.horizon * self.height


def color(rgb: RGB, alpha: float = 1.0) -> skia.Color4f:
    return skia.Color4f(float(rgb[0]), float(rgb[1]), float(rgb[2]), float(np.clip(alpha, 0, 1)))


def fill(rgb: RGB, alpha: float = 1.0, **kw: Any) -> skia.Paint:
    return skia.Paint(AntiAlias=True, Color4f=color(rgb, alpha), **kw)


def stroke(rgb: RGB, width: float, alpha: float = 1.0, round_: bool = True) -> skia.Paint:
    return skia.Paint(
        AntiAlias=True,
        Style=skia.Paint.kStroke_Style,
        StrokeWidth=float(width),
        Color4f=color(rgb, alpha),
        StrokeCap=skia.Paint.kRound_Cap if round_ else skia.Paint.kButt_Cap,
        StrokeJoin=skia.Paint.kRound_Join if round_ else skia.Paint.kMiter_Join,
    )


def linear(p0: tuple[float, float], p1: tuple[float, float], colors: list[skia.Color4f]) -> Any:
    return skia.GradientShader.MakeLinear(
        [skia.Point(*p0), skia.Point(*p1)], [c.toColor() for c in colors]
    )


def radial(center: tuple[float, float], radius: float, colors: list[skia.Color4f]) -> Any:
    return skia.GradientShader.MakeRadial(
        skia.Point(*center), max(float(radius), 1e-3), [c.toColor() for c in colors]
    )


def polygon(points: Points, closed: bool = True, smooth: float = 0.0) -> skia.Path:
    """A path through ``points``; ``smooth`` in [0, 1] rounds it with quadratic curves
    through the edge midpoints (0 keeps straight edges and sharp corners)."""
    path = skia.Path()
    pts = np.asarray(points, dtype=np.float64)
    if len(pts) < 2:
        return path
    if smooth <= 0.05 or len(pts) < 3:
        return polylines(pts[None], closed)
    ring = np.vstack([pts, pts[:1]]) if closed else pts
    mids = (ring[:-1] + ring[1:]) / 2.0
    # Blend between the corner (sharp) and the midpoint (round) as control point.
    ctrl = ring[1:-1] if not closed else ring[1:]
    if closed:
        ks = (ring[:-1] * smooth + (1 - smooth) * mids).tolist()
        path.moveTo(*mids[-1].tolist())
        for (kx, ky), (mx, my) in zip(ks, mids.tolist(), strict=True):
            path.quadTo(kx, ky, mx, my)
        path.close()
    else:
        path.moveTo(*pts[0])
        for c, m in zip(ctrl, mids[1:], strict=True):
            k = c * smooth + (1 - smooth) * m
            path.quadTo(float(k[0]), float(k[1]), float(m[0]), float(m[1]))
        path.lineTo(*pts[-1])
    return path


# SkPath's serialised form (SkPath::writeToMemory, version 5): a header of four int32
# (version | fill type << 8, point count, conic count, verb count), the points as float32
# pairs, the verbs as bytes, padded to 4 bytes.
_PATH_VERSION = 5
_MOVE, _LINE, _CLOSE = 0, 1, 5


def polylines(lines: Points, closed: bool = False) -> skia.Path:
    """One path holding ``lines`` (k, n, 2): k contours of n points, each a move then
    lines (and a close when ``closed``), as moveTo/lineTo would build it. Built from numpy
    in one go through SkPath's serialised form: a thousand-line flow field in ~1 ms instead
    of ~35 ms point by point (the Python calls cost more than the drawing). Where this skia
    build reads that form differently, the path is built point by point."""
    pts = np.ascontiguousarray(lines, dtype=np.float32)
    k, n = pts.shape[:2]
    path = skia.Path()
    if k == 0 or n == 0:
        return path
    verbs = np.full((k, n + int(closed)), _LINE, dtype=np.uint8)
    verbs[:, 0] = _MOVE
    if closed:
        verbs[:, -1] = _CLOSE
    vb = verbs.tobytes()
    head = np.array([_PATH_VERSION, k * n, 0, len(vb)], dtype=np.int32).tobytes()
    data = head + pts.tobytes() + vb + bytes(-len(vb) % 4)
    if path.readFromMemory(data) == len(data) and path.countPoints() == k * n:
        return path
    path = skia.Path()  # another serialised form: the slow, certain way
    for line in pts.astype(np.float64).tolist():
        path.moveTo(*line[0])
        for x, y in line[1:]:
            path.lineTo(x, y)
        if closed:
            path.close()
    return path


def profile(
    rng: np.random.Generator, n: int, roughness: float, angular: float, octaves: int = 6
) -> NDArray[np.float64]:
    """A 1-D fractal height profile in about [-1, 1] with ``n`` samples.

    ``roughness`` weights the high octaves (turbulent skylines); ``angular`` mixes a
    piecewise-linear midpoint-displacement ridge (sharp peaks) into smooth sine octaves.
    """
    x = np.linspace(0.0, 1.0, n)
    smooth = np.zeros(n)
    for o in range(octaves):
        f = 1.5 * 2.0**o
        amp = (0.35 + 0.5 * roughness) ** o
        smooth += amp * np.sin(2 * np.pi * (f * x + rng.random())) * rng.uniform(0.6, 1.0)
    knots = 2 + int(3 + 10 * roughness)
    kx = np.sort(np.concatenate([[0.0, 1.0], rng.random(knots)]))
    ky = rng.uniform(-1.0, 1.0, kx.size)
    sharp = np.interp(x, kx, ky)
    out = (1 - angular) * smooth / max(np.abs(smooth).max(), 1e-9) + angular * sharp
    return out / max(float(np.abs(out).max()), 1e-9)


def blob(
    rng: np.random.Generator,
    center: tuple[float, float],
    radius: float,
    wobble: float,
    n: int = 24,
    aspect: float = 1.0,
) -> Points:
    """A closed irregular outline around ``center`` (wobble 0 = circle)."""
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    r = np.ones(n)
    for k in (2, 3, 5):
        r += wobble / k * np.sin(k * t + rng.random() * 2 * np.pi)
    r *= radius
    return np.stack([center[0] + r * np.cos(t) * aspect, center[1] + r * np.sin(t)], axis=1)


def deform(rng: np.random.Generator, points: Points, amount: float, depth: int) -> Points:
    """Recursive midpoint displacement of a closed polygon (the watercolour-wash
    technique: each copy of a shape is deformed anew, then layered at low opacity)."""
    return deform_copies(rng, points, amount, depth, 1)[0]


def deform_copies(
    rng: np.random.Generator, points: Points, amount: float, depth: int, copies: int
) -> NDArray[np.float64]:
    """``copies`` independent :func:`deform` results of one shape, (copies, n·2^depth, 2):
    the same numbers as that many calls in a row (each copy's draws are one contiguous run
    of the stream, taken here in one go), for a fraction of the numpy calls."""
    n = len(points)
    noise = rng.normal(0.0, amount, (copies, n * (2**depth - 1)))
    pts = np.broadcast_to(np.asarray(points, dtype=np.float64), (copies, n, 2))
    used = 0
    for _ in range(depth):
        k = pts.shape[1]
        nxt = np.roll(pts, -1, axis=1)
        edge = nxt - pts
        length = np.hypot(edge[..., 0], edge[..., 1])[..., None]
        normal = np.stack([-edge[..., 1], edge[..., 0]], axis=-1) / np.maximum(length, 1e-9)
        mids = (pts + nxt) / 2 + normal * noise[:, used : used + k, None] * length
        used += k
        out = np.empty((copies, k * 2, 2))
        out[:, 0::2], out[:, 1::2] = pts, mids
        pts = out
    return np.array(pts)  # a fresh array also when depth is 0


def angle_field(
    rng: np.random.Generator, scale: float, turbulence: float, base: float
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], float]:
    """Parameters of a smooth flow field θ(x, y) = base + Σ aₖ sin(fₖ·p + φₖ):
    frequencies rise and amplitudes grow with turbulence."""
    k = 5
    freqs = rng.normal(0.0, 1.0, (k, 2)) * (1.2 + 6.0 * turbulence) / scale
    amps = rng.uniform(0.4, 1.0, k) * (0.5 + 2.2 * turbulence) / np.sqrt(k)
    phases = rng.random(k) * 2 * np.pi
    return freqs, amps, phases, base


def field_angle(params: tuple[Any, Any, Any, float], pts: Points) -> NDArray[np.float64]:
    freqs, amps, phases, base = params
    result: NDArray[np.float64] = base + np.sin(pts @ freqs.T + phases) @ amps
    return result
