"""A word box: type an emotion word (completion from the lexicon) to land on the pad."""

from __future__ import annotations

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtWidgets import QCompleter, QLineEdit, QWidget

from studio.emotion import Condition
from studio.emotion.lexicon import words
from studio.ui.condition_model import ConditionModel


class QtWordBox(QLineEdit):
    """Enter (or pick a completion) sets the model; an unknown word reports suggestions."""

    problem = Signal(str)  # a one-line message, empty when the word was accepted

    def __init__(self, model: ConditionModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.setPlaceholderText("Type an emotion: melancholy, awe, serene…")
        self.setToolTip("Any of the lexicon's emotion words; Enter lands on it on the pad")
        self.setAccessibleName("Emotion word")
        self.setClearButtonEnabled(True)
        completer = QCompleter(QStringListModel(words(), self), self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchStartsWith)
        completer.setMaxVisibleItems(12)
        completer.activated.connect(self.apply)
        self.setCompleter(completer)
        self.returnPressed.connect(lambda: self.apply(self.text()))
        model.changed.connect(self._on_changed)

    def apply(self, text: str) -> bool:
        """Set the model to the word; ``False`` (and a ``problem``) if it is unknown."""
        if not text.strip():
            return False
        try:
            condition = self.model.set_word(text, source="word")
        except ValueError as exc:
            self.problem.emit(str(exc))
            return False
        self.problem.emit("")
        self.setText(condition.label or "")
        self.model.settle()
        return True

    def _on_changed(self, condition: Condition, source: str) -> None:
        if source != "word" and not self.hasFocus():
            # Show the word that names the new state, so the box never contradicts the pad.
            self.setText(condition.label or "")
