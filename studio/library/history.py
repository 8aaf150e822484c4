"""The history of every finished generation, kept in SQLite (DESIGN §5).

One row per generation in ``entries`` with the exact metadata that made it, plus
denormalised columns (name, valence, arousal, …) so the library view can filter without
parsing JSON; the files it wrote live in ``entry_files``. Each record is one transaction,
so a crash never leaves half a record behind.

The database is ``<root>/history.sqlite3`` (root defaults to :func:`studio_home`), in WAL
mode so the UI can read while a job thread writes. One connection is shared by all
threads behind a lock; a second process (another app window) waits on SQLite's busy
timeout. The schema version lives in ``PRAGMA user_version`` and :data:`_MIGRATIONS`
upgrades older files step by step.

Paths of files inside ``root`` are stored relative to it, so a moved or copied data folder
keeps working; files elsewhere are stored absolute.
"""

from __future__ import annotations

import builtins
import json
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, Literal, TypeVar

from studio._paths import studio_home
from studio.emotion import Condition, Trajectory
from studio.library.history_salvage import problem, salvage
from studio.library.history_sql import (
    _MIGRATIONS,
    SCHEMA_VERSION,
    Region,
    _check_page,
    _files_by_entry,
    _in_use,
    _insert_entry,
    _insert_files,
    _iso,
    _where,
)
from studio.plugins.contract import Artifact

__all__ = ["ARTIFACTS_DIR", "DB_NAME", "SCHEMA_VERSION", "Entry", "History", "HistoryError"]

log = logging.getLogger(__name__)

DB_NAME: Final = "history.sqlite3"
ARTIFACTS_DIR: Final = "artifacts"
BUSY_TIMEOUT_S: Final = 10.0

StateKind = Literal["condition", "trajectory"]
T = TypeVar("T")


class HistoryError(RuntimeError):
    """The history database cannot be used (damaged, newer, or not writable)."""


# -- entries ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Entry:
    """One finished generation as stored. ``valence`` … ``intensity`` and ``name`` describe
    the condition, or for a trajectory its first keyframe (``name`` reads "first → last")."""

    id: int
    created_at: datetime
    generator: str
    generator_version: str | None
    backend: str | None
    seed: int | None
    state_kind: StateKind
    name: str
    valence: float
    arousal: float
    dominance: float
    intensity: float
    files: tuple[Path, ...]
    file_sizes: tuple[int | None, ...]
    # dicts are not hashable: leave them out of the hash (equality still compares them)
    metadata: dict[str, Any] = field(hash=False)
    params: dict[str, Any] = field(hash=False)
    features: dict[str, Any] = field(hash=False)
    timings: dict[str, Any] = field(hash=False)
    versions: dict[str, Any] = field(hash=False)
    request: dict[str, Any] | None = field(default=None, hash=False)

    @property
    def path(self) -> Path | None:
        """The primary file (the first one written), if any."""
        return self.files[0] if self.files else None

    def condition(self) -> Condition:
        """The condition, or the trajectory's first keyframe."""
        trajectory = self.trajectory()
        if trajectory is not None:
            return trajectory.keyframes[0].condition
        return Condition.from_dict(self.metadata["condition"])

    def trajectory(self) -> Trajectory | None:
        if self.state_kind != "trajectory":
            return None
        return Trajectory.from_dict(self.metadata["trajectory"])


@dataclass(frozen=True, slots=True)
class _State:
    """The denormalised description of an artifact's emotional state."""

    kind: StateKind
    name: str
    condition: Condition
    labels: tuple[str, ...] = ()

    @property
    def search_key(self) -> str:
        """What a name search looks in: the derived name and the words the user typed
        ("serene" is stored as "acceptance" but must still be found as "serene")."""
        words = [self.name, *(w for w in self.labels if w and w not in self.name)]
        return " · ".join(words).casefold()


