"""A history damaged in the middle heals: the readable rows are salvaged into a rebuilt
database, the user is told once how many were kept, and the next generation is recorded."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from contextlib import closing
from pathlib import Path

import pytest

from studio.emotion import Condition
from studio.library import history_salvage
from studio.library.history import History
from studio.plugins.contract import Artifact, Request
from studio.plugins.fakes import EchoGenerator

PAGE = 4096
N = 120


def _artifact(folder: Path, i: int) -> tuple[Artifact, Request]:
    # A long label makes rows big enough to fill many pages, like real metadata does.
    condition = Condition.from_vad(0.5, (i % 10) / 10 - 0.5, label=f"take {i} " + "x" * 180)
    request = Request("echo", folder / f"take-{i}.json", condition=condition, seed=i)
    return EchoGenerator().generate(request), request


def _populate(root: Path, n: int = N) -> list[int]:
    with History(root) as h:
        ids = []
        for i in range(n):
            artifact, request = _artifact(h.artifacts_dir(), i)
            ids.append(h.record(artifact, request_dict=request.to_dict()).id)
    assert not (root / "history.sqlite3-wal").exists()  # checkpointed on close
    return ids


def _entry_leaf_pages(db: Path) -> list[int]:
    with closing(sqlite3.connect(db)) as conn:
        rows = conn.execute(
            "SELECT pageno FROM dbstat WHERE name = 'entries' AND pagetype = 'leaf' ORDER BY pageno"
        ).fetchall()
    return [r[0] for r in rows]


def _garbage_page(db: Path, pageno: int) -> None:
    with db.open("r+b") as f:
        f.seek((pageno - 1) * PAGE)
        f.write(b"\x5a" * PAGE)


def _asides(root: Path) -> list[Path]:
    damaged = root.glob("history.sqlite3.damaged-*")
    return [p for p in damaged if not p.name.endswith(("-wal", "-shm"))]


def _next_generation(h: History, i: int = 999) -> int:
    artifact, request = _artifact(h.artifacts_dir(), i)
    return h.record(artifact, request_dict=request.to_dict()).id


def test_a_garbage_page_in_the_middle_costs_only_its_rows(tmp_path: Path) -> None:
    ids = _populate(tmp_path)
    leaves = _entry_leaf_pages(tmp_path / "history.sqlite3")
    assert len(leaves) > 10
    _garbage_page(tmp_path / "history.sqlite3", leaves[len(leaves) // 2])
    with History(tmp_path) as h:
        notice = h.take_notice()
        assert notice is not None and "\n" not in notice and "malformed" in notice
        assert h.take_notice() is None  # told once
        kept = [e.id for e in h.list(limit=None)]
        # one leaf holds a handful of rows: everything before and after it is kept
        assert N - 10 <= len(kept) < N
        assert f"{len(kept)} of {N} entries kept" in notice
        assert set(kept) < set(ids) and max(kept) == ids[-1] and min(kept) == ids[0]
        for entry in h.list(limit=None):
            assert entry.path is not None and entry.path.is_file()
            assert entry.condition().label is not None
        new = _next_generation(h)
        assert new == ids[-1] + 1  # ids are never reused
        assert h.count() == len(kept) + 1 and h.take_notice() is None
    (aside,) = _asides(tmp_path)
    assert str(aside) in notice
    with History(tmp_path) as again:  # the rebuilt file is sound: no second notice
        assert again.take_notice() is None and again.count() == len(kept) + 1


def test_a_dropped_table_is_rebuilt_and_the_files_found_again(tmp_path: Path) -> None:
    ids = _populate(tmp_path, 20)
    with closing(sqlite3.connect(tmp_path / "history.sqlite3")) as conn:
        conn.execute("DROP TABLE entry_files")
        conn.commit()
    with History(tmp_path) as h:
        notice = h.take_notice() or ""
        assert "no such table: entry_files" in notice and "20 of 20 entries kept" in notice
        entries = h.list(limit=None)
        assert [e.id for e in entries] == ids[::-1]
        # the files' table was lost, but each entry's request names its output
        assert all(e.path is not None and e.path.is_file() for e in entries)
        assert _next_generation(h) == ids[-1] + 1


def test_a_dropped_entries_table_starts_over_and_records(tmp_path: Path) -> None:
    _populate(tmp_path, 5)
    with closing(sqlite3.connect(tmp_path / "history.sqlite3")) as conn:
        conn.execute("DROP TABLE entries")
        conn.commit()
    with History(tmp_path) as h:
        assert "0 entries kept" in (h.take_notice() or "")
        _next_generation(h)
        assert h.count() == 1


def test_damage_found_mid_session_is_salvaged_and_the_generation_recorded(
    tmp_path: Path,
) -> None:
    ids = _populate(tmp_path, 10)
    with History(tmp_path) as h:
        assert h.take_notice() is None
        with closing(sqlite3.connect(tmp_path / "history.sqlite3")) as other:
            other.execute("DROP TABLE entry_files")  # another program damages it meanwhile
            other.commit()
        new = _next_generation(h)  # recorded, not lost
        assert new == ids[-1] + 1 and h.get(new).path is not None
        assert h.count() == 11
        notice = h.take_notice() or ""
        assert "10 of 10 entries kept" in notice and h.take_notice() is None
    assert len(_asides(tmp_path)) == 1


def test_a_truncated_wal_keeps_every_whole_commit(tmp_path: Path) -> None:
    """A crash can leave the WAL cut short: the commits written whole are kept, the file
    is sound (nothing to move aside, nothing to tell), and recording goes on."""
    _populate(tmp_path, 3)
    script = textwrap.dedent(f"""
        import os, sys
        from pathlib import Path
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from test_history_salvage import History, _artifact
        h = History(Path({str(tmp_path)!r}))
        for i in range(3, 23):
            artifact, request = _artifact(h.artifacts_dir(), i)
            h.record(artifact, request_dict=request.to_dict())
        os._exit(0)  # no close, no checkpoint: the commits live in the WAL only
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    wal = tmp_path / "history.sqlite3-wal"
    size = wal.stat().st_size
    with wal.open("r+b") as f:
        f.truncate(size // 2 + 123)  # in the middle of a frame
    with History(tmp_path) as h:
        assert h.take_notice() is None and not _asides(tmp_path)
        count = h.count()
        assert 3 < count < 23  # the first commits were whole, the last ones cut off
        assert [e.id for e in h.list(limit=None)] == list(range(count, 0, -1))
        _next_generation(h)
        assert h.count() == count + 1


def test_the_row_walk_steps_over_unreadable_stretches() -> None:
    readable = set(range(1, 40)) | set(range(70, 100))

    def probe(key: int) -> int | bool | None:
        if 40 <= key < 70:
            return False  # a seek into the damaged stretch fails
        later = [k for k in readable if k >= key]
        return min(later) if later else None

    assert history_salvage._next_readable(probe, 39) == 70
    assert history_salvage._next_readable(probe, 99) is None
    assert history_salvage._next_readable(lambda key: False, 5) is None


def test_the_command_says_it_once(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _populate(home, 30)
    leaves = _entry_leaf_pages(home / "history.sqlite3")
    _garbage_page(home / "history.sqlite3", leaves[len(leaves) // 2])
    script = textwrap.dedent(f"""
        import sys
        from studio.cli import main
        from studio.plugins import fakes
        sys.exit(main(["generate", "echo", "-o", {str(tmp_path / "out.json")!r},
                       "--emotion", "joy"], fakes.registry("echo")))
    """)
    env = {**os.environ, "STUDIO_HOME": str(home)}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("warning: the history database was damaged")
    assert " of 30 entries kept" in lines[0]
    with History(home) as h:
        assert h.list(limit=1)[0].path == tmp_path / "out.json"


@pytest.mark.parametrize("junk", [b"", os.urandom(8192)])
def test_a_file_that_is_not_a_database_starts_a_new_history(tmp_path: Path, junk: bytes) -> None:
    (tmp_path / "history.sqlite3").write_bytes(b"not sqlite" + junk)
    with History(tmp_path) as h:
        assert "0 entries kept" in (h.take_notice() or "")
        _next_generation(h)
        assert h.count() == 1


def test_the_sqlite3_tools_recovery_is_used_when_it_keeps_more(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the ``sqlite3`` tool is installed its ``.recover`` output (here: a stand-in
    that prints what a full recovery would) is a second source; the better copy wins."""
    home = tmp_path / "home"
    _populate(home, 40)
    db = home / "history.sqlite3"
    with closing(sqlite3.connect(db)) as conn:
        dump = "\n".join(conn.iterdump())
    (tmp_path / "dump.sql").write_text(dump)
    tool = tmp_path / "bin" / "sqlite3"
    tool.parent.mkdir()
    tool.write_text(f"#!/bin/sh\ncat {tmp_path / 'dump.sql'}\n")
    tool.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tool.parent}{os.pathsep}{os.environ['PATH']}")
    leaves = _entry_leaf_pages(db)
    _garbage_page(db, leaves[len(leaves) // 2])
    with History(home) as h:
        assert "40 of 40 entries kept" in (h.take_notice() or "")
        assert h.count() == 40 and _next_generation(h) == 41
    assert not list(home.glob(".*"))  # no scratch files left behind


def test_a_second_window_finds_the_history_already_rebuilt(tmp_path: Path) -> None:
    """Two windows share one history: the first to meet the damage rebuilds it; the other
    reconnects to the rebuilt file (no second copy aside, no second message)."""
    _populate(tmp_path, 6)
    with History(tmp_path) as a, History(tmp_path) as b:
        with closing(sqlite3.connect(tmp_path / "history.sqlite3")) as other:
            other.execute("DROP TABLE entry_files")
            other.commit()
        _next_generation(a, 100)
        assert "6 of 6 entries kept" in (a.take_notice() or "")
        _next_generation(b, 101)
        assert b.take_notice() is None
        assert a.count() == b.count() == 8
    assert len(_asides(tmp_path)) == 1
