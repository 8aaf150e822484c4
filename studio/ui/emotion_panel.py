"""The emotion controls: name, word box, pad, dominance and intensity sliders, the wheel."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSlider,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from studio.emotion import BY_ID, Condition
from studio.ui.condition_model import ConditionModel, max_intensity
from studio.ui.pad import QtPad
from studio.ui.qt_util import LiveText
from studio.ui.trajectory_model import TrajectoryModel
from studio.ui.wheel import QtWheel
from studio.ui.word_box import QtWordBox

SCALE = 100  # sliders work in hundredths
INTENSITY_TIP = "Intensity: distance from neutral along this emotion's direction"
WHEEL_SHARE = 0.36  # of the splitter's height: a wheel big enough to aim at a petal


def describe(condition: Condition) -> str:
    """One line under the name: the blend and the coordinates."""
    mix = " · ".join(
        f"{BY_ID[k].display_name} {w:.0%}"
        for k, w in sorted(condition.mixture.items(), key=lambda kv: -kv[1])
        if w >= 0.05
    )
    vad = f"V {condition.valence:+.2f}  A {condition.arousal:+.2f}  D {condition.dominance:+.2f}"
    return f"{mix or 'no emotion'}\n{vad}"


class _Slider(QWidget):
    def __init__(self, lo: int, hi: int, tip: str, name: str) -> None:
        super().__init__()
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(lo, hi)
        self.slider.setPageStep(10)
        self.slider.setToolTip(tip)
        self.slider.setAccessibleName(name)
        self.value_label = LiveText(sample="+0.00 ", align=Qt.AlignmentFlag.AlignRight)
        self.value_label.setMinimumWidth(44)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.slider, 1)
        row.addWidget(self.value_label)

    def show_value(self, value: float, fmt: str) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(round(value * SCALE))
        self.slider.blockSignals(False)
        self.value_label.setText(format(value, fmt))


class QtEmotionPanel(QWidget):
    def __init__(
        self,
        model: ConditionModel,
        trajectory: TrajectoryModel | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.name_label = QLabel()
        self.name_label.setObjectName("emotionName")
        self.name_label.setAccessibleName("Current emotion")
        self.name_label.setWordWrap(True)  # a long blend's name must not widen the window
        # The blend and coordinates change at every move of a drag: two steady lines.
        self.detail_label = LiveText(lines=2, sample="V +0.00  A +0.00  D +0.00", muted=True)
        self.word_box = QtWordBox(model)
        self.word_problem = QLabel()
        self.word_problem.setObjectName("error")
        self.word_problem.setWordWrap(True)
        self.word_problem.hide()
        self.word_box.problem.connect(self._show_problem)
        self.pad = QtPad(model, trajectory)
        self.wheel = QtWheel(model)
        self.dominance = _Slider(
            -SCALE,
            SCALE,
            "Dominance: submissive / overwhelmed (left) ↔ in control (right)",
            "Dominance",
        )
        self.intensity = _Slider(
            0,
            SCALE,
            INTENSITY_TIP,
            "Intensity",
        )
        self.dominance.slider.valueChanged.connect(
            lambda v: model.set_dominance(v / SCALE, source="dominance")
        )
        self.intensity.slider.valueChanged.connect(
            lambda v: model.set_intensity(v / SCALE, source="intensity")
        )
        for s in (self.dominance.slider, self.intensity.slider):
            s.sliderPressed.connect(model.begin_drag)
            s.sliderReleased.connect(model.end_drag)

        sliders = QFormLayout()
        sliders.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        sliders.setContentsMargins(4, 0, 4, 0)
        sliders.addRow("Dominance", self.dominance)
        sliders.addRow("Intensity", self.intensity)

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.setSpacing(6)
        top_layout.addWidget(self.pad, 1)
        top_layout.addLayout(sliders)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(top)
        self.splitter.addWidget(self.wheel)
        self.splitter.setStretchFactor(0, 3)  # the pad takes most of the growth
        self.splitter.setStretchFactor(1, 1)
        self.wheel_share = WHEEL_SHARE
        self.splitter.splitterMoved.connect(self._split_moved)

        self.setMinimumWidth(300)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 10)
        layout.setSpacing(6)
        layout.addWidget(self.name_label)
        layout.addWidget(self.detail_label)
        layout.addWidget(self.word_box)
        layout.addWidget(self.word_problem)
        layout.addWidget(self.splitter, 1)
        model.changed.connect(self._refresh)
        self._refresh(model.condition, "")

    def _fit_split(self) -> None:
        """Pad above, wheel below at ``wheel_share`` of the height (kept as the window
        resizes; a drag of the handle sets a new share)."""
        total = sum(self.splitter.sizes())
        if total > 0:
            wheel = round(total * self.wheel_share)
            self.splitter.setSizes([total - wheel, wheel])

    def _split_moved(self, _pos: int, _index: int) -> None:
        total = sum(self.splitter.sizes())
        if total > 0:
            self.wheel_share = max(0.15, min(0.7, self.splitter.sizes()[1] / total))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_split()

    def _show_problem(self, text: str) -> None:
        self.word_problem.setText(text)
        self.word_problem.setVisible(bool(text))

    def _refresh(self, condition: Condition, source: str) -> None:
        self.name_label.setText(self.model.headline)  # held still while the pad is dragged
        self.detail_label.setText(describe(condition))
        self.dominance.show_value(condition.dominance, "+.2f")
        self.intensity.slider.setEnabled(bool(condition.mixture))
        # The range stays 0–1 so the handle sits where the number says; the model caps a
        # drag where this emotion's ray leaves the VAD cube (the tooltip says where).
        reach = max_intensity(condition)
        self.intensity.slider.setToolTip(
            f"{INTENSITY_TIP} (this emotion reaches {reach:.2f})" if reach < 1 else INTENSITY_TIP
        )
        self.intensity.show_value(condition.intensity, ".2f")
        if source != "word" and self.word_problem.isVisible():
            self._show_problem("")  # the emotion was set another way: the error is stale
