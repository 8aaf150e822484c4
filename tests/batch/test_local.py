"""Batches on local worker processes: outputs embedded and recorded once, resumable,
failures isolated, progress for people and machines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from studio.batch import run_batch
from studio.batch.local import LocalRunner
from studio.batch.report import BarProgress, JsonProgress, PlainProgress, Row, progress_for
from studio.cli import main
from studio.library.export import read_state
from studio.library.history import History
from studio.plugins import Registry
from tests.batch.conftest import mixed_lines, report, write_jsonl


def history_paths() -> list[str]:
    history = History()
    try:
        return sorted(str(e.path) for e in history.list(limit=None))
    finally:
        history.close()


def test_two_workers_make_every_line_then_a_rerun_skips_them(
    tmp_path: Path, registry: Registry, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = mixed_lines(6)
    src = write_jsonl(tmp_path / "b.jsonl", lines)
    out = tmp_path / "out"
    assert main(["batch", str(src), "-o", str(out), "--jobs", "2"], registry=registry) == 0
    doc = report(out)
    assert (doc["lines"], doc["done"], doc["failed"], doc["pending"]) == (6, 6, 0, 0)
    assert [r["file"] for r in doc["rows"]] == [line["out"] for line in lines]
    assert all(r["status"] == "done" and r["seconds"] >= 0 for r in doc["rows"])
    for line in lines:
        state = read_state(out / line["out"])
        assert (state["generator"], state["seed"]) == (line["kind"], line["seed"])
        assert state["condition"]["vad"]["valence"] == pytest.approx(line["valence"])
    made = {p: p.read_bytes() for p in out.rglob("*") if p.suffix in (".png", ".mid")}
    assert len(made) == 6 and not [p for p in out.rglob("*.part")]
    recorded = history_paths()
    assert recorded == sorted(str(out / line["out"]) for line in lines)
    stdout = capsys.readouterr().out
    assert "6 lines, 0 already done" in stdout and "lines/min" in stdout

    # A rerun of the finished batch does nothing and records nothing.
    assert main(["batch", str(src), "-o", str(out), "--json"], registry=registry) == 0
    events = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert events[0] == {"event": "start", "lines": 6, "skipped": 6, "on": None}
    assert events[-1]["event"] == "end" and events[-1]["skipped"] == 6
    assert {p: p.read_bytes() for p in made} == made
    assert history_paths() == recorded
    assert report(out)["skipped"] == 6


def test_an_interrupted_or_changed_batch_continues(tmp_path: Path, registry: Registry) -> None:
    lines = mixed_lines(6)
    out = tmp_path / "out"
    first = write_jsonl(tmp_path / "first.jsonl", lines[:3])  # as if stopped after three
    assert main(["batch", str(first), "-o", str(out), "--jobs", "1"], registry=registry) == 0
    (out / lines[1]["out"]).write_bytes(b"half a file")  # a file without its state
    lines[2] = {**lines[2], "seed": 99}  # a line whose request changed
    full = write_jsonl(tmp_path / "full.jsonl", lines)
    assert main(["batch", str(full), "-o", str(out), "--jobs", "2"], registry=registry) == 0
    status = [r["status"] for r in report(out)["rows"]]
    assert status == ["skipped", "done", "done", "done", "done", "done"]
    assert read_state(out / lines[2]["out"])["seed"] == 99
    # Line 1 once; lines 2 and 3 from each run (the changed and the damaged file) .
    assert len(history_paths()) == 3 + 5


def test_a_failing_line_does_not_stop_the_others(
    tmp_path: Path, registry: Registry, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [*mixed_lines(2), {"kind": "fail", "out": "broken.json"}, *mixed_lines(3)[2:]]
    src = write_jsonl(tmp_path / "b.jsonl", lines)
    out = tmp_path / "out"
    assert main(["batch", str(src), "-o", str(out), "--jobs", "2"], registry=registry) == 1
    doc = report(out)
    assert [r["status"] for r in doc["rows"]] == ["done", "done", "failed", "done"]
    assert "ran out of ink" in doc["rows"][2]["error"]
    err = capsys.readouterr().err
    assert "failed: line 3 broken.json: RuntimeError: the backend ran out of ink" in err
    assert not (out / "broken.json").exists() and not list(out.glob(".*.part"))
    # A rerun retries only the failed line.
    assert main(["batch", str(src), "-o", str(out), "--json"], registry=registry) == 1
    assert [r["status"] for r in report(out)["rows"]] == ["skipped", "skipped", "failed", "skipped"]


def test_plain_and_json_progress_carry_rate_and_eta(tmp_path: Path, registry: Registry) -> None:
    import io

    src = write_jsonl(tmp_path / "b.jsonl", mixed_lines(2))
    for kind in (PlainProgress, JsonProgress):
        stream = io.StringIO()
        out = tmp_path / kind.__name__
        ledger = run_batch(registry, src, out, LocalRunner(registry, 1), kind(stream))
        assert ledger.summary()["done"] == 2
        text = stream.getvalue().splitlines()
        assert len(text) == 3
        if kind is JsonProgress:
            records = [json.loads(x) for x in text]
            assert [r["event"] for r in records] == ["start", "line", "line"]
            assert records[2]["lines_per_min"] > 0 and records[2]["status"] == "done"
        else:
            assert text[2].startswith("[2/2] line 2 cue_001.mid") and "eta 0 s" in text[2]


def test_a_terminal_gets_a_rich_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert isinstance(progress_for(False, Tty()), BarProgress)
    assert isinstance(progress_for(False, io.StringIO()), PlainProgress)
    assert isinstance(progress_for(True, Tty()), JsonProgress)


def test_bad_options(
    tmp_path: Path, registry: Registry, capsys: pytest.CaptureFixture[str]
) -> None:
    src = write_jsonl(tmp_path / "b.jsonl", mixed_lines(1))
    out = str(tmp_path / "out")
    assert main(["batch", str(src), "-o", out, "--jobs", "0"], registry=registry) == 2
    assert main(["batch", str(src), "-o", out, "--jobs", "2", "--ray", "x:1"], registry) == 2
    err = capsys.readouterr().err.splitlines()
    assert "--jobs must be at least 1" in err[0] and "not both" in err[1]


def test_the_bar_shows_count_rate_and_eta() -> None:
    import io

    from rich.console import Console
    from rich.text import Text

    from studio.batch.report import Row

    screen = io.StringIO()
    bar = BarProgress(Console(file=screen, force_terminal=True, width=120))
    bar.start(4, 1, "2 local worker processes")
    bar.advance(Row(2, "a.png", "image", "done", 0.5), 1)
    bar.advance(Row(3, "b.png", "image", "failed", 0.1, "[red]boom"), 2)
    bar.close()
    text = Text.from_ansi(screen.getvalue()).plain
    assert "4 lines, 1 already done" in text and "2/3" in text
    assert "lines/min" in text and "eta" in text and "line 3 b.png: failed: [red]boom" in text


def test_an_interrupted_batch_leaves_an_account_and_no_temp_files(
    tmp_path: Path, registry: Registry
) -> None:
    class StopAfterTwo(PlainProgress):
        def advance(self, row: Row, finished: int) -> None:
            super().advance(row, finished)
            if finished == 2:
                raise KeyboardInterrupt  # Ctrl-C while the workers hold more lines

    import io

    lines = mixed_lines(8)
    src = write_jsonl(tmp_path / "b.jsonl", lines)
    out = tmp_path / "out"
    history = History()
    with pytest.raises(KeyboardInterrupt):
        run_batch(
            registry, src, out, LocalRunner(registry, 2), StopAfterTwo(io.StringIO()), history
        )
    history.close()
    rows = report(out)["rows"]
    assert [r["status"] for r in rows].count("done") == 2
    assert {r["status"] for r in rows} == {"done", "pending"}
    assert not [p for p in out.rglob("*") if ".part" in p.name]
    assert main(["batch", str(src), "-o", str(out), "--jobs", "1"], registry=registry) == 0
    status = [r["status"] for r in report(out)["rows"]]
    assert status.count("skipped") == 2 and status.count("done") == 6
    assert len(history_paths()) == 8


def test_a_replaced_input_file_makes_its_line_again(tmp_path: Path, registry: Registry) -> None:
    """A re-recorded voice line or a replaced photo keeps its name: the line is made again
    when the file it reads is newer than its output, as make does."""
    import os

    from PIL import Image

    photo = tmp_path / "photo.png"
    Image.new("RGB", (48, 32), (200, 120, 40)).save(photo)
    line = {"kind": "image", "input": "photo.png", "size": 64, "out": "graded.png"}
    src = write_jsonl(tmp_path / "b.jsonl", [line])
    out = tmp_path / "out"
    assert main(["batch", str(src), "-o", str(out), "--jobs", "1"], registry=registry) == 0
    assert main(["batch", str(src), "-o", str(out), "--jobs", "1"], registry=registry) == 0
    assert [r["status"] for r in report(out)["rows"]] == ["skipped"]
    Image.new("RGB", (48, 32), (20, 60, 200)).save(photo)  # the same name, a new photo
    later = (out / "graded.png").stat().st_mtime + 5
    os.utime(photo, (later, later))
    assert main(["batch", str(src), "-o", str(out), "--jobs", "1"], registry=registry) == 0
    assert [r["status"] for r in report(out)["rows"]] == ["done"]
