"""Small Qt helpers.

PySide6 6.12 returns ``None`` for an invalid QVariant without taking a reference to it, so
every such read drops ``None``'s reference count until the interpreter aborts at exit
("none_dealloc"). Never read item data that may be missing: go through these helpers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPixmap, QResizeEvent, QValidator
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QDoubleSpinBox,
    QLabel,
    QSizePolicy,
    QSpinBox,
    QWidget,
)

COMBO_CHARS = 8  # a combo's least width, in characters
_NUMBER = re.compile(r"\s*([-+]?\d+(?:[.,]\d*)?)\s*")


def combo_data(combo: QComboBox) -> Any:
    """The current item's data, or "" when the combo is empty."""
    if combo.currentIndex() < 0 or combo.count() == 0:
        return ""
    return combo.itemData(combo.currentIndex())


def compact_combos(root: QWidget, chars: int = COMBO_CHARS) -> None:
    """Let every combo under ``root`` be narrower than its longest item (the popup still
    lists it in full), so one long choice cannot widen a form column."""
    for combo in root.findChildren(QComboBox):
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(chars)
        combo.view().setTextElideMode(Qt.TextElideMode.ElideNone)


class ElidedLabel(QLabel):
    """One line that ends in "…" where it does not fit; the whole text is its tooltip."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.full_text = ""
        self.set_full_text(text)

    def set_full_text(self, text: str) -> None:
        self.full_text = text
        self.setToolTip(text)
        self._elide()

    def minimumSizeHint(self) -> QSize:
        return QSize(
            self.fontMetrics().horizontalAdvance("…") * 4, super().minimumSizeHint().height()
        )

    def sizeHint(self) -> QSize:
        return QSize(
            self.fontMetrics().horizontalAdvance(self.full_text) + 4, super().sizeHint().height()
        )

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = max(0, self.contentsRect().width())
        self.setText(
            self.fontMetrics().elidedText(self.full_text, Qt.TextElideMode.ElideRight, width)
        )


def select_data(combo: QComboBox, value: Any) -> bool:
    """Select the item whose data is ``value``; ``False`` when there is none."""
    if value is None:
        return False
    i = combo.findData(value)
    if i >= 0:
        combo.setCurrentIndex(i)
    return i >= 0


class _Bounded:
    """A spin box that lets a number outside its range be typed in full and then sets the
    nearest allowed value, saying so (``clamped``), where Qt's own validator silently
    drops the keystroke (3600 typed into a 5–360 field became 360.0; 99999 became 99.0)."""

    def _typed(self, text: str) -> float | None:
        box: Any = self
        m = _NUMBER.fullmatch(text.removeprefix(box.prefix()).removesuffix(box.suffix()))
        return float(m.group(1).replace(",", ".")) if m else None

    def validate(self, text: str, pos: int, /) -> tuple[QValidator.State, str, int]:
        result: tuple[QValidator.State, str, int] = super().validate(text, pos)  # type: ignore[misc]
        if result[0] == QValidator.State.Invalid and self._typed(text) is not None:
            return (QValidator.State.Intermediate, text, pos)
        return result

    def fixup(self, text: str, /) -> str:
        box: Any = self
        typed = self._typed(text)
        if typed is None:
            return text
        value = min(box.maximum(), max(box.minimum(), typed))
        if value != typed:
            edge = "most" if typed > value else "least"
            shown = box.textFromValue(value)
            box.clamped.emit(
                f"{typed:g} is more than the {edge}, {shown}; set to {shown}"
                if edge == "most"
                else f"{typed:g} is less than the {edge}, {shown}; set to {shown}"
            )
        return str(box.textFromValue(value))


class BoundedSpinBox(_Bounded, QSpinBox):
    clamped = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToNearestValue)


class BoundedDoubleSpinBox(_Bounded, QDoubleSpinBox):
    clamped = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToNearestValue)


class LayerCache:
    """A widget's unchanging layer (a pad's grid, a wheel's empty petals), painted once per
    size, pixel ratio, theme and font: a drag repaints at pointer rate, the layer does not
    change with it. An opaque widget (``WA_OpaquePaintEvent``) gets its background colour
    under the layer, so the widgets behind it need not repaint at every move."""

    def __init__(self) -> None:
        self._key: tuple[object, ...] | None = None
        self._pixmap: QPixmap | None = None

    def get(self, widget: QWidget, paint: Callable[[QPainter], None]) -> QPixmap:
        from studio.ui import theme

        ratio = widget.devicePixelRatioF()
        key = (widget.width(), widget.height(), ratio, theme.current().name, widget.font().key())
        if self._pixmap is not None and self._key == key:
            return self._pixmap
        pixmap = QPixmap(round(widget.width() * ratio), round(widget.height() * ratio))
        pixmap.setDevicePixelRatio(ratio)
        if widget.testAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent):
            pixmap.fill(widget.palette().color(widget.backgroundRole()))
        else:
            pixmap.fill(Qt.GlobalColor.transparent)
        p = QPainter(pixmap)
        try:
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            paint(p)
        finally:
            p.end()
        self._key, self._pixmap = key, pixmap
        return pixmap


class LiveText(QWidget):
    """Text that changes at pointer rate (the pad's blend and coordinates, a slider's number)
    without asking the window to lay itself out again. A QLabel's ``setText`` always posts a
    layout request up the tree (``updateGeometry``): while dragging, every move relaid and
    repainted the whole dock and the main window around it. This widget keeps one size
    (``lines`` lines, each elided to the width, or wrapped) and only repaints itself."""

    def __init__(
        self,
        lines: int = 1,
        sample: str = "",
        muted: bool = False,
        align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft,
        wrap: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._text = ""
        self._wrap = wrap  # words wrap within the lines (a longer text is cut; see tooltip)
        self._lines = lines
        self._sample = sample  # the widest text expected: the preferred width
        self._muted = muted
        self._align = align
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:
        if text != self._text:
            self._text = text
            self.setAccessibleName(text)
            self.setToolTip(text)  # an elided line is read whole here
            self.update()

    def sizeHint(self) -> QSize:
        fm = self.fontMetrics()
        return QSize(fm.horizontalAdvance(self._sample) + 2, fm.lineSpacing() * self._lines + 2)

    def minimumSizeHint(self) -> QSize:
        return QSize(0, self.sizeHint().height())

    def paintEvent(self, event: QPaintEvent) -> None:
        from studio.ui import theme

        t = theme.current()
        p = QPainter(self)
        p.setPen(QColor(t.muted if self._muted else t.text))
        fm = self.fontMetrics()
        width = self.width() - 2
        if self._wrap:
            flags = self._align | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap
            p.drawText(QRect(1, 1, width, self.height() - 2), int(flags), self._text)
            p.end()
            return
        for i, line in enumerate(self._text.split("\n")[: self._lines]):
            shown = fm.elidedText(line, Qt.TextElideMode.ElideRight, width)
            p.drawText(
                QRect(1, 1 + i * fm.lineSpacing(), width, fm.lineSpacing()),
                int(self._align | Qt.AlignmentFlag.AlignVCenter),
                shown,
            )
        p.end()
