"""Plutchik's blend wheel: eight petals in wheel order, each petal's length the weight the
artist gives that primary; rings mark the intensity ladder (serenity | joy | ecstasy).

Click or drag along a petal to set its level; right-click (or Shift-click) clears it;
with the keyboard, Left/Right pick a petal, Up/Down change its level, Delete clears it.
Mixture = levels normalised; intensity = the weight-averaged level, so one petal at the
"ecstasy" ring means ecstasy and two equal petals at the middle ring mean their dyad.
"""

from __future__ import annotations

import math
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
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from studio.emotion import PRIMARIES, PRIMARY_IDS, Condition
from studio.emotion.naming import STRONG_FROM, WEAK_BELOW
from studio.ui import theme
from studio.ui.condition_model import ConditionModel
from studio.ui.qt_util import LayerCache

STEP: Final = 0.05
INNER: Final = 0.16  # hub radius as a share of the wheel radius
LABEL_GAP: Final = 6.0  # between a petal's tip and its name
SPAN: Final = math.radians(40)  # angular width of a petal (45° apart, a small gap)


# The plain and bold label fonts, and each primary's name box in either.
_Labels = tuple[tuple[QFont, QFont], list[tuple[QRectF, QRectF]]]


def levels_for(condition: Condition) -> dict[str, float]:
    """Petal levels that reproduce a condition: lᵢ = I·wᵢ / Σw² (inverse of the rule above)."""
    mix = dict(condition.mixture)
    norm = sum(w * w for w in mix.values())
    if not mix or norm <= 0:
        return dict.fromkeys(PRIMARY_IDS, 0.0)
    return {pid: min(1.0, condition.intensity * mix.get(pid, 0.0) / norm) for pid in PRIMARY_IDS}


def blend_of(levels: dict[str, float]) -> tuple[dict[str, float], float]:
    """Levels → (mixture summing to 1, intensity)."""
    live = {k: v for k, v in levels.items() if v > 1e-6}
    total = sum(live.values())
    if total <= 0:
        return {}, 0.0
    mix = {k: v / total for k, v in live.items()}
    return mix, sum(mix[k] * live[k] for k in live)


