"""Drawing of the expressive face parts: eyes, brows, nose, mouth and skin lines.

Every part is a few cubic Bézier curves whose points move with the frame's controls
(action units, mouth shape, gaze). Coordinates are face units (see ``character``); the
canvas already carries the head pose. Geometry gains per AU are project calibration,
chosen so each AU reads as its FACS description (Ekman, Friesen & Hager 2002).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import skia

State = Mapping[str, float]
LIFT_GIVE = 0.6  # share of the AU10 lift that waits for the jaw while speaking
LIFT_JAW = 0.35  # jaw opening at which the lift is whole again


def _clip01(v: float) -> float:
    return 0.0 if v < 0.0 else 1.0 if v > 1.0 else v


def _ctrl_for_mid(y0: float, y1: float, mid: float) -> float:
    """Height of two equal-height cubic controls so the curve passes ``mid`` at t=0.5."""
    return (mid - (y0 + y1) / 8.0) * 4.0 / 3.0


def _with_alpha(color: int, alpha: float) -> int:
    return (int(255 * _clip01(alpha)) << 24) | (color & 0x00FFFFFF)


class Paints:
    """Paint objects built once per character (colours are fixed, alpha varies)."""

    def __init__(self, colors: Mapping[str, int]) -> None:
        self.c = colors
        self.fill = skia.Paint(AntiAlias=True, Style=skia.Paint.kFill_Style)
        self.shaded = skia.Paint(AntiAlias=True, Style=skia.Paint.kFill_Style)
        self.stroke = skia.Paint(
            AntiAlias=True,
            Style=skia.Paint.kStroke_Style,
            StrokeCap=skia.Paint.kRound_Cap,
            StrokeJoin=skia.Paint.kRound_Join,
        )

    def f(self, key: str, alpha: float = 1.0) -> skia.Paint:
        self.fill.setColor(_with_alpha(self.c[key], alpha))
        return self.fill

    def s(self, key: str, width: float, alpha: float = 1.0) -> skia.Paint:
        self.stroke.setColor(_with_alpha(self.c[key], alpha))
        self.stroke.setStrokeWidth(width)
        return self.stroke


# -- eyes -------------------------------------------------------------------------------
def draw_eye(canvas: skia.Canvas, p: Paints, spec: Mapping[str, Any], s: State, side: int) -> None:
    """One eye; ``side`` is -1 for the eye on the viewer's left, +1 for the right."""
    ex, ey, hw = side * spec["x"], spec["y"], spec["half_w"]
    gaze_down = max(0.0, s["gaze_y"])
    au4_lid = s["AU4"] * (1.0 - 0.7 * s["AU1"])  # the lowered brow presses on the lid
    upper = spec["upper"] * max(
        0.15,
        1.0
        + 1.1 * s["AU5"]
        - 0.3 * s["AU7"]
        - 0.25 * s["AU6"]
        - 0.75 * s["AU41"]
        - 0.35 * au4_lid
        - 0.3 * gaze_down,
    )
    lower = spec["lower"] * max(
        0.12, 1.0 - 0.6 * s["AU6"] - 0.9 * s["AU7"] - 0.3 * s["AU9"] + 0.3 * s["AU5"]
    )
    blink = _clip01(s["AU45"])
    closed_y = ey + lower * 0.45
    top = ey - upper + (closed_y - (ey - upper)) * blink
    bot = ey + lower + (closed_y + 0.01 - (ey + lower)) * blink
    x_in, y_in = ex - side * hw, ey + 0.5
    x_out, y_out = ex + side * hw, ey + spec["tilt"]
    c_in, c_out = x_in + side * hw * 0.38, x_out - side * hw * 0.48
    # Slant of the upper lid: the frown (AU4) drops its inner half into a glare, the
    # raised inner brow of sadness (AU1 without AU2) lifts the inner half.
    slant = (12.0 * au4_lid - 5.0 * s["AU1"] * (1.0 - s["AU2"])) * (1.0 - blink)
    h_top = _ctrl_for_mid(y_in, y_out, top)
    h_bot = _ctrl_for_mid(y_in, y_out, bot)
    upper_curve = skia.Path()
    upper_curve.moveTo(x_in, y_in)
    upper_curve.cubicTo(c_in, h_top + slant, c_out, h_top - 0.5 * slant, x_out, y_out)
    # The lowered brow shades the eye socket (AU4 without AU1: the frown of anger).
    if au4_lid > 0.15:
        shade = skia.Path()
        shade.moveTo(x_in - side * 2, y_in - 2)
        shade.cubicTo(
            x_in + side * hw * 0.2,
            ey - spec["upper"] * 2.2,
            x_out - side * hw * 0.2,
            ey - spec["upper"] * 2.0,
            x_out + side * 3,
            y_out - 3,
        )
        shade.cubicTo(c_out, h_top - 0.5 * slant, c_in, h_top + slant, x_in - side * 2, y_in - 2)
        shade.close()
        canvas.drawPath(shade, p.f("outline", min(0.25, (au4_lid - 0.15) * 0.5)))
    # Crease above the lid: follows the lid a little, stays when the eye closes.
    if spec.get("crease"):
        crease = skia.Path()
        cy = ey - spec["upper"] - 4.5 - 0.25 * (upper - spec["upper"])
        ch = _ctrl_for_mid(y_in - 3, y_out - 3, cy)
        crease.moveTo(x_in + side * 3, y_in - 3)
        crease.cubicTo(c_in, ch, c_out, ch, x_out - side * 1, y_out - 3.5)
        canvas.drawPath(crease, p.s("skin_shade", 1.6, 0.55))
    if bot - top > 0.5:
        eye = skia.Path(upper_curve)
        eye.cubicTo(c_out, h_bot, c_in, h_bot, x_in, y_in)
        eye.close()
        canvas.drawPath(eye, p.f("sclera"))
        canvas.save()
        canvas.clipPath(eye, doAntiAlias=True)
        ix = ex + s["gaze_x"] * hw * 0.42
        iy = ey - 0.5 + s["gaze_y"] * 3.5
        r = spec["iris"]
        canvas.drawCircle(ix, iy, r, p.f("iris_dark"))
        canvas.drawCircle(ix, iy + 0.8, r * 0.8, p.f("iris"))
        pupil = spec["pupil"] * (1.0 + 0.15 * s["AU5"] - 0.1 * s["AU7"])
        canvas.drawCircle(ix, iy, pupil, p.f("lash"))
        canvas.drawCircle(ix - r * 0.35, iy - r * 0.4, r * 0.28, p.f("teeth", 0.95))
        canvas.drawCircle(ix + r * 0.38, iy + r * 0.35, r * 0.12, p.f("teeth", 0.7))
        # The lid's shadow on the eyeball gives the eye depth.
        canvas.drawPath(upper_curve, p.s("outline", 5.0, 0.22))
        canvas.restore()
        lower_curve = skia.Path()
        lower_curve.moveTo(x_out, y_out)
        lower_curve.cubicTo(c_out, h_bot, c_in, h_bot, x_in, y_in)
        canvas.drawPath(lower_curve, p.s("skin_shade", 1.3, 0.8))
    canvas.drawPath(upper_curve, p.s("lash", spec["lashes"] * 0.55 + 1.4))
    if spec["lashes"] > 2.0:  # a winged outer lash line
        wing = skia.Path()
        wing.moveTo(x_out - side * 3, y_out - 0.6)
        wing.quadTo(x_out + side * 2.5, y_out - 1.0, x_out + side * 5.5, y_out - 4.5)
        canvas.drawPath(wing, p.s("lash", 2.2))
    crow = s["AU6"] - 0.35  # crow's feet of a Duchenne smile (AU6)
    if crow > 0:
        for k in (-1, 1):
            line = skia.Path()
            line.moveTo(x_out + side * 6, y_out + k * 3)
            line.lineTo(x_out + side * 11, y_out + k * 5.5)
            canvas.drawPath(line, p.s("skin_shade", 1.3, crow * 1.4))


