"""What a batch tells: ``DIR/batch.json`` (every line's file, status, seconds, error) and the
live progress (a rich bar on a terminal, plain lines otherwise, JSON Lines for machines)."""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, TextIO

from studio.errors import printable, printable_json
from studio.library.atomic import atomic_write

Status = Literal["pending", "done", "skipped", "failed"]
REPORT_NAME = "batch.json"
# batch.json is rewritten at most this often while lines finish (and always at the end), so
# an interrupted batch leaves a recent account without a rewrite per line.
WRITE_EVERY_S = 1.0


@dataclass
class Row:
    """One line's account in ``batch.json``."""

    line: int
    file: str
    kind: str
    status: Status = "pending"
    seconds: float | None = None
    error: str | None = None
    worker: str | None = None  # where it ran, on a cluster: "NODE8HEX CPU" or "… GPU"


class Ledger:
    """Every line's row, kept in ``DIR/batch.json`` (written atomically)."""

    def __init__(self, out_dir: Path, source: Path, rows: list[Row]) -> None:
        self.path = out_dir / REPORT_NAME
        self.source = source
        self.rows = rows
        self.started = time.perf_counter()
        self._written = -float("inf")

    def counts(self) -> Counter[str]:
        return Counter(row.status for row in self.rows)

    def summary(self) -> dict[str, Any]:
        counts = self.counts()
        return {
            "source": str(self.source),
            "dir": str(self.path.parent),
            "lines": len(self.rows),
            **{s: counts.get(s, 0) for s in ("done", "skipped", "failed", "pending")},
            "seconds": round(time.perf_counter() - self.started, 3),
        }

    def failures(self) -> list[Row]:
        return [row for row in self.rows if row.status == "failed"]

    def write(self, *, force: bool = True) -> None:
        now = time.perf_counter()
        if not force and now - self._written < WRITE_EVERY_S:
            return
        self._written = now
        document = {**self.summary(), "rows": [asdict(row) for row in self.rows]}
        with atomic_write(self.path, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(document, indent=1, ensure_ascii=False) + "\n")


class Progress(Protocol):
    def start(self, total: int, skipped: int, where: str | None) -> None: ...
    def advance(self, row: Row, finished: int) -> None: ...
    def note(self, message: str) -> None: ...
    def close(self) -> None: ...


def _opening(total: int, skipped: int, where: str | None) -> str:
    then = f"running on {printable(where)}" if where else "nothing left to run"
    return f"{total} lines, {skipped} already done; {then}"


def _finished(row: Row) -> str:
    """``line N FILE: failed: ERROR`` or ``line N FILE: 1.23 s``, printable on a terminal
    (a file name and an error come from the batch file or a generator)."""
    what = f"{row.seconds or 0.0:.2f} s" if row.status == "done" else f"failed: {row.error}"
    return printable(f"line {row.line} {row.file}: {what}")


def _rate(finished: int, since: float) -> tuple[float, float | None]:
    """Lines per minute since ``since`` and the seconds left for ``remaining`` lines."""
    elapsed = max(time.perf_counter() - since, 1e-9)
    per_min = 60.0 * finished / elapsed
    return per_min, None if finished == 0 else elapsed / finished


class PlainProgress:
    """One line per finished line (for logs and pipes): count, rate and ETA included."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self.total = 0
        self.skipped = 0
        self.since = time.perf_counter()

    def start(self, total: int, skipped: int, where: str | None) -> None:
        self.total, self.skipped, self.since = total, skipped, time.perf_counter()
        print(_opening(total, skipped, where), file=self.out)

    def advance(self, row: Row, finished: int) -> None:
        per_min, each = _rate(finished, self.since)
        left = self.total - self.skipped - finished
        eta = "" if each is None else f", eta {left * each:.0f} s"
        print(
            f"[{self.skipped + finished}/{self.total}] {_finished(row)} "
            f"({per_min:.1f} lines/min{eta})",
            file=self.out,
            flush=True,
        )

    def note(self, message: str) -> None:
        print(printable(message), file=self.out, flush=True)

    def close(self) -> None:
        pass


class JsonProgress(PlainProgress):
    """JSON Lines on stdout: ``{"event": "start" | "line" | "note", …}``."""

    def start(self, total: int, skipped: int, where: str | None) -> None:
        self.total, self.skipped, self.since = total, skipped, time.perf_counter()
        self._emit({"event": "start", "lines": total, "skipped": skipped, "on": where})

    def advance(self, row: Row, finished: int) -> None:
        per_min, _ = _rate(finished, self.since)
        self._emit({"event": "line", **asdict(row), "lines_per_min": round(per_min, 2)})

    def note(self, message: str) -> None:
        self._emit({"event": "note", "message": message})

    def _emit(self, record: dict[str, Any]) -> None:
        print(printable_json(json.dumps(record, ensure_ascii=False)), file=self.out, flush=True)


class BarProgress:
    """A rich progress bar on the terminal (stderr): count, lines per minute, ETA."""

    def __init__(self, console: Any = None) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            ProgressColumn,
            Task,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.progress import Progress as RichProgress
        from rich.text import Text

        class LinesPerMinute(ProgressColumn):
            def render(self, task: Task) -> Text:
                speed = task.finished_speed or task.speed
                shown = "–" if speed is None else f"{speed * 60:.1f}"
                return Text(f"{shown} lines/min", style="progress.data.speed")

        self.console = console or Console(stderr=True)
        self.bar = RichProgress(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            LinesPerMinute(),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            console=self.console,
        )
        self.task: Any = None
        self.failed = 0

    def start(self, total: int, skipped: int, where: str | None) -> None:
        self._say(_opening(total, skipped, where))
        self.bar.start()
        self.task = self.bar.add_task("batch", total=total - skipped)

    def advance(self, row: Row, finished: int) -> None:
        if row.status == "failed":
            self.failed += 1
            self._say(_finished(row))
        label = "batch" if not self.failed else f"batch ({self.failed} failed)"
        self.bar.update(self.task, advance=1, description=label)

    def note(self, message: str) -> None:
        self._say(printable(message))

    def _say(self, text: str) -> None:
        # Text from files and errors is shown as it is (already printable): no rich markup,
        # no highlighting.
        self.bar.console.print(text, markup=False, highlight=False)

    def close(self) -> None:
        self.bar.stop()


def progress_for(json_output: bool, stream: TextIO | None = None) -> Progress:
    """JSON Lines for ``--json``, a bar when stderr is a terminal, plain lines otherwise."""
    if json_output:
        return JsonProgress()
    if (stream or sys.stderr).isatty():
        return BarProgress()
    return PlainProgress()
