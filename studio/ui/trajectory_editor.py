"""The arc editor: a timeline of emotion keyframes set from the pad or the wheel.

Click the timeline to place the cursor; "Add keyframe" (K) stores the current emotion
there. Click a keyframe to select it and load its emotion into the pad (edit it there, then
"Update" stores it back); drag a keyframe to move it in time; Delete removes it. The curves
show valence and arousal over time as generators will follow them.
"""

from __future__ import annotations

import itertools

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.emotion import Trajectory
from studio.ui import theme
from studio.ui.condition_model import ConditionModel, display_name
from studio.ui.qt_util import BoundedDoubleSpinBox, combo_data
from studio.ui.trajectory_model import TrajectoryModel

PAD_X = 16.0
HIT = 9.0
EMPTY_HINT = "No keyframes. Set an emotion on the pad, click a time here, press Add keyframe."


class QtTimeline(QWidget):
    def __init__(self, model: TrajectoryModel, condition: ConditionModel) -> None:
        super().__init__()
        self.model = model
        self.condition = condition
        self.cursor_time = 0.0
        self.selected: int | None = None
        self._drag: int | None = None
        self.setMinimumHeight(80)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName("Emotion timeline")
        self.setToolTip(__doc__.split("\n\n")[1] if __doc__ else "")
        model.changed.connect(self.update)

    def sizeHint(self) -> QSize:
        return QSize(800, 130)

    def x_of(self, t: float) -> float:
        return PAD_X + t / self.model.duration * (self.width() - 2 * PAD_X)

    def t_of(self, x: float) -> float:
        span = max(1.0, self.width() - 2 * PAD_X)
        return max(0.0, min(self.model.duration, (x - PAD_X) / span * self.model.duration))

    def _hit(self, x: float) -> int | None:
        for i, k in enumerate(self.model.keyframes):
            if abs(self.x_of(k.time) - x) <= HIT:
                return i
        return None

    def select(self, index: int | None) -> None:
        self.selected = index
        if index is not None:
            kf = self.model.keyframes[index]
            self.cursor_time = kf.time
            self.condition.set_condition(kf.condition, source="timeline")
        self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        hit = self._hit(event.position().x())
        if hit is not None:
            self.select(hit)
            self.model.checkpoint()  # the whole drag is one undo step
            self._drag = hit
        else:
            self.selected = None
            self.cursor_time = round(self.t_of(event.position().x()), 2)
            self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag is not None:
            self.model.move(self._drag, self.t_of(event.position().x()))
            self.cursor_time = self.model.keyframes[self._drag].time

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._drag = None

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if event.matches(QKeySequence.StandardKey.Undo):
            self.selected = None
            self.model.undo()
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.selected is not None:
            self.model.remove(self.selected)
            self.selected = None
        elif key == Qt.Key.Key_K:
            self.selected = self.model.put(self.cursor_time, self.condition.condition)
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            step = self.model.duration / 100 * (1 if key == Qt.Key.Key_Right else -1)
            self.cursor_time = max(0.0, min(self.model.duration, self.cursor_time + step))
            self.update()
        else:
            super().keyPressEvent(event)

    def ticks(self) -> list[float]:
        """The ruler's times: a round step, at most a dozen marks."""
        dur = self.model.duration
        step = next(s for s in (0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600) if dur / s <= 12)
        return [i * step for i in range(int(dur / step + 1e-9) + 1)]

    def label_font(self) -> QFont:
        f = QFont(self.font())
        f.setPointSizeF(max(7.0, f.pointSizeF() * 0.85))
        return f

    def label_boxes(
        self,
    ) -> tuple[list[tuple[QRectF, str]], list[tuple[QRectF, str]], list[tuple[QRectF, str, str]]]:
        """Where the ruler's times, the keyframes' names and the legend go: all inside the
        widget (the first and last are not cut in half at the edges), names shortened
        ("…") to the room between neighbours, the legend only where no name is."""
        fm = QFontMetricsF(self.label_font())
        width, top, bottom = float(self.width()), 22.0, self.height() - 22.0

        def inside(box: QRectF) -> QRectF:
            box.moveLeft(max(1.0, min(width - 1.0 - box.width(), box.left())))
            return box

        def centred(x: float, text: str, y: float) -> QRectF:
            w = fm.horizontalAdvance(text) + 6
            return inside(QRectF(x - w / 2, y, w, fm.height() + 2))

        ticks = [(centred(self.x_of(k), f"{k:g}s", bottom + 2), f"{k:g}s") for k in self.ticks()]
        xs = [self.x_of(kf.time) for kf in self.model.keyframes]
        names: list[tuple[QRectF, str]] = []
        for i, kf in enumerate(self.model.keyframes):
            gaps = [abs(xs[i] - xs[j]) for j in (i - 1, i + 1) if 0 <= j < len(xs)]
            room = max(48.0, min(gaps, default=width) - 8)
            text = fm.elidedText(display_name(kf.condition), Qt.TextElideMode.ElideRight, room)
            names.append((centred(xs[i], text, top - fm.height() - 2), text))
        legend = self._legend(fm, [box for box, _ in names], width)
        return ticks, names, legend

    def _legend(
        self, fm: QFontMetricsF, taken: list[QRectF], width: float
    ) -> list[tuple[QRectF, str, str]]:
        items = (("— valence", "#f4c430"), ("— arousal", "#e0453a"))
        sizes = [fm.horizontalAdvance(text) + 6 for text, _ in items]
        span = sum(sizes) + 10
        # The right end first, then the left end, then the middle of a gap between names.
        ordered = sorted(taken, key=lambda b: b.left())
        gaps = [(a.right() + b.left()) / 2 - span / 2 for a, b in itertools.pairwise(ordered)]
        for left in (width - PAD_X - span, PAD_X, *gaps):
            boxes, x = [], left
            for (text, colour), w in zip(items, sizes, strict=True):
                boxes.append((QRectF(x, 2, w, fm.height() + 2), text, colour))
                x += w + 10
            if not any(b.intersects(n) for b, _, _ in boxes for n in taken):
                return boxes
        return []  # the names matter more

    def paintEvent(self, event: QPaintEvent) -> None:
        t = theme.current()
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor(t.base))
        top, bottom = 22.0, self.height() - 22.0
        mid = (top + bottom) / 2
        p.setFont(self.label_font())
        dur = self.model.duration
        ticks, names, legend = self.label_boxes()
        for (box, text), time in zip(ticks, self.ticks(), strict=True):
            x = self.x_of(time)
            p.setPen(QPen(QColor(t.pad_grid), 1))
            p.drawLine(QPointF(x, top), QPointF(x, bottom))
            p.setPen(QColor(t.muted))
            p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        p.setPen(QPen(QColor(t.pad_grid), 1, Qt.PenStyle.DashLine))
        p.drawLine(QPointF(PAD_X, mid), QPointF(self.width() - PAD_X, mid))
        frames = self.model.keyframes
        if frames:
            arc = Trajectory(tuple(frames), self.model.interpolation)
            for axis, colour, _label in ((0, "#f4c430", "valence"), (1, "#e0453a", "arousal")):
                path = QPainterPath()
                n = 120
                for i in range(n + 1):
                    tt = dur * i / n
                    value = arc.at(tt).vad[axis]
                    pt = QPointF(self.x_of(tt), mid - value * (mid - top))
                    if i == 0:
                        path.moveTo(pt)
                    else:
                        path.lineTo(pt)
                p.setPen(QPen(QColor(colour), 1.6))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawPath(path)
            for box, text, colour in legend:
                p.setPen(QColor(colour))
                p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        else:
            p.setPen(QColor(t.muted))
            p.drawText(  # wrapped: a narrow timeline shows all of it, not its middle
                QRectF(8, top, self.width() - 16, bottom - top),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                EMPTY_HINT,
            )
        for i, kf in enumerate(frames):
            x = self.x_of(kf.time)
            fill = theme.mixture_colour(kf.condition.mixture)
            p.setPen(
                QPen(
                    QColor(t.accent if i == self.selected else t.text),
                    2 if i == self.selected else 1,
                )
            )
            p.setBrush(fill)
            p.drawEllipse(QPointF(x, mid), 7, 7)
            box, text = names[i]
            p.setPen(QColor(t.text))
            p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        x = self.x_of(self.cursor_time)
        p.setPen(QPen(QColor(t.accent), 1.5))
        p.drawLine(QPointF(x, top - 2), QPointF(x, bottom + 2))
        p.end()