# -- brows ------------------------------------------------------------------------------
def draw_brow(canvas: skia.Canvas, p: Paints, spec: Mapping[str, Any], s: State, side: int) -> None:
    au1, au2, au4, au9 = s["AU1"], s["AU2"], s["AU4"], s["AU9"]
    y = spec["y"]
    # With AU1 the frontalis lifts the inner ends even while AU4 pulls them together, so
    # AU1+4 (sadness, fear) gives the oblique brow; AU4 alone lowers the inner ends into
    # the frown of anger (Ekman, Friesen & Hager 2002, AU1+4 and AU4 descriptions).
    lower_inner = au4 * (1.0 - min(1.0, 1.6 * au1))
    xi = side * (spec["inner_x"] - 12.0 * au4 + 1.0 * au1)
    yi = y - 30.0 * au1 + 32.0 * lower_inner + 6.0 * au9 - 2.0 * s["AU5"]
    xo = side * spec["outer_x"]
    yo = y + 2.0 - 27.0 * au2 + 3.0 * au4 + 9.0 * au1 * (1.0 - au2) - 1.5 * s["AU5"]
    xp = side * (spec["inner_x"] + (spec["outer_x"] - spec["inner_x"]) * 0.58)
    arch = spec["arch"] * (1.0 - 0.7 * min(1.0, au4 + au1 * (1.0 - au2)))
    yp = y - arch - 20.0 * au2 - 10.0 * au1 + 10.0 * au4 * (1.0 - 0.5 * au1) - 1.5 * s["AU5"]
    t = spec["thickness"] * (1.0 + 0.4 * au4)  # the lowered brow bunches up
    t_out = t * spec["taper"]
    # Controls next to the inner end lie part-way towards the peak, so a raised or lowered
    # inner end bends the brow smoothly instead of hooking it.
    ci = yp + (yi - yp) * 0.4
    top = skia.Path()
    top.moveTo(xi, yi - t * 0.5)
    top.cubicTo(xi + side * 8, ci - t * 0.6, xp - side * 6, yp - t * 0.6, xp, yp - t * 0.5)
    top.cubicTo(xp + side * 8, yp - t * 0.4, xo - side * 4, yo - t_out * 0.7, xo, yo)
    top.cubicTo(xo - side * 6, yo + t_out * 0.6, xp + side * 8, yp + t * 0.5, xp, yp + t * 0.5)
    top.cubicTo(xp - side * 8, yp + t * 0.55, xi + side * 8, ci + t * 0.6, xi, yi + t * 0.5)
    top.quadTo(xi - side * t * 0.55, yi, xi, yi - t * 0.5)  # rounded inner end
    top.close()
    canvas.drawPath(top, p.f("brow"))