class QtWheel(QWidget):
    """Shows and edits the mixture of a :class:`ConditionModel`."""

    def __init__(self, model: ConditionModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.levels = levels_for(model.condition)
        self.selected = 0
        self._dragging: str | None = None
        # Per size, font and theme: the radius (measures eight names) and the empty petals'
        # silhouettes, which a drag on the pad would otherwise redo at pointer rate.
        self._radius: tuple[object, float] | None = None
        self._cache = LayerCache()
        # Paints every pixel (its layer carries the background): at pointer rate, the
        # dock and the window behind it are not repainted too.
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._labels: tuple[object, _Labels] | None = None
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(160, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName("Plutchik blend wheel")
        self.setToolTip(
            "Click or drag along a petal to weight that primary emotion; right-click clears.\n"
            "Rings: mild | basic | intense. Keys: ←/→ pick a petal, ↑/↓ change it, Del clears."
        )
        model.changed.connect(self._on_changed)

    def sizeHint(self) -> QSize:
        return QSize(300, 300)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return width

    def _on_changed(self, condition: Condition, source: str) -> None:
        if source != "wheel":
            self.levels = levels_for(condition)
        self.update()

    # -- geometry -------------------------------------------------------------------------
    def _label_font(self) -> QFont:
        f = QFont(self.font())
        f.setPointSizeF(max(7.0, f.pointSizeF() * 0.9))
        return f

    def radius(self) -> float:
        """As large as the widget allows with the petal names around it: the names beside
        the wheel need their width, the ones above and below only a line."""
        key = (self.width(), self.height(), self.font().key())
        if self._radius is not None and self._radius[0] == key:
            return self._radius[1]
        f = self._label_font()
        f.setBold(True)
        fm = QFontMetricsF(f)
        widest = max(fm.horizontalAdvance(p.display_name) for p in PRIMARIES)
        across = self.width() / 2 - widest - LABEL_GAP - 2
        down = self.height() / 2 - fm.height() - LABEL_GAP - 2
        self._radius = (key, max(20.0, min(across, down)))
        return self._radius[1]

    def centre(self) -> QPointF:
        return QPointF(self.width() / 2, self.height() / 2)

    @staticmethod
    def angle_of(index: int) -> float:
        """Petal direction in radians, joy at the top, clockwise in Plutchik's order."""
        return math.radians(90 - 45 * index)

    def hit(self, pos: QPointF) -> tuple[str, float] | None:
        """The petal under ``pos`` and the level the distance from the hub means."""
        c, big = self.centre(), self.radius()
        dx, dy = pos.x() - c.x(), c.y() - pos.y()
        dist = math.hypot(dx, dy)
        if dist < big * INNER * 0.5 or dist > big * 1.12:
            return None
        angle = math.degrees(math.atan2(dy, dx))
        index = round((90 - angle) / 45) % 8
        level = (dist / big - INNER) / (1 - INNER)
        return PRIMARY_IDS[index], max(0.0, min(1.0, level))

    def point_at(self, index: int, level: float) -> QPointF:
        c, big = self.centre(), self.radius()
        r = big * (INNER + (1 - INNER) * level)
        a = self.angle_of(index)
        return QPointF(c.x() + r * math.cos(a), c.y() - r * math.sin(a))

    # -- editing --------------------------------------------------------------------------
    def set_level(self, pid: str, level: float) -> None:
        self.levels[pid] = max(0.0, min(1.0, level))
        mix, intensity = blend_of(self.levels)
        self.model.set_mixture(mix, intensity, source="wheel")
        self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        found = self.hit(event.position())
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        if found is None:
            return
        pid, level = found
        self.selected = PRIMARY_IDS.index(pid)
        clear = event.button() == Qt.MouseButton.RightButton or bool(
            event.modifiers() & Qt.KeyboardModifier.ShiftModifier
        )
        if clear:
            self.set_level(pid, 0.0)
            self.model.settle()
            return
        if event.button() == Qt.MouseButton.LeftButton:
            self._dragging = pid
            self.model.begin_drag()
            self.set_level(pid, level)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._dragging is None:
            return
        c, big = self.centre(), self.radius()
        a = self.angle_of(PRIMARY_IDS.index(self._dragging))
        # Project onto the petal's axis so a drag slightly off the petal still works.
        along = (event.position().x() - c.x()) * math.cos(a) - (
            event.position().y() - c.y()
        ) * math.sin(a)
        self.set_level(self._dragging, (along / big - INNER) / (1 - INNER))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._dragging is not None:
            self._dragging = None
            self.model.end_drag()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        pid = PRIMARY_IDS[self.selected]
        key = Qt.Key(event.key())
        if key == Qt.Key.Key_Right:
            self.selected = (self.selected + 1) % 8
            self.update()
        elif key == Qt.Key.Key_Left:
            self.selected = (self.selected - 1) % 8
            self.update()
        elif key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            delta = STEP if key == Qt.Key.Key_Up else -STEP
            self.set_level(pid, round(self.levels[pid] + delta, 4))
            self.model.settle()
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.set_level(pid, 0.0)
            self.model.settle()
        else:
            super().keyPressEvent(event)

    # -- painting -------------------------------------------------------------------------
    def _petal(self, index: int, level: float) -> QPainterPath:
        c, big = self.centre(), self.radius()
        r0, r1 = big * INNER, big * (INNER + (1 - INNER) * level)
        mid = self.angle_of(index)
        path = QPainterPath()
        a0, a1 = mid - SPAN / 2, mid + SPAN / 2
        path.moveTo(c.x() + r0 * math.cos(a0), c.y() - r0 * math.sin(a0))
        steps = 12
        for i in range(steps + 1):
            a = a0 + (a1 - a0) * i / steps
            path.lineTo(c.x() + r1 * math.cos(a), c.y() - r1 * math.sin(a))
        for i in range(steps + 1):
            a = a1 - (a1 - a0) * i / steps
            path.lineTo(c.x() + r0 * math.cos(a), c.y() - r0 * math.sin(a))
        path.closeSubpath()
        return path

    def _background(self) -> QPixmap:
        """The empty petals, a faint silhouette: the same for every mixture."""
        return self._cache.get(self, self._paint_background)

    def _paint_background(self, p: QPainter) -> None:
        t = theme.current()
        for i, prim in enumerate(PRIMARIES):
            colour = theme.emotion_colour(prim.id)
            colour.setAlphaF(0.13)
            p.setPen(QPen(QColor(t.border), 1))
            p.setBrush(colour)
            p.drawPath(self._petal(i, 1.0))

    def paintEvent(self, event: QPaintEvent) -> None:
        t = theme.current()
        p = QPainter(self)
        p.drawPixmap(0, 0, self._background())
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        c, big = self.centre(), self.radius()
        for i, prim in enumerate(PRIMARIES):
            level = self.levels.get(prim.id, 0.0)
            if level > 0:
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(theme.emotion_colour(prim.id))
                p.drawPath(self._petal(i, level))
        ring_pen = QPen(QColor(t.muted), 1, Qt.PenStyle.DotLine)
        p.setPen(ring_pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        for level in (WEAK_BELOW, STRONG_FROM):
            r = big * (INNER + (1 - INNER) * level)
            p.drawEllipse(c, r, r)
        sel = self._petal(self.selected, 1.0)
        if self.hasFocus():
            p.setPen(QPen(QColor(t.accent), 2))
            p.drawPath(sel)
        p.setPen(QPen(QColor(t.border), 1))
        p.setBrush(QColor(t.base))
        p.drawEllipse(c, big * INNER, big * INNER)
        self._paint_labels(p)
        p.end()

    def _label_boxes(self) -> _Labels:
        """The plain and bold label fonts and each name's box in either: laid out once per
        size and font (a drag repaints the wheel at pointer rate)."""
        key = (self.width(), self.height(), self.font().key())
        if self._labels is not None and self._labels[0] == key:
            return self._labels[1]
        plain, bold = self._label_font(), self._label_font()
        bold.setBold(True)
        fm = QFontMetricsF(plain)
        c, big = self.centre(), self.radius()
        boxes: list[tuple[QRectF, QRectF]] = []
        for i, prim in enumerate(PRIMARIES):
            a = self.angle_of(i)
            pair = []
            for f in (plain, bold):
                w = QFontMetricsF(f).horizontalAdvance(prim.display_name) + 4  # bold is wider
                # The name's near edge just past the petal's tip, in the petal's direction.
                r = big + LABEL_GAP
                x = c.x() + r * math.cos(a) + w / 2 * math.cos(a)
                y = c.y() - r * math.sin(a) - fm.height() / 2 * math.sin(a)
                box = QRectF(x - w / 2, y - fm.height() / 2, w, fm.height())
                box.moveLeft(max(1.0, min(self.width() - w - 1, box.left())))
                pair.append(box)
            boxes.append((pair[0], pair[1]))
        self._labels = (key, ((plain, bold), boxes))
        return self._labels[1]

    def _paint_labels(self, p: QPainter) -> None:
        t = theme.current()
        fonts, boxes = self._label_boxes()
        for prim, pair in zip(PRIMARIES, boxes, strict=True):
            weighted = self.levels.get(prim.id, 0.0) > 0  # a weighted petal's name is bold
            p.setFont(fonts[weighted])
            p.setPen(QColor(t.text if weighted else t.muted))
            p.drawText(pair[weighted], Qt.AlignmentFlag.AlignCenter, prim.display_name)
