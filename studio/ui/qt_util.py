"""Small Qt helpers.

PySide6 6.12 returns ``None`` for an invalid QVariant without taking a reference to it, so
every such read drops ``None``'s reference count until the interpreter aborts at exit
("none_dealloc"). Never read item data that may be missing: go through these helpers.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox


def combo_data(combo: QComboBox) -> Any:
    """The current item's data, or "" when the combo is empty."""
    if combo.currentIndex() < 0 or combo.count() == 0:
        return ""
    return combo.itemData(combo.currentIndex())


def select_data(combo: QComboBox, value: Any) -> bool:
    """Select the item whose data is ``value``; ``False`` when there is none."""
    if value is None:
        return False
    i = combo.findData(value)
    if i >= 0:
        combo.setCurrentIndex(i)
    return i >= 0