class QtTrajectoryEditor(QWidget):
    def __init__(self, model: TrajectoryModel, condition: ConditionModel) -> None:
        super().__init__()
        self.model = model
        self.condition = condition
        self.timeline = QtTimeline(model, condition)
        self.enabled = QCheckBox("Use the arc")
        self.enabled.setToolTip(
            "Generators that can follow an arc (music, voice, talking head) use these keyframes "
            "when their 'Follow the emotional arc' box is ticked"
        )
        self.enabled.toggled.connect(model.set_enabled)
        self.duration = BoundedDoubleSpinBox()  # 3600 typed becomes 600, not 360
        self.duration.setRange(1.0, 600.0)
        self.duration.setSuffix(" s")
        self.duration.setDecimals(1)
        self.duration.setValue(model.duration)
        self.duration.setToolTip("Length of the timeline")
        self.duration.valueChanged.connect(model.set_duration)
        self.interp = QComboBox()
        self.interp.addItem("Smooth", "smooth")
        self.interp.addItem("Linear", "linear")
        self.interp.setToolTip("How the emotion moves between keyframes")
        self.interp.currentIndexChanged.connect(
            lambda _: model.set_interpolation(combo_data(self.interp))
        )
        add = QPushButton("Add keyframe")
        add.setToolTip("Store the current emotion at the cursor (K)")
        add.clicked.connect(self.add_keyframe)
        self.update_button = QPushButton("Update")
        self.update_button.setToolTip("Store the current emotion into the selected keyframe")
        self.update_button.clicked.connect(self.update_selected)
        remove = QPushButton("Delete")
        remove.setToolTip("Remove the selected keyframe (Del)")
        remove.clicked.connect(self.delete_selected)
        clear = QPushButton("Clear")
        clear.setToolTip("Remove every keyframe (Undo brings them back)")
        clear.clicked.connect(model.clear)
        self.undo_button = QPushButton("Undo")
        self.undo_button.setToolTip("Take back the last change to the arc (Ctrl+Z on the timeline)")
        self.undo_button.clicked.connect(self.undo)
        self.count = QLabel()
        self.count.setObjectName("muted")
        bar = QHBoxLayout()
        bar.addWidget(self.enabled)
        bar.addSpacing(12)
        bar.addWidget(QLabel("Length"))
        bar.addWidget(self.duration)
        bar.addWidget(self.interp)
        bar.addStretch(1)
        bar.addWidget(self.count)
        # The edit buttons sit in a block beside the timeline, not in one long row: the
        # dock then fits under the generator panel on a 1280-pixel-wide screen.
        edits = QGridLayout()
        edits.setSpacing(4)
        for i, button in enumerate((add, self.update_button, remove, clear, self.undo_button)):
            edits.addWidget(button, i // 2, i % 2)
        edits.setRowStretch(3, 1)
        body = QHBoxLayout()
        body.addWidget(self.timeline, 1)
        body.addLayout(edits)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 8)
        layout.addLayout(bar)
        layout.addLayout(body, 1)
        model.changed.connect(self._sync)
        self._sync()

    def add_keyframe(self) -> int:
        index = self.model.put(self.timeline.cursor_time, self.condition.condition)
        self.timeline.selected = index
        self.model.set_enabled(True)  # through the model: the box follows its signal
        return index

    def update_selected(self) -> None:
        if self.timeline.selected is not None:
            self.model.replace(self.timeline.selected, self.condition.condition)

    def delete_selected(self) -> None:
        if self.timeline.selected is not None:
            self.model.remove(self.timeline.selected)
            self.timeline.selected = None

    def undo(self) -> None:
        self.timeline.selected = None
        self.model.undo()

    def _sync(self) -> None:
        self.undo_button.setEnabled(self.model.can_undo)
        n = len(self.model.keyframes)
        self.count.setText(f"{n} keyframe{'s' if n != 1 else ''}")
        self.enabled.blockSignals(True)
        self.enabled.setChecked(self.model.enabled)
        self.enabled.blockSignals(False)
        self.duration.blockSignals(True)
        self.duration.setValue(self.model.duration)
        self.duration.blockSignals(False)
        if self.timeline.selected is not None and self.timeline.selected >= n:
            self.timeline.selected = None
