"""A batch from file to folder: validate every line, skip what is done, run the rest, embed
and record each result on this (the driver's) thread, and keep ``batch.json`` current."""

from __future__ import annotations

import os
from pathlib import Path

from studio import session
from studio.batch.lines import Line, read_lines
from studio.batch.report import Ledger, Progress, Row
from studio.batch.resume import is_done
from studio.batch.runner import Runner
from studio.errors import BadInput, GenerationFailed, printable
from studio.library.history import History
from studio.plugins import Artifact, Registry
from studio.session import Staged


def default_jobs() -> int:
    """Worker processes when ``--jobs`` is not given: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def run_batch(
    registry: Registry,
    source: Path,
    out_dir: Path,
    runner: Runner,
    progress: Progress,
    history: History | None = None,
) -> Ledger:
    """Run every line of ``source`` not already done in ``out_dir``; return the ledger.

    Raises ``BadInput`` (``BadLines`` listing each bad line) before anything is made, and
    ``NoWorkers`` when some lines found no worker to run them (they stay ``pending``).
    """
    lines = read_lines(registry, source, out_dir, done=lambda line: is_done(registry, line))
    # Every line is valid: only now is anything made on disk.
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise BadInput(
            f"output: cannot create folder {printable(out_dir, 200)}: {reason}"
        ) from None
    rows = {line.number: Row(line.number, line.out, line.request.generator) for line in lines}
    todo: list[Line] = []
    for line in lines:
        if is_done(registry, line):
            rows[line.number].status = "skipped"
        else:
            todo.append(line)
    ledger = Ledger(out_dir, source, list(rows.values()))
    ledger.write()
    finished = 0

    def deliver(
        line: Line,
        staged: Staged | None,
        outcome: Artifact | str,
        seconds: float,
        worker: str | None = None,
    ) -> None:
        nonlocal finished
        row = rows[line.number]
        row.seconds, row.worker = round(seconds, 3), worker
        if isinstance(outcome, Artifact) and staged is not None:
            try:
                kept = session.keep(outcome, staged, history)
            except (BadInput, GenerationFailed) as exc:
                row.status, row.error = "failed", " ".join(str(exc).split())
            else:
                row.status, row.error = "done", None
                for warning in kept.warnings:
                    progress.note(f"warning: line {line.number}: {warning}")
        else:
            session.discard(staged)
            row.status, row.error = "failed", str(outcome)
        finished += 1
        progress.advance(row, finished)
        ledger.write(force=False)

    where = runner.where(len(todo)) if todo else None
    progress.start(len(lines), len(lines) - len(todo), where)
    try:
        runner.run(todo, deliver, progress.note)
    finally:
        ledger.write()
        progress.close()
    return ledger