def draw_brow_lines(canvas: skia.Canvas, p: Paints, s: State, brow_y: float) -> None:
    """Forehead lines (AU1+2) and the vertical furrow between the brows (AU4)."""
    lift = (s["AU1"] + s["AU2"]) * 0.5 - 0.3
    if lift > 0:
        for k, w in ((0, 26.0), (1, 20.0)):
            line = skia.Path()
            yy = brow_y - 30 - 8 * k
            line.moveTo(-w, yy + 2)
            line.cubicTo(-w * 0.4, yy - 2, w * 0.4, yy - 2, w, yy + 2)
            canvas.drawPath(line, p.s("skin_shade", 1.4, lift * 1.5))
    furrow = s["AU4"] * (1.0 - 0.6 * s["AU1"]) - 0.1
    if furrow > 0:
        top, bottom = brow_y - 2 + 12 * s["AU4"], brow_y + 16 + 14 * s["AU4"]
        for k in (-1, 1):
            line = skia.Path()
            line.moveTo(k * 6.0, top)
            line.quadTo(k * 3.0, (top + bottom) / 2, k * 5.0, bottom)
            canvas.drawPath(line, p.s("outline", 2.0, min(0.75, furrow * 1.4)))


# -- nose -------------------------------------------------------------------------------
def draw_nose(canvas: skia.Canvas, p: Paints, spec: Mapping[str, Any], s: State) -> None:
    au9 = s["AU9"]
    y = spec["y"] - 6.0 * au9 - 2.0 * s["AU10"]  # AU9/10 draw the nose wings up
    w = spec["width"] * (1.0 + 0.3 * au9)  # and flare them
    bridge = skia.Path()
    bridge.moveTo(4, y - 34)
    bridge.cubicTo(6, y - 22, w * 0.55, y - 10, w * 0.62, y - 3)
    canvas.drawPath(bridge, p.s("skin_shade", 2.0, 0.45))
    base = skia.Path()
    base.moveTo(-w * 0.75, y - 2)
    base.cubicTo(-w * 0.5, y + 5, w * 0.5, y + 5, w * 0.75, y - 2)
    canvas.drawPath(base, p.s("skin_shade", 2.6 if spec.get("style") == "broad" else 2.2))
    canvas.drawCircle(-w * 0.15, y - 4, w * 0.3, p.f("skin_light", 0.3))
    wrinkle = au9 - 0.08
    if wrinkle > 0:
        # AU9: horizontal wrinkles across the root of the nose, between the eyes (Ekman,
        # Friesen & Hager 2002, AU9). Kept high on the nose so they never frame the mouth.
        alpha = min(0.9, wrinkle * 1.8)
        root = spec["y"] - 36.0
        for k in range(3):
            yy = root + 5.5 * k
            half = 9.0 - 1.0 * k
            line = skia.Path()
            line.moveTo(-half, yy + 1.0)
            line.quadTo(0, yy - 1.0, half, yy + 1.0)
            canvas.drawPath(line, p.s("outline", 1.4, alpha * (1.0 - 0.25 * k)))


