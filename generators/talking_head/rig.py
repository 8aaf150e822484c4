"""The 2D character rig: one anti-aliased vector frame per set of controls (skia-python).

Static layers (the background) are rendered once per clip; everything else is a handful
of Bézier paths deformed by the frame's controls. Head pose is a 2.5D cheat common in
explainer animation: roll rotates the head about the neck, yaw and pitch slide each layer
by its depth (nose most, ears and back hair the other way), so the face turns without a
3D model. Frames are drawn straight into a numpy buffer the encoder reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import numpy as np
import skia
from numpy.typing import NDArray

from generators.talking_head import face_parts as fp
from generators.talking_head.character import Character, Segment

FACE_UNITS: Final = 440.0  # the frame spans this many face units
HEAD_CENTRE: Final = (220.0, 196.0)  # where the face origin sits in the frame (face units)
NECK_PIVOT: Final = (0.0, 120.0)
# Parallax depth of each layer for yaw/pitch (face units per degree); project calibration.
YAW_UNITS: Final = 1.35
PITCH_UNITS: Final = 1.1
DEPTH: Final = {
    "hair_back": -0.35,
    "ears": -0.7,
    "head": 0.0,
    "brows": 0.62,
    "eyes": 0.6,
    "nose": 1.0,
    "mouth": 0.72,
    "hair_front": 0.3,
}


def segments_to_path(segments: tuple[Segment, ...]) -> skia.Path:
    path = skia.Path()
    for cmd, pts in segments:
        if cmd == "M":
            path.moveTo(*pts)
        elif cmd == "L":
            path.lineTo(*pts)
        elif cmd == "C":
            path.cubicTo(*pts)
        elif cmd == "Q":
            path.quadTo(*pts)
        else:
            path.close()
    return path


class Rig:
    """Draws a character at ``size``×``size`` pixels (RGBA) for per-frame controls.

    ``transparent``: no background, so the buffer's alpha is the character's matte
    (premultiplied RGBA, as skia draws it) for compositing over another picture.
    """

    def __init__(self, character: Character, size: int, transparent: bool = False) -> None:
        self.ch = character
        self.size = size
        self.transparent = transparent
        self.pixels: NDArray[np.uint8] = np.zeros((size, size, 4), dtype=np.uint8)
        self.surface = skia.Surface(self.pixels, colorType=skia.kRGBA_8888_ColorType)
        self.paints = fp.Paints(character.colors)
        self.hair_back = segments_to_path(character.hair_back)
        self.hair_front = segments_to_path(character.hair_front)
        self.strands = [segments_to_path(s) for s in character.hair_strands]
        self.background = self._background()
        c = character.colors
        self.blush = skia.GradientShader.MakeRadial(
            skia.Point(0, 0),
            20.0,
            [fp._with_alpha(c["blush"], 1.0), fp._with_alpha(c["blush"], 0.0)],
        )
        self.mouth_spec = {
            **character.part("mouth"),
            "mouth_y": character.part("mouth")["y"],
            "nose_y": character.part("nose")["y"],
        }

    # -- static layers ------------------------------------------------------------------
    def _background(self) -> skia.Image:
        c = self.ch.colors
        surface = skia.Surface(self.size, self.size)
        canvas = surface.getCanvas()
        k = self.size / FACE_UNITS
        paint = skia.Paint(AntiAlias=True)
        paint.setShader(
            skia.GradientShader.MakeLinear(
                [skia.Point(0, 0), skia.Point(0, self.size)],
                [c["background_top"], c["background_bottom"]],
            )
        )
        canvas.drawPaint(paint)
        glow = skia.Paint(AntiAlias=True)
        glow.setShader(
            skia.GradientShader.MakeRadial(
                skia.Point(HEAD_CENTRE[0] * k, (HEAD_CENTRE[1] - 10) * k),
                230.0 * k,
                [
                    fp._with_alpha(c["background_glow"], 0.9),
                    fp._with_alpha(c["background_glow"], 0.0),
                ],
            )
        )
        canvas.drawPaint(glow)
        return surface.makeImageSnapshot()

    # -- one frame ----------------------------------------------------------------------
    def draw(self, s: Mapping[str, float]) -> NDArray[np.uint8]:
        """Render one frame; returns the (shared, overwritten next frame) RGBA buffer."""
        canvas = self.surface.getCanvas()
        if self.transparent:
            canvas.clear(skia.ColorTRANSPARENT)
        else:
            canvas.drawImage(self.background, 0, 0)
        canvas.save()
        k = self.size / FACE_UNITS
        canvas.scale(k, k)
        canvas.translate(*HEAD_CENTRE)
        yaw, pitch = s["yaw"], s["pitch"]
        canvas.save()
        self._head_transform(canvas, s)
        self._layer(
            canvas, "hair_back", yaw, pitch, lambda: self._hair(canvas, self.hair_back, back=True)
        )
        canvas.restore()
        self._torso(canvas, s)
        self._head_transform(canvas, s)
        self._layer(canvas, "ears", yaw, pitch, lambda: self._ears(canvas))
        self._head(canvas, s)
        p, ch = self.paints, self.ch
        self._layer(canvas, "brows", yaw, pitch, lambda: self._brows(canvas, s))
        self._layer(canvas, "eyes", yaw, pitch, lambda: self._eyes(canvas, s))
        self._layer(canvas, "nose", yaw, pitch, lambda: fp.draw_nose(canvas, p, ch.part("nose"), s))
        self._layer(
            canvas, "mouth", yaw, pitch, lambda: fp.draw_mouth(canvas, p, self.mouth_spec, s)
        )
        self._layer(canvas, "hair_front", yaw, pitch, lambda: self._hair(canvas, self.hair_front))
        canvas.restore()
        return self.pixels

    @staticmethod
    def _head_transform(canvas: skia.Canvas, s: Mapping[str, float]) -> None:
        canvas.translate(0, s["breath"] * 0.9)
        canvas.rotate(s["roll"], *NECK_PIVOT)
        canvas.translate(s["yaw"] * 0.25, -s["pitch"] * 0.3)

    def _layer(
        self, canvas: skia.Canvas, name: str, yaw: float, pitch: float, draw: object
    ) -> None:
        d = DEPTH[name]
        canvas.save()
        canvas.translate(yaw * YAW_UNITS * d, -pitch * PITCH_UNITS * d)
        draw()  # type: ignore[operator]
        canvas.restore()

    def _torso(self, canvas: skia.Canvas, s: Mapping[str, float]) -> None:
        p, t = self.paints, self.ch.part("torso")
        neck_w = self.ch.part("neck")["half_w"]
        w = t["shoulder_w"]
        lift = s["breath"] * 1.6
        neck = skia.Path()
        neck.moveTo(-neck_w, 60)
        neck.lineTo(neck_w, 60)
        neck.lineTo(neck_w + 4, 175)
        neck.lineTo(-neck_w - 4, 175)
        neck.close()
        canvas.drawPath(neck, p.f("skin_shade"))
        canvas.save()  # the head's shadow on the neck
        canvas.clipPath(neck, doAntiAlias=True)
        canvas.translate(s["yaw"] * 0.25 + 3, 14 - s["pitch"] * 0.3)
        canvas.drawPath(self._head_path(s), p.f("outline", 0.25))
        canvas.restore()
        body = skia.Path()
        body.moveTo(-w - 20, 300)
        body.cubicTo(-w, 200 - lift, -w * 0.7, 168 - lift, -neck_w - 18, 158 - lift)
        body.lineTo(neck_w + 18, 158 - lift)
        body.cubicTo(w * 0.7, 168 - lift, w, 200 - lift, w + 20, 300)
        body.close()
        canvas.drawPath(body, p.f("shirt"))
        collar = skia.Path()
        if t.get("collar") == "hood":
            collar.moveTo(-neck_w - 30, 160 - lift)
            collar.cubicTo(
                -neck_w - 20, 200 - lift, neck_w + 20, 200 - lift, neck_w + 30, 160 - lift
            )
            canvas.drawPath(collar, p.s("shirt_shade", 14))
            for side in (-1, 1):
                cord = skia.Path()
                cord.moveTo(side * 14, 190 - lift)
                cord.lineTo(side * 16, 240 - lift)
                canvas.drawPath(cord, p.s("shirt_trim", 3.5))
        else:
            # Starts just above the shirt's top edge (158) so no sliver of shirt shows
            # between the neck and the scoop.
            collar.moveTo(-neck_w - 16, 156 - lift)
            collar.cubicTo(-neck_w - 8, 205 - lift, neck_w + 8, 205 - lift, neck_w + 16, 156 - lift)
            canvas.drawPath(collar, p.f("skin_shade"))
            canvas.drawPath(collar, p.s("shirt_trim", 5))
        # Shadow of the shoulders' far side gives the torso volume.
        shade = skia.Path()
        shade.moveTo(w * 0.55, 175 - lift)
        shade.cubicTo(w * 0.85, 195 - lift, w, 230, w + 20, 300)
        shade.lineTo(w * 0.6, 300)
        shade.close()
        canvas.drawPath(shade, p.f("shirt_shade", 0.6))

    def _head_path(self, s: Mapping[str, float]) -> skia.Path:
        h = self.ch.part("head")
        jaw = s["jaw"]
        top, cw, cy = h["top"], h["cheek_w"], h["cheek_y"]
        jw, jy = h["jaw_w"], h["jaw_y"] + 8.0 * jaw
        chw, chy = h["chin_w"], h["chin_y"] + 17.0 * jaw
        path = skia.Path()
        path.moveTo(0, top)
        path.cubicTo(cw * 0.62, top, cw, top * 0.55 + cy * 0.45, cw, cy)
        path.cubicTo(cw, cy + (jy - cy) * 0.45, jw + (cw - jw) * 0.45, jy - (jy - cy) * 0.2, jw, jy)
        path.cubicTo(jw - (jw - chw) * 0.55, jy + (chy - jy) * 0.6, chw, chy, 0, chy)
        path.cubicTo(-chw, chy, -jw + (jw - chw) * 0.55, jy + (chy - jy) * 0.6, -jw, jy)
        path.cubicTo(
            -jw - (cw - jw) * 0.45, jy - (jy - cy) * 0.2, -cw, cy + (jy - cy) * 0.45, -cw, cy
        )
        path.cubicTo(-cw, top * 0.55 + cy * 0.45, -cw * 0.62, top, 0, top)
        path.close()
        return path

    def _head(self, canvas: skia.Canvas, s: Mapping[str, float]) -> None:
        p = self.paints
        head = self._head_path(s)
        canvas.drawPath(head, p.f("skin"))
        canvas.save()
        canvas.clipPath(head, doAntiAlias=True)
        # Form shadow on the far side and under the hairline: flat shapes, explainer style.
        h = self.ch.part("head")
        canvas.drawOval(
            skia.Rect(h["cheek_w"] * 0.6, h["top"] * 0.6, h["cheek_w"] * 2.2, h["chin_y"] + 30),
            p.f("skin_shade", 0.3),
        )
        canvas.translate(s["yaw"] * YAW_UNITS * DEPTH["hair_front"], 7)
        canvas.drawPath(self.hair_front, p.f("skin_shade", 0.45))
        canvas.restore()
        blush = 0.28 + 0.45 * s["AU6"] + 0.15 * s["AU12"]
        yaw_shift = s["yaw"] * YAW_UNITS * 0.55
        for side in (-1, 1):
            canvas.save()
            canvas.translate(side * 56 + yaw_shift, 36 - 6 * s["AU6"])
            canvas.scale(1.1, 0.7)
            shaded = self.paints.shaded
            shaded.setShader(self.blush)
            shaded.setAlphaf(fp._clip01(blush) * 0.55)
            canvas.drawCircle(0, 0, 20.0, shaded)
            canvas.restore()
        canvas.drawPath(head, p.s("outline", 1.6, 0.35))

    def _ears(self, canvas: skia.Canvas) -> None:
        p, e = self.paints, self.ch.part("ears")
        for side in (-1, 1):
            rect = skia.Rect(
                side * e["x"] - e["w"], e["y"] - e["h"], side * e["x"] + e["w"], e["y"] + e["h"]
            )
            canvas.drawOval(rect, p.f("skin"))
            canvas.drawOval(rect, p.s("outline", 1.4, 0.3))
            inner = skia.Path()
            inner.moveTo(side * (e["x"] + 2), e["y"] - e["h"] * 0.5)
            inner.quadTo(
                side * (e["x"] + e["w"] * 0.55), e["y"], side * (e["x"] + 1), e["y"] + e["h"] * 0.45
            )
            canvas.drawPath(inner, p.s("skin_shade", 2.2, 0.8))

    def _hair(self, canvas: skia.Canvas, path: skia.Path, back: bool = False) -> None:
        p = self.paints
        canvas.drawPath(path, p.f("hair_shade" if back else "hair"))
        if not back:
            for strand in self.strands:
                canvas.drawPath(strand, p.s("hair_light", 2.4, 0.7))
            canvas.drawPath(path, p.s("hair_shade", 1.4, 0.6))

    def _brows(self, canvas: skia.Canvas, s: Mapping[str, float]) -> None:
        spec = self.ch.part("brows")
        fp.draw_brow_lines(canvas, self.paints, s, spec["y"])
        for side in (-1, 1):
            fp.draw_brow(canvas, self.paints, spec, s, side)

    def _eyes(self, canvas: skia.Canvas, s: Mapping[str, float]) -> None:
        spec = self.ch.part("eyes")
        for side in (-1, 1):
            fp.draw_eye(canvas, self.paints, spec, s, side)
