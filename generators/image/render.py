"""The procedural compositor: sky, style layers, central mass, light, tone and grain.

Order of work (each a stage for progress and cancel):
1. palette and layout from the look, the prompt's motif and the seed;
2. sky gradient (time of day), sun or moon, stars, clouds;
3. the chosen style(s) — a second style is layered translucently when mixing;
4. glow (a blurred low-resolution copy screened over the image) and vignette;
5. tone: an exposure/contrast curve and a saturation matrix solved on a 96² thumbnail so
   the image lands on the look's target mean L* and chroma (Valdez & Mehrabian 1994:
   brightness → pleasure, saturation → arousal), applied by skia as colour filters;
6. film grain (an overlay noise tile).
Drawing is vector work in skia at full resolution; blurs run at reduced size.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from typing import Final

import numpy as np
import skia
from numpy.typing import NDArray

from generators.image import color, composition, landscape, styles, tone
from generators.image import drawing as d
from generators.image.attributes import Look
from generators.image.vocabulary import Motif

STYLES: Final = {
    "flow": styles.flow,
    "wash": styles.wash,
    "shards": styles.shards,
    "landscape": landscape.landscape,
}
Stage = Callable[[float, str], None]
_THUMB = 96
# A draft's tone fit: a ninth of the pixels and 8 bisection steps instead of 12 (the solve
# evaluates the thumbnail 2 × (steps + 1) times); the draft's mean L* and chroma stay within
# ~0.5 of the full render's (benchmarks/image_draft_stages.py prints the gaps).
_DRAFT_THUMB = 32
_DRAFT_TONE_STEPS = 8


def choose_styles(name: str, look: Look, motif: Motif, rng: np.random.Generator) -> list[str]:
    """Resolve the style request: one name, "a+b" (mixed), or "auto" — the prompt's
    motif first, otherwise by emotion (calm → wash, angular and aroused → shards,
    aroused → flow), with a second style mixed in for some seeds."""
    if name != "auto":
        return name.split("+")
    if motif.styles:
        first = motif.styles[0]
    else:
        scores = {
            "wash": 1.2 * (1 - look.turbulence) + 0.4 * look.curvature,
            "flow": 0.6 + 0.8 * look.turbulence + 0.3 * look.curvature,
            "shards": 0.3 + 1.2 * (1 - look.curvature) + 0.3 * look.turbulence,
            "landscape": 0.9,
        }
        names = list(scores)
        w = np.exp(3.0 * np.array([scores[n] for n in names]))
        first = names[int(rng.choice(len(names), p=w / w.sum()))]
    # A second, translucent style for some seeds: the motif's next style, or mist
    # (wash) when calm and wind (flow) when aroused.
    extra = "flow" if look.turbulence > 0.5 else "wash"
    rest = [s for s in (*motif.styles[1:], extra) if s != first]
    if rng.random() < 0.5 and rest:
        return [first, rest[0]]
    return [first]


def _layout(
    look: Look,
    motif: Motif,
    w: int,
    h: int,
    rng: np.random.Generator,
    seed: int,
    draw_scale: float = 1.0,
) -> d.Scene:
    day = float(np.clip(look.daylight + motif.daylight, -1, 1))
    look = replace(look, daylight=day)
    palette = color.build(look, rng, motif.hue)
    s = d.Scene(w, h, look, palette, motif, rng, seed, draw_scale=draw_scale)
    offset = rng.uniform(-1.0, 1.0)
    s.mass_size = s.unit * look.mass_scale * rng.uniform(0.85, 1.15)
    composition.place_subject(s, offset)
    s.light_x = w * rng.uniform(0.15, 0.85)
    s.light_y = s.horizon_y * rng.uniform(0.2, 0.7)
    return s


def _sky(canvas: skia.Canvas, s: d.Scene, ground: bool) -> None:
    """Sky gradient; with ``ground`` a horizon line, otherwise one continuous field."""
    p = s.palette
    paint = skia.Paint()
    below = s.look.horizon + (0.02 if ground else 0.35)
    paint.setShader(
        skia.GradientShader.MakeLinear(
            [skia.Point(0, 0), skia.Point(0, s.height)],
            [d.color(c).toColor() for c in (p.sky_top, p.sky_horizon, p.ground, p.shadow)],
            [0.0, s.look.horizon, min(0.99, below), 1.0],
        )
    )
    canvas.drawPaint(paint)


def _focal(canvas: skia.Canvas, s: d.Scene, soft: bool) -> None:
    """The central mass for abstract styles; its size follows dominance (mass_scale).

    Washes get a flat painted sun with a bleeding rim; shards an orb when the mood is
    rounded or a faceted crystal when it is angular (Bar & Neta 2006)."""
    lk = s.look
    r = s.mass_size * 0.6
    cx, cy = s.mass_x, s.mass_y - r
    if soft:
        paint = d.fill(s.palette.light)
        paint.setShader(
            d.radial(
                (cx, cy),
                r * 1.15,
                [d.color(s.palette.light, 0.9), d.color(s.palette.light, 0.75),
                 d.color(s.palette.hues[1], 0.0)],
            )
        )  # fmt: skip
        paint.setImageFilter(skia.ImageFilters.Blur(r * 0.05, r * 0.05))
        shape = d.deform(s.rng, d.blob(s.rng, (cx, cy), r, 0.08, 24), 0.05, 2)
        canvas.drawPath(d.polygon(shape, True, 0.0), paint)
        return
    if lk.curvature > 0.5:
        pts = d.blob(s.rng, (cx, cy), r, 0.03, 64)
        smooth = 0.9
    else:  # a crystal: facets fanning from an off-centre apex
        n = int(s.rng.integers(5, 9))
        pts = d.blob(s.rng, (cx, cy), r, 0.3, n, 0.8)
        smooth = 0.0
    paint = d.fill(s.palette.light)
    paint.setShader(
        d.radial(
            (cx - r * 0.3, cy - r * 0.35),
            r * 1.5,
            [d.color(s.palette.light, 0.95), d.color(s.palette.hues[0], 0.9),
             d.color(s.palette.shadow, 0.9)],
        )
    )  # fmt: skip
    canvas.drawPath(d.polygon(pts, True, smooth), paint)
    if smooth == 0.0:
        apex = (cx + r * 0.2, cy - r * 0.15)
        facet = d.stroke(s.palette.light, s.px * 1.5, 0.5, False)
        for x, y in pts:
            canvas.drawLine(apex[0], apex[1], float(x), float(y), facet)


def _glow(surface: skia.Surface, s: d.Scene) -> None:
    if s.look.glow < 0.02:
        return
    small_w, small_h = max(8, s.width // 8), max(8, s.height // 8)
    small = skia.Surface(small_w, small_h)
    lin = skia.SamplingOptions(skia.FilterMode.kLinear)
    snap = surface.makeImageSnapshot()
    # Only the highlights bloom: a threshold curve before the blur keeps shadows clean.
    x = np.linspace(0.0, 1.0, 256)
    knee = np.round(255 * np.clip((x - 0.45) / 0.55, 0, 1) ** 1.3).astype(np.uint8)
    bright = skia.Paint(ColorFilter=skia.TableColorFilter.MakeARGB(None, knee, knee, knee))
    small.getCanvas().drawImageRect(snap, skia.Rect.MakeWH(small_w, small_h), lin, bright)
    blurred = skia.Surface(small_w, small_h)
    sigma = max(small_w, small_h) * 0.04
    blurred.getCanvas().drawImage(
        small.makeImageSnapshot(),
        0,
        0,
        lin,
        skia.Paint(ImageFilter=skia.ImageFilters.Blur(sigma, sigma)),
    )
    paint = skia.Paint(BlendMode=skia.BlendMode.kScreen)
    paint.setAlphaf(float(min(1.0, 1.2 * s.look.glow)))
    surface.getCanvas().drawImageRect(
        blurred.makeImageSnapshot(), skia.Rect.MakeWH(s.width, s.height), lin, paint
    )


def _vignette(canvas: skia.Canvas, s: d.Scene) -> None:
    if s.look.vignette < 0.01:
        return
    c = (s.width / 2, s.height / 2)
    r = math.hypot(*c)
    paint = skia.Paint()
    paint.setShader(
        skia.GradientShader.MakeRadial(
            skia.Point(*c),
            r,
            [
                skia.Color4f(0, 0, 0, 0).toColor(),
                skia.Color4f(0, 0, 0, float(0.9 * s.look.vignette)).toColor(),
            ],
            [0.45 - 0.2 * s.look.vignette, 1.0],
        )
    )
    canvas.drawPaint(paint)


def _saturation(sat: float) -> list[float]:
    """A 4×5 colour matrix scaling chroma around Rec. 709 luma (alpha unchanged)."""
    lr, lg, lb = 0.2126, 0.7152, 0.0722
    a = 1.0 - sat
    return [
        a * lr + sat, a * lg, a * lb, 0, 0,
        a * lr, a * lg + sat, a * lb, 0, 0,
        a * lr, a * lg, a * lb + sat, 0, 0,
        0, 0, 0, 1, 0,
    ]  # fmt: skip


def _grain_tile(rng: np.random.Generator, size: int) -> skia.Image:
    noise = np.clip(128 + rng.normal(0, 48, (size, size)), 0, 255).astype(np.uint8)
    rgba = np.repeat(noise[:, :, None], 4, axis=2)
    rgba[:, :, 3] = 255
    return skia.Image.fromarray(rgba)


# A live draft is drawn at this share of its side (0.56 of the pixels; the skia drawing and
# the blurs cost by the pixel) and scaled up: the pointer is moving, and the full render at
# rest follows. Not below _DRAFT_LEAST px, where a smaller drawing would lose its forms.
DRAFT_SCALE: Final = 0.75
_DRAFT_LEAST: Final = 128


def draft_scale(width: int, height: int) -> float:
    """The share of its size a draft of ``width`` × ``height`` is drawn at."""
    return max(DRAFT_SCALE, min(1.0, _DRAFT_LEAST / max(1, min(width, height))))


_GRAIN_CACHE: Final = 8  # tiles kept (256² RGBA: 256 KB each)
_grains: dict[tuple[str, int], skia.Image] = {}


def _grain(rng: np.random.Generator, side: int) -> skia.Image:
    """The grain tile, the last thing drawn from the scene's stream: a function of the
    stream's state, so a worker keeps the last few and reuses them while the pointer
    moves (the state repeats as long as no style's count of elements changes; ~2 ms a
    draft). The stream is not used after it."""
    key = (str(rng.bit_generator.state), side)
    tile = _grains.pop(key, None)
    if tile is None:
        tile = _grain_tile(rng, side)
    _grains[key] = tile  # newest last
    while len(_grains) > _GRAIN_CACHE:
        del _grains[next(iter(_grains))]
    return tile


def compose(
    look: Look,
    motif: Motif,
    style: str,
    width: int,
    height: int,
    seed: int,
    stage: Stage,
    *,
    draft: bool = False,
) -> tuple[NDArray[np.uint8], dict[str, object]]:
    """Render one image (H, W, 3 uint8) and describe how it was made. ``draft``: a live
    preview while the pointer moves: drawn at :func:`draft_scale` and scaled up to the
    size asked for as the tone is applied (grain added at that size), with the tone
    fitted on a smaller thumbnail."""
    rng = np.random.default_rng(seed)
    scale = draft_scale(width, height) if draft else 1.0
    draw_w, draw_h = max(1, round(width * scale)), max(1, round(height * scale))
    s = _layout(look, motif, draw_w, draw_h, rng, seed, draw_w / width)
    chosen = choose_styles(style, s.look, motif, rng)
    stage(0.1, "sky")
    surface = skia.Surface(draw_w, draw_h)
    canvas = surface.getCanvas()
    with composition.tilted(canvas, s):
        _sky(canvas, s, ground=chosen[0] == "landscape")
        landscape.sky_elements(canvas, s)
        for i, name in enumerate(chosen):
            stage(0.2 + 0.4 * i / len(chosen), f"drawing {name}")
            if i == 0:
                STYLES[name](canvas, s, 1.0)
                if name in ("shards", "wash"):
                    _focal(canvas, s, soft=name == "wash")
            else:
                STYLES[name](canvas, s, 0.3)
        stage(0.6, "composition")
        composition.enclose(canvas, s)
        composition.streaks(canvas, s)
    composition.fracture(surface, s)
    composition.soften(surface, s)
    if s.look.warp >= 0.02:
        rgba = surface.makeImageSnapshot().toarray(colorType=skia.kRGBA_8888_ColorType)
        rgba[:, :, :3] = composition.warp(np.ascontiguousarray(rgba[:, :, :3]), s)
        canvas.drawImage(skia.Image.fromarray(rgba), 0, 0)
    stage(0.7, "light")
    _glow(surface, s)
    _vignette(canvas, s)
    stage(0.8, "tone")
    snap = surface.makeImageSnapshot()
    side = _DRAFT_THUMB if draft else _THUMB
    thumb_surface = skia.Surface(side, side)
    thumb_surface.getCanvas().drawImageRect(
        snap.withDefaultMipmaps(),
        skia.Rect.MakeWH(side, side),
        skia.SamplingOptions(skia.FilterMode.kLinear, skia.MipmapMode.kLinear),
    )
    thumb = thumb_surface.makeImageSnapshot().toarray(colorType=skia.kRGBA_8888_ColorType)[:, :, :3]
    steps = _DRAFT_TONE_STEPS if draft else 12
    lut, sat = tone.solve(thumb, look.lightness, look.chroma, look.contrast, steps)
    table = skia.TableColorFilter.MakeARGB(None, lut, lut, lut)
    matrix = skia.ColorFilters.Matrix(_saturation(sat))
    out = skia.Surface(width, height)
    oc = out.getCanvas()
    graded = skia.Paint(ColorFilter=skia.ColorFilters.Compose(matrix, table))
    if (draw_w, draw_h) == (width, height):
        oc.drawImage(snap, 0, 0, skia.SamplingOptions(), graded)
    else:  # a draft drawn small: scaled up in the same pass
        linear = skia.SamplingOptions(skia.FilterMode.kLinear)
        oc.drawImageRect(snap, skia.Rect.MakeWH(width, height), linear, graded)
    if look.grain > 0.005:
        tile = _grain(rng, 256 if max(width, height) <= 512 else 512)
        # Shader passed to the constructor: skia-python's Paint.setShader takes ~6 ms for
        # an image shader (measured), a sixth of a preview's budget; the constructor ~1 µs.
        shader = tile.makeShader(
            skia.TileMode.kRepeat, skia.TileMode.kRepeat, skia.SamplingOptions()
        )
        paint = skia.Paint(Shader=shader, BlendMode=skia.BlendMode.kOverlay)
        paint.setAlphaf(float(min(1.0, look.grain * 1.8)))
        oc.drawPaint(paint)
    stage(0.9, "finishing")
    pixels = out.makeImageSnapshot().toarray(colorType=skia.kRGBA_8888_ColorType)
    info: dict[str, object] = {
        "styles": chosen,
        "motif": motif.to_dict(),
        "saturation": round(sat, 3),
    }
    return np.ascontiguousarray(pixels[:, :, :3]), info
