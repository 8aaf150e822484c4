"""Healing a damaged history database: find the damage, rebuild, keep every readable row.

:func:`problem` is the check on open (``PRAGMA quick_check`` plus the tables the schema
needs). :func:`salvage` builds a fresh database beside the damaged one and copies into it
every row that can still be read: the rows are walked in key order on the table's own
b-tree, and when a stretch of it cannot be read the walk seeks past it (doubling the jump,
then bisecting back) instead of giving up, so one garbage page costs only the rows on it.
Where the ``sqlite3`` command-line tool is installed its ``.recover`` (which reads pages
directly, not through the b-tree) is tried as a second source and the better copy kept.
Only then is the damaged file moved aside, dated, and the rebuilt one renamed into place:
a crash in the middle leaves the damaged file where it was, to be salvaged next time.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import closing, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from studio.library.history_sql import _ENTRY_COLUMNS, _MIGRATIONS

TABLES: Final = ("entries", "entry_files")
_FIRST_KEY: Final = -(2**63)
_LAST_KEY: Final = 2**62
RECOVER_TIMEOUT_S: Final = 120.0


@dataclass(frozen=True, slots=True)
class Salvaged:
    """What a salvage kept: entries copied, how many the damaged file seemed to hold
    (``None`` when even that could not be read), and where the damaged file went."""

    kept: int
    found: int | None
    aside: Path

    def describe(self, reason: str) -> str:
        total = f" of {self.found}" if self.found is not None and self.found >= self.kept else ""
        entries = "entry" if self.kept == 1 and not total else "entries"
        return (
            f"the history database was damaged ({reason}); {self.kept}{total} {entries} "
            f"kept in a rebuilt history, the damaged file kept as {self.aside}"
        )


def problem(conn: sqlite3.Connection) -> str | None:
    """What is wrong with an open, current-schema database, or ``None`` when it is sound.

    ``quick_check`` reads every page (O(size), milliseconds for a typical history) but
    skips the costly index-content comparison of ``integrity_check``.
    """
    result = conn.execute("PRAGMA quick_check(1)").fetchone()
    if result is None or result[0] != "ok":
        return "database disk image is malformed"
    present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    missing = [t for t in TABLES if t not in present]
    return f"no such table: {', '.join(missing)}" if missing else None


def salvage(path: Path, root: Path) -> Salvaged:
    """Rebuild ``path`` with every readable row; the damaged file goes aside, dated.

    Raises ``OSError`` if the rebuilt file cannot be written or the damaged one moved.
    """
    part = path.with_name(f".{path.name}.rebuilt-{os.getpid()}.part")
    _remove_database(part)
    try:
        found = _count(path)
        kept = _rebuild(path, part, root)
        recovered = _recover(path)
        if recovered is not None:
            try:
                better = part.with_name(part.name + "-recover")
                _remove_database(better)
                more = _rebuild(recovered, better, root)
                if more > kept:
                    os.replace(better, part)
                    kept = more
                _remove_database(better)
            finally:
                _remove_database(recovered)
        aside = move_aside(path)
        os.replace(part, path)
    except BaseException:
        _remove_database(part)
        raise
    return Salvaged(kept, found, aside)


def move_aside(path: Path) -> Path:
    """Rename a damaged database (and its WAL and shared-memory files, which belong to it)
    to ``NAME.damaged-YYYYmmdd-HHMMSS[-n]``; returns the new name."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.damaged-{stamp}")
    n = 1
    while aside.exists():
        n += 1
        aside = path.with_name(f"{path.name}.damaged-{stamp}-{n}")
    os.replace(path, aside)
    for suffix in ("-wal", "-shm"):
        extra = path.with_name(path.name + suffix)
        if extra.exists():
            try:
                os.replace(extra, aside.with_name(aside.name + suffix))
            except OSError:
                extra.unlink(missing_ok=True)
    return aside


# -- the copy -----------------------------------------------------------------------------


