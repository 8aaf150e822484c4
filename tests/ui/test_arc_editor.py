"""The emotional-arc editor: edits can be taken back."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from studio.emotion import Condition
from studio.ui.condition_model import ConditionModel
from studio.ui.trajectory_editor import QtTrajectoryEditor
from studio.ui.trajectory_model import UNDO_DEPTH, TrajectoryModel


def _editor(qtbot: Any) -> QtTrajectoryEditor:
    editor = QtTrajectoryEditor(TrajectoryModel(), ConditionModel(Condition.neutral()))
    qtbot.addWidget(editor)
    return editor


def test_clear_can_be_undone(qtbot: Any) -> None:
    editor = _editor(qtbot)
    model = editor.model
    assert not editor.undo_button.isEnabled()
    model.put(0.0, Condition.from_vad(0.8, 0.5))
    model.put(10.0, Condition.from_vad(-0.7, -0.4))
    before = list(model.keyframes)
    model.clear()
    assert model.keyframes == [] and editor.undo_button.isEnabled()
    qtbot.mouseClick(editor.undo_button, Qt.MouseButton.LeftButton)
    assert model.keyframes == before


def test_ctrl_z_on_the_timeline_takes_back_a_delete(qtbot: Any) -> None:
    editor = _editor(qtbot)
    model = editor.model
    model.put(5.0, Condition.from_vad(0.5, 0.5))
    editor.timeline.select(0)
    qtbot.keyClick(editor.timeline, Qt.Key.Key_Delete)
    assert model.keyframes == []
    seq = QKeySequence(QKeySequence.StandardKey.Undo)[0]
    qtbot.keyClick(editor.timeline, seq.key(), seq.keyboardModifiers())
    assert [k.time for k in model.keyframes] == [5.0]


def test_undo_history_is_bounded_and_runs_out_cleanly(qtbot: Any) -> None:
    model = _editor(qtbot).model
    for i in range(UNDO_DEPTH + 10):
        model.put(float(i % 20), Condition.from_vad(0.1, 0.1))
    steps = 0
    while model.undo():
        steps += 1
    assert steps == UNDO_DEPTH
    assert not model.can_undo and model.undo() is False