# -- mouth ------------------------------------------------------------------------------
def mouth_geometry(spec: Mapping[str, Any], s: State) -> dict[str, float]:
    """Corner and lip positions from AUs and the speech mouth shape."""
    smile, frown, stretch = s["AU12"], s["AU15"], s["AU20"]
    tight, press, dimple = s["AU23"], s["AU24"], s["AU14"]
    rnd, spread = s["round"], s["spread"]
    jaw = s["jaw"]
    closing = 1.0 - s["press"]  # p/b/m: lips meet whatever the expression
    hw = spec["half_w"] * (
        1.0
        + 0.32 * smile
        + 0.55 * stretch
        + 0.08 * dimple
        + 0.1 * spread
        - 0.22 * tight
        - 0.12 * press
        - 0.42 * rnd
        - 0.06 * jaw
    )
    y0 = spec["mouth_y"]
    corner = (
        y0
        - 18.0 * smile
        + 20.0 * frown
        + 12.0 * stretch
        + 3.0 * s["AU10"]
        + 4.0 * jaw
        + 3.0 * tight
    )
    thin = max(0.2, 1.0 - 0.6 * press - 0.55 * tight + 0.35 * rnd)
    gap = 26.0 * jaw * (1.0 - 0.7 * s["press"])
    # AU10 lifts the middle of the upper lip off the teeth (disgust), AU20 stretches the
    # parted lips flat (fear), AU23 squares them (anger).
    # While speaking, the raised upper lip (disgust, the snarl of anger) rides on the jaw:
    # full on open syllables, less between them, so the lips part and meet with the
    # syllables instead of standing open (the opening follows the voice); at rest it holds.
    riding = 1.0 - LIFT_GIVE * s.get("speaking", 0.0) * (1.0 - _clip01(jaw / LIFT_JAW))
    lift = 13.0 * s["AU10"] * closing * riding
    upper_in = y0 - lift - gap * 0.22 - 1.5 * smile + 2.0 * frown - 2.0 * stretch * closing
    lower_in = (
        y0 + gap * 0.78 - 3.0 * s["AU17"] * (1 - jaw) - 3.0 * s["teeth"] + 3.0 * stretch * closing
    )
    upper_out = upper_in - spec["upper_lip"] * thin - 1.0 * s["AU10"]
    lower_out = lower_in + spec["lower_lip"] * thin + 2.0 * s["AU17"] * (1 - jaw)
    return {
        "hw": hw,
        "corner": corner,
        "upper_in": upper_in,
        "lower_in": lower_in,
        "upper_out": upper_out,
        "lower_out": lower_out,
        "k": 0.5 + 0.45 * rnd + 0.3 * tight + 0.25 * stretch,
        "smile_depth": 6.0 * smile * min(1.0, jaw * 4.0),
    }


