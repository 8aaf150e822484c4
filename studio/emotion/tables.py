"""The one CSV reader for the project's data tables (emotion assets, direction tables).

Every table is a UTF-8 CSV with a header. :func:`read_table` checks the header against
the columns a caller needs before any row is used, and every cell read through a
:class:`Row` names its file, row (the line number a spreadsheet shows) and column when it
is wrong, so a bad edit to a table is found in one line, not a traceback.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path


class TableError(ValueError):
    """A data table that does not match its schema (names the file, row and column)."""


@dataclass(frozen=True)
class Row:
    """One data row with typed, located accessors."""

    file: str
    line: int  # 1-based line in the file: the header is line 1
    cells: Mapping[str, str]

    @property
    def where(self) -> str:
        return f"{self.file} row {self.line}"

    def has(self, column: str) -> bool:
        """Whether the column exists and its cell is not blank."""
        return bool((self.cells.get(column) or "").strip())

    def text(self, column: str, *, required: bool = True) -> str:
        value = (self.cells.get(column) or "").strip()
        if required and not value:
            raise TableError(f"{self.where}: column {column!r} is empty")
        return value

    def number(self, column: str, default: float | None = None) -> float:
        """A finite number; a blank cell gives ``default`` (an error when there is none)."""
        raw = (self.cells.get(column) or "").strip()
        if not raw:
            if default is None:
                raise TableError(f"{self.where}: column {column!r} is empty")
            return default
        try:
            value = float(raw)
        except ValueError:
            raise TableError(f"{self.where}: column {column!r}: {raw!r} is not a number") from None
        if not math.isfinite(value):
            raise TableError(f"{self.where}: column {column!r}: {raw!r} is not finite")
        return value

    def optional_number(self, column: str) -> float | None:
        return self.number(column) if self.has(column) else None

    def integer(self, column: str) -> int:
        value = self.number(column)
        if not value.is_integer():
            raise TableError(f"{self.where}: column {column!r}: {value} is not a whole number")
        return int(value)


def read_table(
    path: Path, *, required: Iterable[str], optional: Iterable[str] | None = None
) -> list[Row]:
    """All rows of ``path``; the header must hold every ``required`` column, and, when
    ``optional`` is given, nothing outside required + optional (a typo'd column name
    would otherwise be silently ignored)."""
    path = Path(path)
    need = list(required)
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header = list(reader.fieldnames or [])
        missing = [c for c in need if c not in header]
        if missing:
            raise TableError(f"{path.name}: header lacks column(s) {', '.join(missing)}")
        if optional is not None:
            allowed = set(need) | set(optional)
            unknown = [c for c in header if c not in allowed]
            if unknown:
                raise TableError(f"{path.name}: unknown column(s) {', '.join(unknown)}")
        rows: list[Row] = []
        for cells in reader:
            line = reader.line_num
            if None in cells:
                raise TableError(f"{path.name} row {line}: more cells than header columns")
            if not any((v or "").strip() for v in cells.values()):
                continue  # a blank line
            rows.append(Row(path.name, line, cells))
    if not rows:
        raise TableError(f"{path.name}: the table has no rows")
    return rows
