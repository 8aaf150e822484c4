"""The generation history: round trips, filters, deletes, persistence, damaged files,
threads and crashes never leaving half a record."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from studio.emotion import Condition, Trajectory
from studio.library import history as history_module
from studio.library.history import SCHEMA_VERSION, Entry, History, HistoryError
from studio.plugins.contract import Artifact, Request
from studio.plugins.fakes import EchoGenerator

JOY = Condition.from_mixture({"joy": 1.0})
SADNESS = Condition.from_mixture({"sadness": 1.0})


def make_artifact(
    folder: Path,
    stem: str,
    condition: Condition | None = None,
    trajectory: Trajectory | None = None,
    seed: int = 0,
) -> Artifact:
    if condition is None and trajectory is None:
        condition = Condition.from_vad(0.5, 0.5)
    request = Request(
        "echo", folder / f"{stem}.json", condition=condition, trajectory=trajectory, seed=seed
    )
    return EchoGenerator().generate(request)


def with_generator(artifact: Artifact, generator: str) -> Artifact:
    return Artifact(artifact.files, {**artifact.metadata, "generator": generator})


@pytest.fixture
def hist(tmp_path: Path) -> Iterator[History]:
    with History(tmp_path / "home") as h:
        yield h


@pytest.fixture
def out(hist: History) -> Path:
    return hist.artifacts_dir()


# -- round trips ---------------------------------------------------------------------------


def test_record_get_condition_round_trip(hist: History, out: Path) -> None:
    artifact = make_artifact(out, "a", condition=JOY, seed=7)
    request = {"generator": "echo", "seed": 7}
    entry = hist.record(artifact, request_dict=request)

    got = hist.get(entry.id)
    assert got == entry
    assert got.generator == "echo" and got.backend == "plain" and got.seed == 7
    assert got.generator_version == "1"
    assert got.state_kind == "condition"
    assert got.name == "joy"
    assert (got.valence, got.arousal, got.dominance) == JOY.vad
    assert got.intensity == JOY.intensity
    assert got.condition() == JOY
    assert got.trajectory() is None
    assert got.files == artifact.files and got.path == artifact.path
    assert got.file_sizes == (artifact.path.stat().st_size,)
    assert got.metadata == dict(artifact.metadata)
    assert got.params == artifact.metadata["params"]
    assert got.features == artifact.metadata["features"]
    assert got.timings == artifact.metadata["timings"]
    assert got.versions == artifact.metadata["versions"]
    assert got.request == request
    assert got.created_at.tzinfo is not None
    assert abs(datetime.now(UTC) - got.created_at) < timedelta(minutes=1)
    assert hash(got) == hash(entry)


def test_record_get_trajectory_round_trip(hist: History, out: Path) -> None:
    arc = Trajectory.of([(0.0, JOY), (1.0, Condition.neutral()), (2.0, SADNESS)])
    entry = hist.record(make_artifact(out, "arc", trajectory=arc))

    got = hist.get(entry.id)
    assert got.state_kind == "trajectory"
    assert got.name == "joy → sadness"
    assert got.trajectory() == arc
    assert got.condition() == JOY
    assert (got.valence, got.arousal, got.dominance, got.intensity) == (*JOY.vad, JOY.intensity)
    assert got.request is None


def test_metadata_without_state_is_refused(hist: History, out: Path) -> None:
    artifact = make_artifact(out, "a")
    bare = {k: v for k, v in artifact.metadata.items() if k != "condition"}
    with pytest.raises(ValueError, match="condition"):
        hist.record(Artifact(artifact.files, bare))
    assert hist.count() == 0


def test_files_inside_root_are_stored_relative(tmp_path: Path) -> None:
    with History(tmp_path / "a") as h:
        entry_id = h.record(make_artifact(h.artifacts_dir(), "x")).id
    os.rename(tmp_path / "a", tmp_path / "b")  # the user moves the data folder
    with History(tmp_path / "b") as h:
        path = h.get(entry_id).path
        assert path == tmp_path / "b" / "artifacts" / "x.json" and path.is_file()


# -- queries -------------------------------------------------------------------------------


@pytest.fixture
def populated(hist: History, out: Path) -> dict[str, Entry]:
    made = {
        "joy": hist.record(make_artifact(out, "joy", condition=JOY)),
        "sad": hist.record(make_artifact(out, "sad", condition=SADNESS)),
        "calm": hist.record(
            with_generator(
                make_artifact(out, "calm", condition=Condition.from_vad(0.6, -0.6)), "music"
            )
        ),
        "arc": hist.record(
            make_artifact(out, "arc", trajectory=Trajectory.of([(0, JOY), (3, SADNESS)]))
        ),
    }
    return made


def ids(entries: list[Entry]) -> list[int]:
    return [e.id for e in entries]


def test_list_newest_first_and_paging(hist: History, populated: dict[str, Entry]) -> None:
    newest_first = [populated[k].id for k in ("arc", "calm", "sad", "joy")]
    assert ids(hist.list()) == newest_first
    assert ids(hist.list(limit=2)) == newest_first[:2]
    assert ids(hist.list(limit=2, offset=2)) == newest_first[2:]
    assert ids(hist.list(limit=None)) == newest_first
    assert hist.list(limit=0) == []
    with pytest.raises(ValueError, match="limit"):
        hist.list(limit=-1)


def test_list_filters(hist: History, populated: dict[str, Entry]) -> None:
    p = populated
    assert ids(hist.list(generator="music")) == [p["calm"].id]
    assert ids(hist.list(generator="nope")) == []
    # name: case-insensitive substring, so the arc matches both its ends
    assert ids(hist.list(name="JOY")) == [p["arc"].id, p["joy"].id]
    assert ids(hist.list(name="sadness")) == [p["arc"].id, p["sad"].id]
    assert ids(hist.list(name="  ")) == ids(hist.list())
    # region: valence/arousal rectangle, a trajectory by its first keyframe
    upper_right = (0.0, 1.0, 0.0, 1.0)
    assert ids(hist.list(region=upper_right)) == [p["arc"].id, p["joy"].id]
    assert ids(hist.list(region=(0.0, 1.0, -1.0, -0.1))) == [p["calm"].id]
    assert ids(hist.list(region=upper_right, generator="echo", name="→")) == [p["arc"].id]
    with pytest.raises(ValueError, match="region"):
        hist.list(region=(1.0, 0.0, 0.0, 1.0))


def test_since_filter(hist: History, populated: dict[str, Entry]) -> None:
    assert hist.count(since=datetime.now(UTC) + timedelta(hours=1)) == 0
    assert hist.count(since=datetime.now(UTC) - timedelta(hours=1)) == 4
    assert ids(hist.list(since=populated["calm"].created_at)) == [
        populated["arc"].id,
        populated["calm"].id,
    ]


def test_count_and_names(hist: History, populated: dict[str, Entry]) -> None:
    assert hist.count() == 4
    assert hist.count(generator="echo") == 3
    assert hist.count(name="joy") == 2
    assert hist.count(region=(-1.0, 0.0, -1.0, 1.0)) == 1
    calm_name = populated["calm"].name
    assert dict(hist.names()) == {"joy": 1, "sadness": 1, calm_name: 1, "joy → sadness": 1}
    hist.record(make_artifact(hist.artifacts_dir(), "joy2", condition=JOY))
    assert hist.names()[0] == ("joy", 2)  # most used first


# -- delete --------------------------------------------------------------------------------


def file_rows(hist: History) -> int:
    with closing(sqlite3.connect(hist.path)) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM entry_files").fetchone()[0])


def test_delete_with_files(hist: History, populated: dict[str, Entry]) -> None:
    joy = populated["joy"]
    removed = hist.delete(joy.id)
    assert removed == joy
    assert joy.path is not None and not joy.path.exists()
    assert hist.count() == 3 and file_rows(hist) == 3
    with pytest.raises(KeyError):
        hist.get(joy.id)


def test_delete_keeping_files(hist: History, populated: dict[str, Entry]) -> None:
    sad = populated["sad"]
    hist.delete(sad.id, delete_files=False)
    assert sad.path is not None and sad.path.is_file()
    assert hist.count() == 3


def test_delete_tolerates_missing_files(hist: History, populated: dict[str, Entry]) -> None:
    arc = populated["arc"]
    assert arc.path is not None
    arc.path.unlink()
    hist.delete(arc.id)
    assert hist.count() == 3


def test_delete_keeps_a_file_another_entry_lists(hist: History, out: Path) -> None:
    artifact = make_artifact(out, "shared")
    first, second = hist.record(artifact), hist.record(artifact)
    hist.delete(first.id)
    assert artifact.path.is_file()
    hist.delete(second.id)
    assert not artifact.path.exists()


def test_unknown_id(hist: History) -> None:
    with pytest.raises(KeyError, match="no history entry with id 42"):
        hist.get(42)
    with pytest.raises(KeyError, match="no history entry with id 42"):
        hist.delete(42)


def test_ids_are_never_reused(hist: History, out: Path) -> None:
    last = hist.record(make_artifact(out, "a"))
    hist.delete(last.id)
    assert hist.record(make_artifact(out, "b")).id > last.id


# -- persistence, schema, damaged or unwritable files --------------------------------------


def test_persists_across_reopen(tmp_path: Path) -> None:
    with History(tmp_path) as h:
        entry = h.record(make_artifact(h.artifacts_dir(), "a", condition=JOY))
    with History(tmp_path) as again:
        assert again.get(entry.id) == entry
        assert again.count() == 1


def test_pragmas_and_schema_version(hist: History) -> None:
    conn = hist._conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    History(tmp_path).close()
    with closing(sqlite3.connect(tmp_path / "history.sqlite3")) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(HistoryError, match="newer"):
        History(tmp_path)


def test_corrupt_database_is_kept_aside_and_a_new_one_started(tmp_path: Path) -> None:
    artifact = make_artifact(tmp_path, "a")
    db = tmp_path / "history.sqlite3"
    junk = os.urandom(8192)
    db.write_bytes(junk)
    with History(tmp_path) as h:
        notice = h.take_notice()
        assert notice is not None and "damaged" in notice and "\n" not in notice
        assert h.take_notice() is None  # told once
        h.record(artifact)
        assert h.count() == 1
    (aside,) = tmp_path.glob("history.sqlite3.damaged-*")
    assert aside.read_bytes() == junk and str(aside) in notice
    with History(tmp_path) as again:  # the fresh one is fine: no second notice
        assert again.take_notice() is None and again.count() == 1


def test_damage_found_while_recording_moves_the_database_aside(tmp_path: Path) -> None:
    artifact = make_artifact(tmp_path, "a")
    with History(tmp_path) as h:
        h.record(artifact)
    db = tmp_path / "history.sqlite3"
    data = bytearray(db.read_bytes())
    data[100:] = b"\xff" * (len(data) - 100)  # the schema page is garbage; the header is fine
    db.write_bytes(bytes(data))
    for extra in tmp_path.glob("history.sqlite3-*"):
        extra.unlink()
    with History(tmp_path) as h:
        entry = h.record(artifact)
        assert entry.id == 1 and "kept as" in (h.take_notice() or "")
    damaged = tmp_path.glob("history.sqlite3.damaged-*")
    assert len([p for p in damaged if not p.name.endswith(("-wal", "-shm"))]) == 1


def test_folder_that_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(HistoryError, match="cannot create history folder") as info:
        History(blocker / "home")
    assert str(blocker / "home") in str(info.value)
    assert "\n" not in str(info.value)


def test_database_path_that_cannot_be_opened(tmp_path: Path) -> None:
    (tmp_path / "history.sqlite3").mkdir()  # runs as root too, unlike chmod
    with pytest.raises(HistoryError, match="cannot open history database") as info:
        History(tmp_path)
    assert str(tmp_path / "history.sqlite3") in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.skipif(
    os.name != "posix" or os.geteuid() == 0,
    reason="needs POSIX permissions that apply to this user",
)
def test_read_only_folder(tmp_path: Path) -> None:
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(HistoryError, match="not writable") as info:
            History(tmp_path)
        assert str(tmp_path) in str(info.value)
    finally:
        tmp_path.chmod(0o700)


def test_studio_home_is_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDIO_HOME", str(tmp_path / "portable"))
    with History() as h:
        assert h.path == tmp_path / "portable" / "history.sqlite3"
        assert h.path.is_file()
        assert h.artifacts_dir() == tmp_path / "portable" / "artifacts"
        assert h.artifacts_dir().is_dir()


# -- threads and crashes -------------------------------------------------------------------


def test_concurrent_record_from_threads(hist: History, out: Path) -> None:
    artifact = make_artifact(out, "a")
    per_thread, threads = 25, 4
    errors: list[BaseException] = []
    made: list[int] = []
    start = threading.Barrier(threads)

    def work() -> None:
        try:
            start.wait()
            for _ in range(per_thread):
                made.append(hist.record(artifact).id)
                hist.list(limit=5)  # readers interleave with writers
        except BaseException as exc:  # collected and asserted on below
            errors.append(exc)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == []
    assert len(set(made)) == per_thread * threads
    assert hist.count() == per_thread * threads
    assert file_rows(hist) == per_thread * threads


def test_two_instances_share_one_file(tmp_path: Path) -> None:
    with History(tmp_path) as a, History(tmp_path) as b:
        entry = a.record(make_artifact(a.artifacts_dir(), "x"))
        assert b.get(entry.id) == entry


def test_failure_mid_record_leaves_no_partial_row(
    hist: History, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*args: Any) -> None:
        raise RuntimeError("disk pulled mid-write")

    monkeypatch.setattr(history_module, "_insert_files", explode)
    with pytest.raises(RuntimeError, match="disk pulled"):
        hist.record(make_artifact(out, "a"))
    assert hist.count() == 0 and file_rows(hist) == 0
    monkeypatch.undo()
    assert hist.record(make_artifact(out, "b")).id  # the connection is still usable
    assert hist.count() == 1


def test_process_killed_mid_record_leaves_no_partial_row(tmp_path: Path) -> None:
    History(tmp_path).close()
    script = textwrap.dedent(f"""
        import os
        from pathlib import Path
        from studio.emotion import Condition
        from studio.library import history
        from studio.plugins.contract import Request
        from studio.plugins.fakes import EchoGenerator

        def die(*args):
            os._exit(9)  # no rollback, no cleanup: like a crash or a kill

        h = history.History(Path({str(tmp_path)!r}))
        art = EchoGenerator().generate(Request(
            "echo", h.artifacts_dir() / "x.json", condition=Condition.from_vad(.5, .5)))
        history._insert_files = die
        h.record(art)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert done.returncode == 9, done.stderr.decode()
    with History(tmp_path) as h:
        assert h.count() == 0 and file_rows(h) == 0


def test_name_search_also_finds_the_word_the_user_typed(hist: History, out: Path) -> None:
    from studio.emotion import lexicon

    serene = lexicon.lookup("serene").condition()
    assert serene.label == "serene" and "serene" not in serene.name
    entry = hist.record(make_artifact(out, "calm", serene))
    assert ids(hist.list(name="SERENE")) == [entry.id]
    assert ids(hist.list(name=serene.name)) == [entry.id]
    assert hist.count(name="serene") == 1


def test_restore_puts_a_deleted_entry_back_as_it_was(
    hist: History, out: Path, populated: dict[str, Entry]
) -> None:
    made = populated
    sad = hist.delete(made["sad"].id, delete_files=False)
    newer = hist.record(make_artifact(out, "later"))
    back = hist.restore(sad)
    assert back == sad  # the same id, time, state, files and request
    assert ids(hist.list()) == [newer.id, made["arc"].id, made["calm"].id, sad.id, made["joy"].id]
    with pytest.raises(HistoryError):
        hist.restore(sad)  # its id is taken: never two rows for one
