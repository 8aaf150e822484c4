"""The valence–arousal pad (Russell 1980 circumplex): a draggable point over a grid with
emotion words placed at their lexicon VAD coordinates.

Drag or click to move; arrow keys nudge by 0.05 (Shift: 0.01, Ctrl: 0.2); Home returns
to neutral. The point's size shows dominance. Trajectory keyframes, when there are any,
are drawn as a numbered path.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Final

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPixmap,
    QRadialGradient,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from studio.emotion import Condition
from studio.emotion.lexicon import entries
from studio.ui import theme
from studio.ui.condition_model import ConditionModel
from studio.ui.qt_util import LayerCache
from studio.ui.trajectory_model import TrajectoryModel

# Words drawn on the pad, in priority order: Russell's (1980) circumplex terms that the
# lexicon holds, then common neighbours; a word whose label would overlap one already drawn
# is skipped, so the densest corners stay readable.
PAD_WORDS: Final = (
    "excited",
    "happy",
    "relaxed",
    "sad",
    "angry",
    "afraid",
    "calm",
    "bored",
    "tense",
    "elated",
    "content",
    "serene",
    "sleepy",
    "tired",
    "depressed",
    "miserable",
    "frustrated",
    "alarmed",
    "astonished",
    "alert",
    "satisfied",
    "delighted",
    "hopeful",
    "lonely",
    "nervous",
    "furious",
    "gloomy",
    "proud",
    "stressed",
    "peaceful",
    "melancholy",
    "bitter",
)
NUDGE: Final = 0.05
FINE: Final = 0.01
COARSE: Final = 0.2
MARGIN: Final = 34.0
INSET: Final = 18.0  # the largest point's radius (16) and its outline


Edges = tuple[float, float, float, float]  # left, top, right, bottom


@dataclass(frozen=True)
class _Word:
    """A word on the pad as laid out: its dot, its label's box, the box with the room it
    keeps clear, and the earlier words whose labels that room touches."""

    text: str
    point: QPointF
    box: QRectF
    room: Edges
    touches: tuple[int, ...]


def _edges(r: QRectF) -> Edges:
    return (r.left(), r.top(), r.right(), r.bottom())


def _overlap(a: Edges, b: Edges) -> bool:
    """Whether two boxes share some area (as QRectF.intersects, on plain floats)."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


