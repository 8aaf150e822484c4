"""Hostile batch files and lines: refused before any work with ``FILE:LINE`` (exit 2),
leaving nothing on disk; a batch file is read bounded; text from a line reaches the
terminal escaped."""

from __future__ import annotations

import io
import json
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from studio.batch.report import BarProgress, JsonProgress, PlainProgress, Row
from studio.cli import main
from studio.library.export import read_state
from studio.plugins import Registry, fakes
from tests.hardening.conftest import CAP_BYTES, fifo, folder, run_capped, sparse, zero_link

RAW = ("\x1b", "\x07", "\x9b", "\u202e", "\r")


@pytest.fixture
def registry() -> Registry:
    return fakes.registry("music", "echo", "fail")


def _jsonl(path: Path, *records: dict[str, Any] | str) -> Path:
    text = "\n".join(r if isinstance(r, str) else json.dumps(r) for r in records)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def _text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _batch(
    capsys: pytest.CaptureFixture[str], registry: Registry, *args: str | Path
) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["batch", *map(str, args)], registry=registry)
    out, err = capsys.readouterr()
    assert "Traceback" not in err, err
    return code, out, err


def _clean(text: str) -> None:
    for ch in RAW:
        assert ch not in text, repr(text)


# -- bad input leaves nothing -------------------------------------------------------------------
BAD: list[tuple[str, Callable[[Path], Path], str]] = [
    ("bad-emotion", lambda d: _jsonl(d / "b.jsonl", {"kind": "echo", "emotion": "glee"}), "glee"),
    ("not-json", lambda d: _jsonl(d / "b.jsonl", {"kind": "echo", "out": "x/a.json"}, "{"), "JSON"),
    ("missing-file", lambda d: d / "missing.jsonl", "no such file"),
    ("a-folder", lambda d: folder(d / "dir.jsonl"), "folder"),
    (
        "nested-deep",
        lambda d: _jsonl(d / "b.jsonl", {"kind": "echo", "out": "x/a.json"}, "[" * 5000),
        "nested",
    ),
    (
        "cell-too-large",
        lambda d: _text(d / "b.csv", f"kind,out\necho,{'x' * 200_000}\n"),
        "CSV",
    ),
]


@pytest.mark.parametrize(("case", "build", "words"), BAD, ids=[c[0] for c in BAD])
def test_bad_input_makes_no_folder(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    registry: Registry,
    case: str,
    build: Callable[[Path], Path],
    words: str,
) -> None:
    src = build(tmp_path)
    out = tmp_path / "new" / "out"
    code, _, err = _batch(capsys, registry, src, "-o", out)
    assert code == 2 and words in err, err
    assert not (tmp_path / "new").exists()


def test_a_bad_line_makes_no_folder_in_an_existing_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], registry: Registry
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    src = _jsonl(
        tmp_path / "b.jsonl",
        {"kind": "echo", "out": "deep/er/a.json"},
        {"kind": "music", "out": "cues/b.mid"},
        {"kind": "echo", "valence": 7, "out": "c.json"},
    )
    code, _, err = _batch(capsys, registry, src, "-o", out)
    assert code == 2 and f"{src}:3: " in err
    assert list(out.iterdir()) == []


@pytest.mark.parametrize(
    ("records", "words"),
    [
        (({"kind": "echo", "out": "a.json"}, {"kind": "echo", "out": "A.json/b.json"}), "folder"),
        (({"kind": "echo", "out": "a.json/b.json"}, {"kind": "echo", "out": "A.JSON"}), "folder"),
    ],
    ids=["file-then-folder", "folder-then-file"],
)
def test_one_name_for_a_file_and_a_folder_is_a_bad_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    registry: Registry,
    records: tuple[dict[str, Any], ...],
    words: str,
) -> None:
    src = _jsonl(tmp_path / "b.jsonl", *records)
    code, _, err = _batch(capsys, registry, src, "-o", tmp_path / "out")
    assert code == 2 and f"{src}:2: " in err and words in err, err
    assert not (tmp_path / "out").exists()


def test_an_output_under_a_file_is_a_bad_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], registry: Registry
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "taken").write_text("a file", encoding="utf-8")
    src = _jsonl(tmp_path / "b.jsonl", {"kind": "echo", "out": "taken/a.json"})
    code, _, err = _batch(capsys, registry, src, "-o", out)
    assert code == 2 and f"{src}:1: " in err and "is a file" in err, err
    assert sorted(p.name for p in out.iterdir()) == ["taken"]