def _source(path: Path) -> sqlite3.Connection:
    # A plain connection: it replays the damaged file's WAL, so committed rows still in
    # the WAL are salvaged too.
    return sqlite3.connect(path, timeout=5.0, isolation_level=None)


def _count(path: Path) -> int | None:
    try:
        with closing(_source(path)) as src:
            return int(src.execute("SELECT COUNT(*) FROM entries").fetchone()[0])
    except sqlite3.Error:
        return None


def _rebuild(source: Path, part: Path, root: Path) -> int:
    """Write a current-schema database at ``part`` holding every readable row of
    ``source``; returns how many entries it kept."""
    with closing(sqlite3.connect(part, isolation_level=None)) as new:
        new.execute("BEGIN")
        for step in _MIGRATIONS:
            step(new)
        new.execute(f"PRAGMA user_version = {len(_MIGRATIONS)}")
        kept: set[int] = set()
        with suppress(sqlite3.Error), closing(_source(source)) as src:
            kept = _copy_entries(src, new)
            with_files = _copy_files(src, new, kept)
            _restore_sequence(src, new)
        _files_from_requests(new, kept - with_files, root)
        new.execute("COMMIT")
    return len(kept)


def _copy_entries(src: sqlite3.Connection, new: sqlite3.Connection) -> set[int]:
    columns = ", ".join(_ENTRY_COLUMNS)
    marks = ", ".join("?" for _ in _ENTRY_COLUMNS)
    insert = f"INSERT INTO entries (id, {columns}) VALUES (?, {marks})"
    kept: set[int] = set()
    for row in _readable(src, "entries", "id", columns):
        if not _sound_entry(row):
            continue
        try:
            new.execute(insert, row)
        except sqlite3.Error:  # NOT NULL / CHECK on a half-garbage row: skip that row
            continue
        kept.add(int(row[0]))
    return kept


def _copy_files(src: sqlite3.Connection, new: sqlite3.Connection, kept: set[int]) -> set[int]:
    seen: set[int] = set()
    for _rowid, entry_id, position, path, size in _readable(
        src, "entry_files", "rowid", "entry_id, position, path, bytes"
    ):
        if entry_id not in kept or not isinstance(path, str) or not isinstance(position, int):
            continue
        try:
            new.execute(
                "INSERT OR IGNORE INTO entry_files (entry_id, position, path, bytes) "
                "VALUES (?, ?, ?, ?)",
                (entry_id, position, path, size if isinstance(size, int) else None),
            )
        except sqlite3.Error:
            continue
        seen.add(entry_id)
    return seen


def _files_from_requests(new: sqlite3.Connection, ids: set[int], root: Path) -> None:
    """An entry whose file rows were lost (its table dropped or unreadable) still names
    its output in the request it stored: list that file, so the entry opens again."""
    for entry_id in sorted(ids):
        (request,) = new.execute("SELECT request FROM entries WHERE id = ?", (entry_id,)).fetchone()
        output = json.loads(request).get("output") if request else None
        if not isinstance(output, str) or not output:
            continue
        path = Path(output)
        stored = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
        try:
            size: int | None = path.stat().st_size
        except OSError:
            size = None
        new.execute(
            "INSERT INTO entry_files (entry_id, position, path, bytes) VALUES (?, 0, ?, ?)",
            (entry_id, stored, size),
        )


def _restore_sequence(src: sqlite3.Connection, new: sqlite3.Connection) -> None:
    """Ids are never reused, even those of rows that could not be salvaged."""
    try:
        row = src.execute("SELECT seq FROM sqlite_sequence WHERE name = 'entries'").fetchone()
    except sqlite3.Error:
        return
    if row is None or not isinstance(row[0], int):
        return
    new.execute("INSERT OR IGNORE INTO sqlite_sequence (name, seq) VALUES ('entries', 0)")
    new.execute("UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = 'entries'", (row[0],))