def _state_of(metadata: Mapping[str, Any]) -> _State:
    has_condition, has_trajectory = "condition" in metadata, "trajectory" in metadata
    if has_condition == has_trajectory:
        raise ValueError("artifact metadata needs exactly one of 'condition' or 'trajectory'")
    if has_condition:
        condition = Condition.from_dict(metadata["condition"])
        return _State("condition", condition.title, condition, _labels([condition]))
    frames = Trajectory.from_dict(metadata["trajectory"]).keyframes
    first, last = frames[0].condition, frames[-1].condition
    name = first.title if len(frames) == 1 else f"{first.title} → {last.title}"
    return _State("trajectory", name, first, _labels(k.condition for k in frames))


def _labels(conditions: Iterable[Condition]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c.label for c in conditions if c.label))


def _now_iso() -> str:
    return _iso(datetime.now(UTC))


def _dumps(value: Any) -> str:
    # default=str: a generator's "extra" metadata may hold a Path; keep it readable.
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _json_dict(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


# -- the store ----------------------------------------------------------------------------


class History:
    """Every finished generation, newest first. Safe to share between threads."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root if root is not None else studio_home()).expanduser().absolute()
        self.path = self.root / DB_NAME
        _make_dir(self.root, "history folder")
        if not os.access(self.root, os.W_OK | os.X_OK):
            raise HistoryError(f"history folder {self.root} is not writable")
        self._lock = threading.RLock()
        # Set once when a damaged database was moved aside: say where, then clear it.
        self.notice: str | None = None
        self._conn = self._open()

    # -- lifecycle ------------------------------------------------------------------------
    def _open(self, *, heal: bool = True) -> sqlite3.Connection:
        """Connect, upgrade and check the database; a damaged one is salvaged (every
        readable row copied into a rebuilt file) and the rebuilt one opened."""
        try:
            # isolation_level=None: we issue BEGIN/COMMIT ourselves, so a transaction spans
            # exactly what we say; check_same_thread=False: access is serialised by _lock.
            conn = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise HistoryError(f"cannot open history database {self.path}: {exc}") from None
        try:
            self._configure(conn)
            self._upgrade(conn)
            damage = problem(conn) if heal else None
        except sqlite3.DatabaseError as exc:
            conn.close()
            if heal and _is_damage(exc):
                return self._heal(str(exc))
            raise HistoryError(_open_failure(self.path, exc)) from None
        except HistoryError:
            conn.close()
            raise
        if damage is not None:
            conn.close()
            return self._heal(damage)
        return conn

    def _heal(self, reason: str) -> sqlite3.Connection:
        """Salvage the damaged file, say once what was kept, and open the rebuilt one."""
        try:
            saved = salvage(self.path, self.root)
        except OSError as err:
            raise HistoryError(
                f"history database {self.path} is damaged ({reason}) and could not be "
                f"rebuilt: {err.strerror or err}"
            ) from None
        message = saved.describe(reason)
        # Said once, by the front end that takes the notice (the command prints it as a
        # warning, the window with the next result); the log only keeps a quiet record.
        log.info("%s", message)
        self.notice = message
        return self._open(heal=False)

    @staticmethod
    def _configure(conn: sqlite3.Connection) -> None:
        # The first statement reads the header: a file that is not SQLite fails here,
        # before anything is written to it.
        conn.execute("PRAGMA journal_mode=WAL").fetchone()
        # NORMAL in WAL mode: an application crash loses no committed record; only a
        # power cut may drop the very last commits. Much faster than FULL.
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")

    def _upgrade(self, conn: sqlite3.Connection) -> None:
        """Apply migration steps, one transaction each, until the file is current."""
        while True:
            # Read the version inside an IMMEDIATE transaction: two processes opening a new
            # file at once must not both create the tables.
            conn.execute("BEGIN IMMEDIATE")
            try:
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                if version > SCHEMA_VERSION:
                    raise HistoryError(
                        f"history database {self.path} has schema version {version}, newer "
                        f"than this Emotion Studio understands ({SCHEMA_VERSION}); update it"
                    )
                if version == SCHEMA_VERSION:
                    conn.execute("COMMIT")
                    return
                _MIGRATIONS[version](conn)
                conn.execute(f"PRAGMA user_version = {version + 1}")
                conn.execute("COMMIT")
            except BaseException:
                _rollback(conn)
                raise

    def take_notice(self) -> str | None:
        """The damaged-database notice, once (``None`` afterwards)."""
        with self._lock:
            notice, self.notice = self.notice, ""
        return notice or None

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def artifacts_dir(self) -> Path:
        """Where the UI keeps generated files (created on demand)."""
        folder = self.root / ARTIFACTS_DIR
        _make_dir(folder, "artifacts folder")
        return folder

    # -- plumbing ---------------------------------------------------------------------------
    @contextmanager
    def _guard(self, action: str) -> Iterator[sqlite3.Connection]:
        """Hold the lock and turn SQLite failures into one clear HistoryError."""
        with self._lock:
            try:
                yield self._conn
            except sqlite3.Error as exc:
                raise HistoryError(f"history database {self.path}: {action} failed: {exc}") from exc

    @contextmanager
    def _transaction(self, action: str) -> Iterator[sqlite3.Connection]:
        """All or nothing: any exception (even a KeyboardInterrupt) rolls back."""
        with self._guard(action) as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                _rollback(conn)
                raise

    def _stored_path(self, path: Path) -> str:
        absolute = Path(path).absolute()
        if absolute.is_relative_to(self.root):
            return absolute.relative_to(self.root).as_posix()
        return str(absolute)

    def _loaded_path(self, stored: str) -> Path:
        path = Path(stored)
        return path if path.is_absolute() else self.root / path

    # -- writing ----------------------------------------------------------------------------
    def record(self, artifact: Artifact, *, request_dict: Mapping[str, Any] | None = None) -> Entry:
        """Store one finished generation and return it as read back from the database.

        Raises ``ValueError`` if the metadata has no valid condition or trajectory.
        """
        row = self._row(artifact, request_dict)
        files = [(self._stored_path(p), _size(p)) for p in artifact.files]
        return self._healing(lambda: self._insert(row, files))

    def restore(self, entry: Entry) -> Entry:
        """Put a deleted entry back as it was: its id (so its place in the list) and its
        time (Undo delete). ``HistoryError`` if that id is in use again."""
        row = self._row(Artifact(files=entry.files, metadata=entry.metadata), entry.request)
        row["created_at"] = _iso(entry.created_at)
        row["id"] = entry.id
        files = [(self._stored_path(p), _size(p)) for p in entry.files]
        return self._healing(lambda: self._insert(row, files))

    def _row(self, artifact: Artifact, request_dict: Mapping[str, Any] | None) -> dict[str, Any]:
        meta = artifact.metadata
        generator = meta.get("generator")
        if not isinstance(generator, str) or not generator:
            raise ValueError("artifact metadata has no 'generator'")
        state = _state_of(meta)
        c = state.condition
        row = {
            "created_at": _now_iso(),
            "generator": generator,
            "generator_version": _optional_str(meta.get("generator_version")),
            "backend": _optional_str(meta.get("backend")),
            "seed": meta.get("seed") if isinstance(meta.get("seed"), int) else None,
            "state_kind": state.kind,
            "name": state.name,
            "name_key": state.search_key,
            "valence": c.valence,
            "arousal": c.arousal,
            "dominance": c.dominance,
            "intensity": c.intensity,
            "metadata": _dumps(dict(meta)),
            "params": _dumps(_json_dict(meta.get("params"))),
            "features": _dumps(_json_dict(meta.get("features"))),
            "timings": _dumps(_json_dict(meta.get("timings"))),
            "versions": _dumps(_json_dict(meta.get("versions"))),
            "request": None if request_dict is None else _dumps(dict(request_dict)),
        }
        return row

    def _healing(self, action: Callable[[], T]) -> T:
        """Run ``action``; if it meets damage (a bad page, a dropped table) found only now,
        mid-session, salvage the database and run it once more, so a generation is never
        left unrecorded because of a database the studio can rebuild."""
        with self._lock:
            try:
                return action()
            except HistoryError as exc:
                if not _damaged(exc):
                    raise
            # Reopen first: the check on open salvages the file, or finds that another
            # window already rebuilt it (then only this connection was stale).
            self._conn.close()
            self._conn = self._open()
            try:
                return action()
            except HistoryError as exc:
                if not _damaged(exc):
                    raise
                reason = str(exc.__cause__)
            # Damage the quick check does not see: rebuild anyway.
            self._conn.close()
            self._conn = self._heal(reason)
            return action()

    def _insert(self, row: dict[str, Any], files: builtins.list[tuple[str, int | None]]) -> Entry:
        with self._transaction("record") as conn:
            entry_id = _insert_entry(conn, row)
            _insert_files(conn, entry_id, files)
        with self._guard("read back") as conn:
            return self._fetch(conn, entry_id)

    def delete(self, entry_id: int, *, delete_files: bool = True) -> Entry:
        """Remove an entry (its file rows cascade) and, if asked, its files on disk.

        The row goes first, in its own transaction: a crash between the two steps leaves
        stray files, never an entry pointing at deleted ones. A file another entry still
        lists is kept. Returns the removed entry; unknown id ⇒ ``KeyError``.
        """
        with self._transaction("delete") as conn:
            entry = self._fetch(conn, entry_id)
            conn.execute("DELETE FROM entries WHERE id = ?", (entry_id,))
            doomed = [
                p for p in entry.files if delete_files and not _in_use(conn, self._stored_path(p))
            ]
        for path in doomed:
            _remove_file(path)
        return entry

    # -- reading ----------------------------------------------------------------------------
    def get(self, entry_id: int) -> Entry:
        """The entry with this id; ``KeyError`` if there is none."""
        return self._healing(lambda: self._get(entry_id))

    def _get(self, entry_id: int) -> Entry:
        with self._guard("get") as conn:
            return self._fetch(conn, entry_id)

    def list(
        self,
        limit: int | None = 100,
        offset: int = 0,
        *,
        generator: str | None = None,
        name: str | None = None,
        region: Region | None = None,
        since: datetime | None = None,
    ) -> builtins.list[Entry]:
        """Entries newest first (by insertion order), filtered.

        ``generator``: exact generator id. ``name``: case-insensitive *substring* of the
        emotion name, so "joy" finds "joy" and the arc "joy → sadness" (a search box and a
        filter menu both work). ``region``: ``(vmin, vmax, amin, amax)``, inclusive, on the
        pad's valence/arousal (a trajectory's first keyframe). ``since``: created at or
        after this moment (a naive datetime is taken as local time). ``limit=None``: all.
        """
        limit, offset = _check_page(limit, offset)
        where, args = _where(generator, name, region, since)
        return self._healing(lambda: self._list(where, args, limit, offset))

    def _list(
        self, where: str, args: Sequence[Any], limit: int, offset: int
    ) -> builtins.list[Entry]:
        page = f"SELECT id FROM entries {where} ORDER BY id DESC LIMIT ? OFFSET ?"
        with self._guard("list") as conn:
            rows = conn.execute(
                f"SELECT * FROM entries WHERE id IN ({page}) ORDER BY id DESC",
                (*args, limit, offset),
            ).fetchall()
            files = _files_by_entry(
                conn,
                f"SELECT entry_id, position, path, bytes "
                f"FROM entry_files WHERE entry_id IN ({page})",
                (*args, limit, offset),
            )
        return [self._entry(row, files.get(row[0], [])) for row in rows]

    def count(
        self,
        *,
        generator: str | None = None,
        name: str | None = None,
        region: Region | None = None,
        since: datetime | None = None,
    ) -> int:
        """How many entries :meth:`list` would give without a limit."""
        where, args = _where(generator, name, region, since)

        def count() -> int:
            with self._guard("count") as conn:
                sql = f"SELECT COUNT(*) FROM entries {where}"
                return int(conn.execute(sql, args).fetchone()[0])

        return self._healing(count)

    def names(self) -> builtins.list[tuple[str, int]]:
        """Distinct emotion names with their counts, most used first (for a filter menu)."""

        def names() -> builtins.list[Any]:
            with self._guard("names") as conn:
                return conn.execute(
                    "SELECT name, COUNT(*) AS n FROM entries GROUP BY name ORDER BY n DESC, name"
                ).fetchall()

        rows = self._healing(names)
        return [(str(n), int(k)) for n, k in rows]

    def _fetch(self, conn: sqlite3.Connection, entry_id: int) -> Entry:
        row = conn.execute("SELECT * FROM entries WHERE id = ?", (entry_id,)).fetchone()
        if row is None:
            raise KeyError(f"no history entry with id {entry_id!r} in {self.path}")
        files = _files_by_entry(
            conn,
            "SELECT entry_id, position, path, bytes FROM entry_files WHERE entry_id = ?",
            (entry_id,),
        )
        return self._entry(row, files.get(entry_id, []))

    def _entry(self, row: Sequence[Any], files: Sequence[tuple[str, int | None]]) -> Entry:
        (
            id_,
            created_at,
            generator,
            generator_version,
            backend,
            seed,
            state_kind,
            name,
            _name_key,
            valence,
            arousal,
            dominance,
            intensity,
            metadata,
            params,
            features,
            timings,
            versions,
            request,
        ) = row
        return Entry(
            id=id_,
            created_at=datetime.fromisoformat(created_at),
            generator=generator,
            generator_version=generator_version,
            backend=backend,
            seed=seed,
            state_kind=state_kind,
            name=name,
            valence=valence,
            arousal=arousal,
            dominance=dominance,
            intensity=intensity,
            files=tuple(self._loaded_path(p) for p, _ in files),
            file_sizes=tuple(size for _, size in files),
            metadata=json.loads(metadata),
            params=json.loads(params),
            features=json.loads(features),
            timings=json.loads(timings),
            versions=json.loads(versions),
            request=None if request is None else json.loads(request),
        )


# -- small helpers ------------------------------------------------------------------------


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        conn.execute("ROLLBACK")


def _damaged(exc: HistoryError) -> bool:
    cause = exc.__cause__
    return isinstance(cause, sqlite3.DatabaseError) and _is_damage(cause)


def _is_damage(exc: sqlite3.DatabaseError) -> bool:
    """A file that is not a database or is corrupt (not a lock or a full disk)."""
    text = str(exc)
    return any(sign in text for sign in _DAMAGE)


# What SQLite says of a damaged file; "no such table" here means one of ours was dropped.
_DAMAGE: Final = ("not a database", "malformed", "file is encrypted", "no such table")


def _open_failure(path: Path, exc: sqlite3.DatabaseError) -> str:
    text = str(exc)
    if "not a database" in text or "malformed" in text:
        return (
            f"history database {path} is damaged or not an SQLite file ({text}); "
            f"it was left untouched: move it aside to start a new history"
        )
    return f"cannot open history database {path}: {text}"


def _make_dir(folder: Path, what: str) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise HistoryError(f"cannot create {what} {folder}: {exc.strerror or exc}") from None


def _size(path: Path) -> int | None:
    try:
        return Path(path).stat().st_size
    except OSError:
        return None  # recorded anyway: the entry matters more than a byte count


def _remove_file(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        # The entry is already gone; a file we cannot remove must not undo that.
        log.warning("could not delete %s: %s", path, exc)


def _optional_str(value: Any) -> str | None:
    return None if value is None else str(value)