class QtPad(QWidget):
    """Shows and edits the valence/arousal of a :class:`ConditionModel`."""

    def __init__(
        self,
        model: ConditionModel,
        trajectory: TrajectoryModel | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.trajectory = trajectory
        self.keyframes: list[Condition] = []  # drawn as a numbered path; from ``trajectory``
        self._cache = LayerCache()
        # Paints every pixel (its layer carries the background): at pointer rate, the
        # dock and the window behind it are not repainted too.
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._layout: tuple[tuple[object, ...], list[_Word]] | None = None
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(220, 220)  # the hero: grows with its dock; fits 1280×720
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName("Valence–arousal pad")
        self.setToolTip(
            "Valence (unpleasant ← → pleasant) and arousal (calm ↓ ↑ activated).\n"
            "Drag the point, or use the arrow keys (Shift: fine, Ctrl: coarse; Home: neutral)."
        )
        self._words = [(w, entries()[w].vad) for w in PAD_WORDS if w in entries()]
        model.changed.connect(lambda *_: self.update())
        if trajectory is not None:
            trajectory.changed.connect(self._arc_changed)
            self._arc_changed()

    def _arc_changed(self) -> None:
        assert self.trajectory is not None
        self.keyframes = [k.condition for k in self.trajectory.keyframes]
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(380, 380)

    def heightForWidth(self, width: int) -> int:
        return width

    def hasHeightForWidth(self) -> bool:
        return True

    # -- geometry -------------------------------------------------------------------------
    def square(self) -> QRectF:
        side = max(10.0, min(self.width(), self.height()) - 2 * MARGIN)
        x = (self.width() - side) / 2
        y = (self.height() - side) / 2
        return QRectF(x, y, side, side)

    def field(self) -> QRectF:
        """Where −1…+1 is drawn: inside the frame by the largest point's radius, so the
        point (and its glow ring) stays inside the frame at the corners."""
        return self.square().adjusted(INSET, INSET, -INSET, -INSET)

    def to_point(self, valence: float, arousal: float) -> QPointF:
        r = self.field()
        return QPointF(
            r.left() + (valence + 1) / 2 * r.width(), r.top() + (1 - arousal) / 2 * r.height()
        )

    def to_va(self, pos: QPointF) -> tuple[float, float]:
        r = self.field()
        v = (pos.x() - r.left()) / r.width() * 2 - 1
        a = 1 - (pos.y() - r.top()) / r.height() * 2
        return max(-1.0, min(1.0, v)), max(-1.0, min(1.0, a))

    # -- input ----------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.setFocus(Qt.FocusReason.MouseFocusReason)
            self.model.begin_drag()
            self.model.set_vad(*self.to_va(event.position()), source="pad")

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self.model.set_vad(*self.to_va(event.position()), source="pad")

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.model.end_drag()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        mods = event.modifiers()
        step = NUDGE
        if mods & Qt.KeyboardModifier.ShiftModifier:
            step = FINE
        elif mods & Qt.KeyboardModifier.ControlModifier:
            step = COARSE
        moves = {
            Qt.Key.Key_Left: (-step, 0.0),
            Qt.Key.Key_Right: (step, 0.0),
            Qt.Key.Key_Up: (0.0, step),
            Qt.Key.Key_Down: (0.0, -step),
        }
        key = Qt.Key(event.key())
        c = self.model.condition
        if key in moves:
            dv, da = moves[key]
            self.model.set_vad(round(c.valence + dv, 4), round(c.arousal + da, 4), source="pad")
            self.model.settle()
        elif key == Qt.Key.Key_Home:  # neutral: valence, arousal and dominance back to 0
            self.model.set_condition(Condition.neutral(), source="pad")
            self.model.settle()
        else:
            super().keyPressEvent(event)

    # -- painting -------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        t = theme.current()
        p = QPainter(self)
        p.drawPixmap(0, 0, self._background())
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = self.square()
        self._paint_words(p)
        self._paint_keyframes(p)
        self._paint_point(p)
        if self.hasFocus():
            p.setPen(QPen(QColor(t.accent), 2))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRoundedRect(r.adjusted(1, 1, -1, -1), 8, 8)
        p.end()

    def _background(self) -> QPixmap:
        """The square, its colour wash, grid and axis titles: the same for every position
        of the point, so painted once per size and theme (the wash's eight gradients took
        most of a repaint, and a drag repaints at pointer rate)."""
        return self._cache.get(self, self._paint_background)

    def _paint_background(self, p: QPainter) -> None:
        t = theme.current()
        r = self.square()
        centre = r.center()
        p.setPen(QPen(QColor(t.border), 1))
        p.setBrush(QColor(t.pad_bg))
        p.drawRoundedRect(r, 8, 8)
        self._paint_tint(p, r)
        p.setPen(QPen(QColor(t.pad_grid), 1))
        p.setBrush(Qt.BrushStyle.NoBrush)
        r = self.field()  # the rings and axes are on the value scale
        for k in (0.25, 0.5, 0.75, 1.0):  # circumplex rings at equal intensity steps
            p.drawEllipse(centre, r.width() / 2 * k, r.height() / 2 * k)
        for angle in range(0, 180, 45):
            rad = math.radians(angle)
            dx, dy = math.cos(rad) * r.width() / 2, math.sin(rad) * r.height() / 2
            p.drawLine(
                QPointF(centre.x() - dx, centre.y() - dy), QPointF(centre.x() + dx, centre.y() + dy)
            )
        self._paint_axes(p, self.square())

    def _paint_tint(self, p: QPainter, r: QRectF) -> None:
        # A faint wash of each primary's colour around its prototype: where the eye expects
        # warm joy, cold sadness, red anger. Decorative only; the grid carries the values.
        from studio.emotion import PRIMARIES

        p.save()
        clip = QPainterPath()
        clip.addRoundedRect(r, 8, 8)
        p.setClipPath(clip)
        p.setPen(Qt.PenStyle.NoPen)
        for prim in PRIMARIES:
            pt = self.to_point(prim.vad[0], prim.vad[1])
            g = QRadialGradient(pt, r.width() * 0.32)
            c = theme.emotion_colour(prim.id)
            c.setAlphaF(0.16 if theme.current().name == "dark" else 0.12)
            g.setColorAt(0, c)
            c2 = QColor(c)
            c2.setAlphaF(0.0)
            g.setColorAt(1, c2)
            p.setBrush(g)
            p.drawEllipse(pt, r.width() * 0.32, r.width() * 0.32)
        p.restore()

    def _paint_axes(self, p: QPainter, r: QRectF) -> None:
        t = theme.current()
        f = QFont(self.font())
        f.setPointSizeF(max(7.0, f.pointSizeF() * 0.85))
        p.setFont(f)
        p.setPen(QColor(t.muted))
        fm = QFontMetricsF(f)
        h = fm.height()
        p.drawText(
            QRectF(r.left(), r.top() - h - 4, r.width(), h),
            Qt.AlignmentFlag.AlignCenter,
            "activated",
        )
        p.drawText(
            QRectF(r.left(), r.bottom() + 4, r.width(), h), Qt.AlignmentFlag.AlignCenter, "calm"
        )
        p.save()
        p.translate(r.left() - 6, r.center().y())
        p.rotate(-90)
        p.drawText(
            QRectF(-r.height() / 2, -h, r.height(), h), Qt.AlignmentFlag.AlignCenter, "unpleasant"
        )
        p.restore()
        p.save()
        p.translate(r.right() + 6, r.center().y())
        p.rotate(90)
        p.drawText(
            QRectF(-r.height() / 2, -h, r.height(), h), Qt.AlignmentFlag.AlignCenter, "pleasant"
        )
        p.restore()

    def _word_font(self) -> QFont:
        f = QFont(self.font())
        f.setPointSizeF(max(7.0, f.pointSizeF() * 0.9))
        return f

    def _word_layout(self) -> list[_Word]:
        """Where each word's dot and label go, and which earlier labels its own would
        touch: the same for every position of the point, so laid out once per size and
        font (measuring and placing ~150 words took most of a repaint during a drag)."""
        key = (self.width(), self.height(), self.font().key())
        if self._layout is not None and self._layout[0] == key:
            return self._layout[1]
        fm = QFontMetricsF(self._word_font())
        sq = self.square()  # keep labels inside the pad, clear of the axis titles
        words: list[_Word] = []
        for word, (v, a, _d) in self._words:
            pt = self.to_point(v, a)
            w = fm.horizontalAdvance(word)
            box = QRectF(pt.x() - w / 2, pt.y() + 3, w, fm.height())
            box.moveLeft(max(sq.left() + 3, min(sq.right() - 3 - w, box.left())))
            if box.bottom() > sq.bottom() - 2:
                box.moveBottom(pt.y() - 3)
            room = _edges(box.adjusted(-3, -2, 3, 2))
            touches = tuple(i for i, o in enumerate(words) if _overlap(room, _edges(o.box)))
            words.append(_Word(word, pt, box, room, touches))
        self._layout = (key, words)
        return words

    def _paint_words(self, p: QPainter) -> None:
        t = theme.current()
        p.setFont(self._word_font())
        # Words under the live point or its name badge are left out rather than half-hidden,
        # and so is a word whose label would touch one shown before it.
        c = self.model.condition
        pt = self.to_point(c.valence, c.arousal)
        r = self._radius(c)
        live = (_edges(self._badge()[2]), _edges(QRectF(pt.x() - r, pt.y() - r, 2 * r, 2 * r)))
        text = QColor(t.text)
        text.setAlphaF(0.72)
        dot = QColor(t.muted)
        shown: set[int] = set()
        for i, word in enumerate(self._word_layout()):
            if any(_overlap(word.room, o) for o in live) or not shown.isdisjoint(word.touches):
                continue
            shown.add(i)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(dot)
            p.drawEllipse(word.point, 2.0, 2.0)
            p.setPen(text)
            p.drawText(word.box, Qt.AlignmentFlag.AlignCenter, word.text)

    def _paint_keyframes(self, p: QPainter) -> None:
        if not self.keyframes:
            return
        t = theme.current()
        pts = [self.to_point(c.valence, c.arousal) for c in self.keyframes]
        pen = QPen(QColor(t.accent), 1.5, Qt.PenStyle.DashLine)
        p.setPen(pen)
        for a, b in itertools.pairwise(pts):
            p.drawLine(a, b)
        f = QFont(self.font())
        f.setPointSizeF(max(6.5, f.pointSizeF() * 0.75))
        f.setBold(True)
        p.setFont(f)
        for i, pt in enumerate(pts, 1):
            p.setPen(QPen(QColor(t.accent), 1.5))
            p.setBrush(QColor(t.base))
            p.drawEllipse(pt, 8, 8)
            p.setPen(QColor(t.text))
            p.drawText(QRectF(pt.x() - 8, pt.y() - 8, 16, 16), Qt.AlignmentFlag.AlignCenter, str(i))

    @staticmethod
    def _radius(c: Condition) -> float:
        return 8 + 4 * (c.dominance + 1)  # 8..16 px: bigger = more in control

    def _badge(self) -> tuple[str, QFont, QRectF]:
        """The live name, its font and where its badge goes (beside the point, flipped to
        the other side near the right edge)."""
        c = self.model.condition
        pt = self.to_point(c.valence, c.arousal)
        radius = self._radius(c)
        f = QFont(self.font())
        f.setBold(True)
        fm = QFontMetricsF(f)
        name = self.model.headline  # the panel's headline, held still while dragging
        frame = self.square().adjusted(3, 3, -3, -3)
        w = min(fm.horizontalAdvance(name) + 12, frame.width())
        h = fm.height() + 6
        x = pt.x() + radius + 6
        if x + w > frame.right():
            x = pt.x() - radius - 6 - w
        # Inside the frame at the corners too (beside the point, never half outside).
        x = max(frame.left(), min(frame.right() - w, x))
        y = max(frame.top(), min(frame.bottom() - h, pt.y() - h / 2))
        return name, f, QRectF(x, y, w, h)

    def _paint_point(self, p: QPainter) -> None:
        t = theme.current()
        c = self.model.condition
        pt = self.to_point(c.valence, c.arousal)
        radius = self._radius(c)
        colour = theme.mixture_colour(c.mixture)
        glow = QRadialGradient(pt, radius * 2.2)
        g = QColor(colour)
        g.setAlphaF(0.45)
        glow.setColorAt(0, g)
        g2 = QColor(colour)
        g2.setAlphaF(0.0)
        glow.setColorAt(1, g2)
        p.save()
        reach = radius * 2.2
        glow_box = QRectF(pt.x() - reach, pt.y() - reach, 2 * reach, 2 * reach)
        # Near the frame the glow fades at it, never spills over it; a clip path costs a
        # mask of the whole pad, so it is set only there.
        if not self.square().adjusted(8, 8, -8, -8).contains(glow_box):
            clip = QPainterPath()
            clip.addRoundedRect(self.square(), 8, 8)
            p.setClipPath(clip)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(glow)
        p.drawEllipse(pt, reach, reach)
        p.restore()
        p.setPen(QPen(QColor(t.text), 2))
        p.setBrush(colour)
        p.drawEllipse(pt, radius, radius)
        # The live name beside the point, flipped to stay inside the widget.
        name, f, box = self._badge()
        p.setFont(f)
        bg = QColor(t.base)
        bg.setAlphaF(0.85)
        p.setPen(QPen(QColor(colour), 1))
        p.setBrush(bg)
        p.drawRoundedRect(box, 5, 5)
        p.setPen(QColor(t.text))
        p.drawText(box, Qt.AlignmentFlag.AlignCenter, name)