def _sound_entry(row: tuple[Any, ...]) -> bool:
    """A row the history can show: an integer id, a readable time and JSON that parses
    (a half-overwritten row can pass SQLite's checks yet break the library view)."""
    values = dict(zip(("id", *_ENTRY_COLUMNS), row, strict=True))
    try:
        if not isinstance(values["id"], int) or not isinstance(values["created_at"], str):
            return False
        datetime.fromisoformat(values["created_at"])
        for column in ("metadata", "params", "features", "timings", "versions"):
            if not isinstance(json.loads(values[column]), dict):
                return False
        request = values["request"]
        return request is None or isinstance(json.loads(request), dict)
    except (TypeError, ValueError):
        return False


def _readable(src: sqlite3.Connection, table: str, key: str, columns: str) -> Iterator[Any]:
    """Every row of ``table`` that can be read, in ``key`` order, stepping over damage."""
    scan = f"SELECT {key}, {columns} FROM {table} NOT INDEXED WHERE {key} > ? ORDER BY {key}"
    probe = f"SELECT {key} FROM {table} NOT INDEXED WHERE {key} >= ? ORDER BY {key} LIMIT 1"
    last, retry = _FIRST_KEY, None
    while True:
        start = last
        try:
            for row in src.execute(scan, (last,)):
                last = row[0]
                yield row
            return
        except sqlite3.Error:
            pass
        nxt = _next_readable(lambda k: _probe(src, probe, k), last)
        if nxt is None:
            return
        # A key that seeks fine but whose row cannot be read (a bad overflow page): the
        # second time the scan stalls on it, skip it.
        last = nxt if (nxt == retry and last == start) else nxt - 1
        retry = nxt


def _probe(src: sqlite3.Connection, sql: str, key: int) -> int | bool | None:
    """The first key at or after ``key`` (``None``: none), or ``False`` if unreadable."""
    try:
        row = src.execute(sql, (key,)).fetchone()
    except sqlite3.Error:
        return False
    return None if row is None else int(row[0])


def _next_readable(probe: Callable[[int], int | bool | None], last: int) -> int | None:
    """The first readable key after ``last``: jump ahead by doubling steps until a seek
    works, then bisect back so no readable row just past the damage is skipped."""
    step, bad = 1, last
    while True:
        at = min(last + step, _LAST_KEY)
        found = probe(at)
        if found is not False:
            break
        if at >= _LAST_KEY:
            return None
        bad, step = at, step * 2
    good, first = at, found
    while good - bad > 1:
        mid = (good + bad) // 2
        hit = probe(mid)
        if hit is False:
            bad = mid
        else:
            good, first = mid, hit
    return first if isinstance(first, int) and not isinstance(first, bool) else None


# -- the sqlite3 tool's .recover, where installed ------------------------------------------


def _recover(path: Path) -> Path | None:
    """A database rebuilt by ``sqlite3 PATH .recover`` (pages read directly), or ``None``
    when the tool is missing or fails; the caller removes the file."""
    tool = shutil.which("sqlite3")
    if tool is None:
        return None
    try:
        dump = subprocess.run(
            [tool, str(path), ".recover"],
            capture_output=True,
            timeout=RECOVER_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if dump.returncode != 0 or b"INSERT" not in dump.stdout:
        return None
    fd, name = tempfile.mkstemp(prefix=".recovered-", suffix=".sqlite3", dir=path.parent)
    os.close(fd)
    scratch = Path(name)
    try:
        with closing(sqlite3.connect(scratch, isolation_level=None)) as conn:
            conn.executescript(dump.stdout.decode("utf-8", "replace"))
    except sqlite3.Error:
        _remove_database(scratch)
        return None
    return scratch


def _remove_database(path: Path) -> None:
    for name in (path.name, path.name + "-journal", path.name + "-wal", path.name + "-shm"):
        path.with_name(name).unlink(missing_ok=True)
