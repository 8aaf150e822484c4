"""Draw the application icon: the valence–arousal pad with its point.

A dark rounded tile holding the pad: the four quadrants tinted with the Plutchik colours
the window uses for them (joy top-right, anger top-left, sadness bottom-left, trust
bottom-right), the two axes, and the emotion point with its halo, placed up and to the
right (an excited, happy state). Drawn once with skia into an SVG and PNGs of the sizes
desktop menus ask for.

Run: python packaging/make_icon.py OUT_DIR  →  OUT_DIR/emotion-studio.svg, OUT_DIR/<N>.png
"""

from __future__ import annotations

import sys
from pathlib import Path

import skia

SIZES = (16, 32, 48, 64, 128, 256, 512)
UNIT = 256.0  # the drawing is made on a 256×256 canvas and scaled

# Quadrant tints: studio/ui/theme.py PLUTCHIK colours.
QUADRANTS = {
    "anger": (0xE0, 0x45, 0x3A),  # top-left: negative valence, high arousal
    "joy": (0xF4, 0xC4, 0x30),  # top-right
    "sadness": (0x3D, 0x6F, 0xD1),  # bottom-left
    "trust": (0x8C, 0xC6, 0x3F),  # bottom-right
}
TILE = skia.Color(0x1F, 0x21, 0x26)
GRID = skia.Color(0xE8, 0xE8, 0xEC, 0x90)
POINT = (0.55, 0.6)  # valence, arousal of the drawn point


def _fill(rgb: tuple[int, int, int], alpha: int) -> skia.Paint:
    return skia.Paint(AntiAlias=True, Color=skia.Color(*rgb, alpha))


def draw(canvas: skia.Canvas) -> None:
    tile = skia.RRect.MakeRectXY(skia.Rect.MakeXYWH(8, 8, 240, 240), 44, 44)
    canvas.drawRRect(tile, skia.Paint(AntiAlias=True, Color=TILE))
    pad = skia.Rect.MakeXYWH(36, 36, 184, 184)
    canvas.save()
    canvas.clipRRect(skia.RRect.MakeRectXY(pad, 18, 18), doAntiAlias=True)
    half = pad.width() / 2
    cells = {
        "anger": (pad.left(), pad.top()),
        "joy": (pad.left() + half, pad.top()),
        "sadness": (pad.left(), pad.top() + half),
        "trust": (pad.left() + half, pad.top() + half),
    }
    for name, (x, y) in cells.items():
        canvas.drawRect(skia.Rect.MakeXYWH(x, y, half, half), _fill(QUADRANTS[name], 150))
    canvas.restore()
    axis = skia.Paint(AntiAlias=True, Color=GRID, StrokeWidth=4, Style=skia.Paint.kStroke_Style)
    cx, cy = pad.centerX(), pad.centerY()
    canvas.drawLine(pad.left() + 10, cy, pad.right() - 10, cy, axis)
    canvas.drawLine(cx, pad.top() + 10, cx, pad.bottom() - 10, axis)
    px = cx + POINT[0] * (half - 14)
    py = cy - POINT[1] * (half - 14)
    halo = skia.Paint(
        AntiAlias=True,
        Shader=skia.GradientShader.MakeRadial(
            skia.Point(px, py), 46, [skia.Color(255, 255, 255, 170), skia.Color(255, 255, 255, 0)]
        ),
    )
    canvas.drawCircle(px, py, 46, halo)
    canvas.drawCircle(px, py, 19, skia.Paint(AntiAlias=True, Color=skia.Color(255, 255, 255)))
    canvas.drawCircle(px, py, 11, _fill(QUADRANTS["joy"], 255))


def write_png(path: Path, size: int) -> None:
    surface = skia.Surface(size, size)
    with surface as canvas:
        canvas.clear(skia.ColorTRANSPARENT)
        canvas.scale(size / UNIT, size / UNIT)
        draw(canvas)
    surface.makeImageSnapshot().save(str(path), skia.kPNG)


def write_svg(path: Path) -> None:
    stream = skia.FILEWStream(str(path))
    canvas = skia.SVGCanvas.Make((int(UNIT), int(UNIT)), stream)
    draw(canvas)
    del canvas  # the SVG is finished when the canvas goes away
    stream.flush()


def main(out_dir: Path) -> int:
    out_dir.mkdir(parents=True, exist_ok=True)
    write_svg(out_dir / "emotion-studio.svg")
    for size in SIZES:
        write_png(out_dir / f"{size}.png", size)
    print(f"icon: {out_dir}/emotion-studio.svg and {len(SIZES)} PNG sizes")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