# -- the output's own checks (session.check_output) ----------------------------------------------
def test_a_name_too_long_is_a_bad_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], registry: Registry
) -> None:
    src = _jsonl(
        tmp_path / "b.jsonl",
        {"kind": "echo", "out": "ok.json"},
        {"kind": "echo", "out": "x" * 255 + ".json"},
    )
    code, out, err = _batch(capsys, registry, src, "-o", tmp_path / "out")
    assert code == 2 and out == ""
    assert err.startswith(f"error: {src}:2: output: file name too long") and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_a_read_only_output_is_refused_unless_it_is_already_made(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], registry: Registry
) -> None:
    out = tmp_path / "out"
    src = _jsonl(tmp_path / "b.jsonl", {"kind": "echo", "seed": 1, "out": "a.json"})
    assert _batch(capsys, registry, src, "-o", out)[0] == 0
    made = out / "a.json"
    made.chmod(stat.S_IRUSR)
    # Already made with this request: skipped, never written, so it may stay read-only.
    code, stdout, _ = _batch(capsys, registry, src, "-o", out)
    assert code == 0 and "0 made, 1 already done" in stdout
    # A changed line would replace it: refused before any work, like studio generate.
    before = made.read_bytes()
    changed = _jsonl(tmp_path / "b.jsonl", {"kind": "echo", "seed": 2, "out": "a.json"})
    code, _, err = _batch(capsys, registry, changed, "-o", out)
    assert code == 2 and err.startswith(f"error: {changed}:1: output: ") and "read-only" in err
    assert made.read_bytes() == before and read_state(made)["seed"] == 1
    # A stale writable file is redone.
    made.chmod(stat.S_IRUSR | stat.S_IWUSR)
    assert _batch(capsys, registry, changed, "-o", out)[0] == 0
    assert read_state(made)["seed"] == 2


# -- the batch file is read bounded ------------------------------------------------------------
FILES: list[tuple[str, Callable[[Path], Path], str]] = [
    ("fifo", lambda d: fifo(d / "b.jsonl"), "pipe"),
    ("dev-zero", lambda d: zero_link(d / "b.jsonl"), "device"),
    ("sparse-2gb", lambda d: sparse(d / "b.jsonl", 2 * 2**30), "too large"),
]


@pytest.mark.parametrize(("case", "build", "words"), FILES, ids=[c[0] for c in FILES])
def test_a_hostile_batch_file_is_refused_at_once(
    tmp_path: Path, case: str, build: Callable[[Path], Path], words: str
) -> None:
    out = tmp_path / "out"
    run = run_capped(["batch", build(tmp_path), "-o", out], tmp_path / "home", timeout=60)
    assert run.code == 2, run
    assert words in run.err and run.err.count("\n") == 1 and "Traceback" not in run.err, run.err
    assert run.peak_rss < CAP_BYTES, f"{case}: peak {run.peak_rss / 2**20:.0f} MiB"
    assert not out.exists()


def test_a_batch_file_over_the_cap_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], registry: Registry
) -> None:
    from studio.batch.lines import MAX_BATCH_BYTES

    src = sparse(tmp_path / "b.jsonl", MAX_BATCH_BYTES + 1)
    code, _, err = _batch(capsys, registry, src, "-o", tmp_path / "out")
    assert code == 2 and "too large" in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


# -- what reaches the terminal -----------------------------------------------------------------
HOSTILE = "a\x1b]0;owned\x07\x1b[2J\x9b2J\u202egnp\r"


def test_file_names_and_errors_are_printed_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], registry: Registry
) -> None:
    src = _jsonl(
        tmp_path / "b.jsonl",
        {"kind": "echo", "out": f"{HOSTILE}.json"},
        {"kind": "fail", "out": f"{HOSTILE}x.json"},
    )
    out = tmp_path / "out"
    code, stdout, stderr = _batch(capsys, registry, src, "-o", out, "--jobs", "1")
    assert code == 1
    _clean(stdout)
    _clean(stderr)
    assert "\\x1b]0;owned" in stdout and "failed: line 2 a\\x1b]0;owned" in stderr
    assert len(stdout.splitlines()) == 4 and len(stderr.splitlines()) == 1
    assert (out / f"{HOSTILE}.json").is_file()  # the file keeps the name it was given

    code, stdout, _ = _batch(capsys, registry, src, "-o", out, "--json")
    assert code == 1
    _clean(stdout)
    rows = [json.loads(x) for x in stdout.splitlines() if json.loads(x)["event"] == "line"]
    assert rows[0]["file"] == f"{HOSTILE}x.json"  # the same JSON, escaped for a terminal


def test_a_bad_lines_text_is_printed_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], registry: Registry
) -> None:
    src = _jsonl(
        tmp_path / "b.jsonl",
        {"kind": "echo", "word": HOSTILE},
        {"kind": "echo", "out": f"../{HOSTILE}"},
        {"kind": f"x{HOSTILE}"},
    )
    code, _, err = _batch(capsys, registry, src, "-o", tmp_path / "out")
    assert code == 2 and len(err.splitlines()) == 3, err
    _clean(err)


@pytest.mark.parametrize("kind", [PlainProgress, JsonProgress])
def test_plain_and_json_progress_escape_file_names(kind: type[PlainProgress]) -> None:
    screen = io.StringIO()
    progress = kind(screen)
    progress.start(2, 0, "the Ray cluster at x")
    progress.advance(Row(1, HOSTILE, "echo", "done", 0.1), 1)
    progress.advance(Row(2, HOSTILE, "echo", "failed", 0.1, HOSTILE), 2)
    progress.note(f"line 2 {HOSTILE}: its worker was lost")
    _clean(screen.getvalue())


def test_the_bar_escapes_file_names_and_errors() -> None:
    from rich.console import Console

    screen = io.StringIO()
    bar = BarProgress(Console(file=screen, force_terminal=False, width=200))
    bar.start(2, 0, "2 local worker processes")
    bar.advance(Row(1, HOSTILE, "echo", "failed", 0.1, HOSTILE), 1)
    bar.note(f"warning: line 2: {HOSTILE}")
    bar.close()
    text = screen.getvalue()
    assert "\\x1b]0;owned" in text
    _clean(text)