def draw_mouth(canvas: skia.Canvas, p: Paints, spec: Mapping[str, Any], s: State) -> None:
    g = mouth_geometry(spec, s)
    hw, cy, k = g["hw"], g["corner"], g["k"]
    # Smile folds (AU12) run from the nose wings to beyond the mouth corners. The upper
    # lip raiser (AU10, disgust) deepens only their upper part, beside the nose: drawn
    # full length they would frame the mouth like a moustache.
    smile_fold = _clip01(0.75 * s["AU12"] - 0.15)
    lip_fold = _clip01(1.2 * s["AU10"] + 0.4 * s["AU9"] - 0.1)
    for side in (-1, 1):
        if smile_fold > 0:
            line = skia.Path()
            line.moveTo(side * 15, spec["nose_y"] + 2)
            line.cubicTo(
                side * 26, spec["nose_y"] + 12, side * (hw + 7), cy - 10, side * (hw + 5), cy + 2
            )
            canvas.drawPath(line, p.s("skin_shade", 1.6, smile_fold * 0.5))
        if lip_fold > 0:
            line = skia.Path()
            line.moveTo(side * 14, spec["nose_y"] - 4)
            line.quadTo(side * 23, spec["nose_y"] + 2, side * 24, spec["nose_y"] + 12)
            canvas.drawPath(line, p.s("outline", 1.8, lip_fold * 0.6))
    if s["AU14"] > 0.1:  # dimples
        for side in (-1, 1):
            line = skia.Path()
            line.moveTo(side * (hw + 3), cy - 3)
            line.quadTo(side * (hw + 5.5), cy, side * (hw + 3), cy + 3)
            canvas.drawPath(line, p.s("skin_shade", 1.5, s["AU14"]))
    if s["AU17"] > 0.15:  # chin boss
        line = skia.Path()
        line.moveTo(-9, g["lower_out"] + 9)
        line.quadTo(0, g["lower_out"] + 6, 9, g["lower_out"] + 9)
        canvas.drawPath(line, p.s("skin_shade", 1.4, s["AU17"] * 0.9))
    # Outer lip shape: cupid's bow on top, one curve below.
    bw = 6.5 * (1.0 - 0.4 * s["round"])
    ut = g["upper_out"]
    lips = skia.Path()
    lips.moveTo(-hw, cy)
    lips.cubicTo(-hw * 0.75, cy - 1.5, -bw - 4, ut, -bw, ut)
    lips.quadTo(0, ut + 2.8, bw, ut)
    lips.cubicTo(bw + 4, ut, hw * 0.75, cy - 1.5, hw, cy)
    hl = _ctrl_for_mid(cy, cy, g["lower_out"])
    lips.cubicTo(hw * k, hl, -hw * k, hl, -hw, cy)
    lips.close()
    canvas.drawPath(lips, p.f("lip"))
    hu = _ctrl_for_mid(cy, cy, g["upper_in"])
    hb = _ctrl_for_mid(cy, cy, g["lower_in"] + g["smile_depth"])
    seam = skia.Path()
    seam.moveTo(-hw, cy)
    seam.cubicTo(-hw * k, hu, hw * k, hu, hw, cy)
    if g["lower_in"] - g["upper_in"] > 1.2:
        opening = skia.Path(seam)
        opening.cubicTo(hw * k, hb, -hw * k, hb, -hw, cy)
        opening.close()
        canvas.drawPath(opening, p.f("mouth"))
        canvas.save()
        canvas.clipPath(opening, doAntiAlias=True)
        tongue_y = g["lower_in"] + 4 + (g["upper_in"] + 9 - g["lower_in"] - 4) * s["tongue"]
        canvas.drawOval(
            skia.Rect(-hw * 0.55, tongue_y - 7, hw * 0.55, tongue_y + 12), p.f("tongue")
        )
        # Rounded, dropped lips (surprise, "oo") cover most of the teeth: the opening
        # reads as a dark oval, not a grin.
        tooth = 5.5 * (1.0 - 0.65 * _clip01(s["round"] * 1.5))
        canvas.drawRoundRect(
            skia.Rect(-hw * 0.72, g["upper_in"] - 6, hw * 0.72, g["upper_in"] + tooth),
            3,
            3,
            p.f("teeth"),
        )
        if s["jaw"] > 0.45 and s["round"] < 0.3:
            canvas.drawRoundRect(
                skia.Rect(-hw * 0.5, g["lower_in"] - 3.5, hw * 0.5, g["lower_in"] + 5),
                3,
                3,
                p.f("teeth", 0.9),
            )
        canvas.restore()
    # Lower lip highlight and the lip seam line.
    canvas.drawPath(seam, p.s("lip_dark", 1.8))
    glint = skia.Path()
    glint.moveTo(-hw * 0.25, g["lower_out"] - 2.6)
    glint.quadTo(0, g["lower_out"] - 1.6, hw * 0.25, g["lower_out"] - 2.6)
    canvas.drawPath(glint, p.s("teeth", 1.6, 0.35))
    if s["teeth"] > 0.05:  # F/V: upper teeth rest on the lower lip
        canvas.drawRoundRect(
            skia.Rect(-hw * 0.45, g["upper_in"] - 1, hw * 0.45, g["upper_in"] + 4.5),
            2,
            2,
            p.f("teeth", s["teeth"]),
        )
    for side in (-1, 1):  # corner accents
        canvas.drawCircle(side * hw, cy, 1.3, p.f("lip_dark", 0.8))
