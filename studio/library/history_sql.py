"""SQL of the history database: schema, migrations, and the statements behind queries.

Kept apart from :mod:`studio.library.history` (the API) so each stays small. The insert
helpers are called through ``studio.library.history``'s namespace, so tests can replace
them there to simulate a crash in the middle of recording.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final

Region = tuple[float, float, float, float]

# -- schema -------------------------------------------------------------------------------

_SCHEMA_V1: Final = (
    # AUTOINCREMENT: ids are never reused, so a stale id held by the UI never points at
    # another generation after a delete.
    """CREATE TABLE entries (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at TEXT NOT NULL,
        generator TEXT NOT NULL,
        generator_version TEXT,
        backend TEXT,
        seed INTEGER,
        state_kind TEXT NOT NULL CHECK (state_kind IN ('condition', 'trajectory')),
        name TEXT NOT NULL,
        name_key TEXT NOT NULL,
        valence REAL NOT NULL,
        arousal REAL NOT NULL,
        dominance REAL NOT NULL,
        intensity REAL NOT NULL,
        metadata TEXT NOT NULL,
        params TEXT NOT NULL,
        features TEXT NOT NULL,
        timings TEXT NOT NULL,
        versions TEXT NOT NULL,
        request TEXT
    )""",
    """CREATE TABLE entry_files (
        entry_id INTEGER NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        path TEXT NOT NULL,
        bytes INTEGER,
        PRIMARY KEY (entry_id, position)
    )""",
    "CREATE INDEX entries_created_at ON entries(created_at)",
    "CREATE INDEX entries_generator ON entries(generator)",
    "CREATE INDEX entries_name_key ON entries(name_key)",
    "CREATE INDEX entries_pad ON entries(valence, arousal)",
    "CREATE INDEX entry_files_path ON entry_files(path)",
)


def _migrate_0_to_1(conn: sqlite3.Connection) -> None:
    for statement in _SCHEMA_V1:
        conn.execute(statement)


# _MIGRATIONS[n] upgrades a version-n file to n + 1; append a step for each new version.
_MIGRATIONS: Final[tuple[Callable[[sqlite3.Connection], None], ...]] = (_migrate_0_to_1,)
SCHEMA_VERSION: Final = len(_MIGRATIONS)


def _iso(moment: datetime) -> str:
    # Fixed width (microseconds, +00:00) so text comparison in SQL orders like time does.
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


# -- SQL helpers (module level so tests can simulate a crash mid-record) -------------------

_ENTRY_COLUMNS: Final = (
    "created_at",
    "generator",
    "generator_version",
    "backend",
    "seed",
    "state_kind",
    "name",
    "name_key",
    "valence",
    "arousal",
    "dominance",
    "intensity",
    "metadata",
    "params",
    "features",
    "timings",
    "versions",
    "request",
)


def _insert_entry(conn: sqlite3.Connection, row: Mapping[str, Any]) -> int:
    names = (*_ENTRY_COLUMNS, "id") if "id" in row else _ENTRY_COLUMNS  # "id": a restore
    columns = ", ".join(names)
    marks = ", ".join(f":{c}" for c in names)
    cursor = conn.execute(f"INSERT INTO entries ({columns}) VALUES ({marks})", row)
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def _insert_files(
    conn: sqlite3.Connection, entry_id: int, files: Sequence[tuple[str, int | None]]
) -> None:
    conn.executemany(
        "INSERT INTO entry_files (entry_id, position, path, bytes) VALUES (?, ?, ?, ?)",
        [(entry_id, i, path, size) for i, (path, size) in enumerate(files)],
    )


def _in_use(conn: sqlite3.Connection, stored: str) -> bool:
    row = conn.execute("SELECT 1 FROM entry_files WHERE path = ? LIMIT 1", (stored,)).fetchone()
    return row is not None


def _files_by_entry(
    conn: sqlite3.Connection, sql: str, args: Sequence[Any]
) -> dict[int, list[tuple[str, int | None]]]:
    out: dict[int, list[tuple[str, int | None]]] = {}
    for entry_id, _pos, path, size in conn.execute(f"{sql} ORDER BY entry_id, position", args):
        out.setdefault(entry_id, []).append((path, size))
    return out


def _where(
    generator: str | None,
    name: str | None,
    region: Region | None,
    since: datetime | None,
) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    args: list[Any] = []
    if generator is not None:
        clauses.append("generator = ?")
        args.append(generator)
    needle = (name or "").strip().casefold()
    if needle:
        # name_key is casefolded in Python at insert time: SQLite's own lower()/LIKE only
        # fold ASCII, and names may carry labels in any script.
        clauses.append("instr(name_key, ?) > 0")
        args.append(needle)
    if region is not None:
        vmin, vmax, amin, amax = _check_region(region)
        clauses.append("valence BETWEEN ? AND ? AND arousal BETWEEN ? AND ?")
        args.extend((vmin, vmax, amin, amax))
    if since is not None:
        clauses.append("created_at >= ?")
        args.append(_iso(since))
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), args


def _check_region(region: Sequence[float]) -> Region:
    if len(region) != 4:
        raise ValueError(f"region must be (vmin, vmax, amin, amax), got {region!r}")
    values = tuple(float(x) for x in region)
    if not all(math.isfinite(x) for x in values):
        raise ValueError(f"region values must be finite numbers, got {region!r}")
    vmin, vmax, amin, amax = values
    if vmin > vmax or amin > amax:
        raise ValueError(f"region must have vmin <= vmax and amin <= amax, got {region!r}")
    return vmin, vmax, amin, amax


def _check_page(limit: int | None, offset: int) -> tuple[int, int]:
    if limit is not None and (isinstance(limit, bool) or limit < 0):
        raise ValueError(f"limit must be a non-negative integer or None, got {limit!r}")
    if isinstance(offset, bool) or offset < 0:
        raise ValueError(f"offset must be a non-negative integer, got {offset!r}")
    return (-1 if limit is None else int(limit)), int(offset)  # SQLite: LIMIT -1 = no limit
