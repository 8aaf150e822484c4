"""``studio batch FILE -o DIR [--jobs N] [--ray ADDRESS] [--json]``: the command's side.

Prints the bad lines (exit 2) or the failed ones (exit 1) itself, one per line; the rest of
the command's error handling is the CLI's.
"""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser, Namespace

from studio.batch.lines import BadLines
from studio.batch.local import LocalRunner
from studio.batch.report import progress_for
from studio.batch.run import default_jobs, run_batch
from studio.batch.runner import NoWorkers, Runner
from studio.errors import BadInput, printable, printable_json
from studio.plugins import Registry
from studio.session import open_history

EPILOG = """\
Each line is one request. Its keys are `studio generate`'s long options without the
dashes (valence, arousal, dominance, emotion, intensity, word, condition, trajectory,
seed, backend, text, prompt, duration, size, sample-rate, ..., and param as an object),
plus kind (required) and out (a file name inside DIR; without it, KIND_NNNN.EXT by line
number). Example: {"kind": "speech", "text": "Who's there?", "emotion": "fear:0.7",
"out": "guard/line_0001.wav"}. Every line is checked before any work (bad lines: exit 2,
nothing made). A rerun skips lines whose file exists with the same request and whose
input files are older than it; DIR/batch.json lists every line. Exit 1 when a line
failed."""


def add_arguments(p: ArgumentParser) -> None:
    """The ``batch`` subcommand's options."""
    from argparse import RawDescriptionHelpFormatter
    from pathlib import Path

    p.epilog = EPILOG
    p.formatter_class = RawDescriptionHelpFormatter

    p.add_argument("file", type=Path, help="JSON Lines or CSV (with a header): one request a line")
    p.add_argument(
        "-o", "--output", type=Path, required=True, metavar="DIR", help="folder for the files"
    )
    p.add_argument("--jobs", type=int, metavar="N", help="local worker processes (default: cores)")
    p.add_argument("--ray", metavar="ADDRESS", help="run on the Ray cluster at ADDRESS")
    p.add_argument("--json", action="store_true", help="JSON Lines progress and summary")
    p.add_argument("--no-history", action="store_true", help="do not record in the history")


def main(args: Namespace, registry: Registry) -> int:
    """Run the batch the options describe; 0 all done, 1 some failed, 2 bad lines."""
    if args.jobs is not None and args.jobs < 1:
        raise BadInput(f"--jobs must be at least 1, got {args.jobs}")
    if args.ray is not None and args.jobs is not None:
        raise BadInput("choose --jobs (this machine) or --ray (a cluster), not both")
    runner: Runner
    if args.ray is not None:
        from studio.batch.cluster import RayRunner

        runner = RayRunner(registry, args.ray)
    else:
        runner = LocalRunner(registry, args.jobs or default_jobs())
    progress = progress_for(args.json)
    history, warnings = open_history(not args.no_history)
    for warning in warnings:
        print(f"warning: {printable(warning)}", file=sys.stderr)
    try:
        ledger = run_batch(registry, args.file, args.output, runner, progress, history)
    except BadLines as exc:
        for line in exc.lines():
            print(f"error: {printable(line)}", file=sys.stderr)
        return 2
    except NoWorkers as exc:  # the lines left stay pending in batch.json
        print(f"error: {printable(exc)}", file=sys.stderr)
        return 1
    finally:
        if history is not None:
            history.close()
    summary = ledger.summary()
    failures = ledger.failures()
    if args.json:
        print(printable_json(json.dumps({"event": "end", **summary}, ensure_ascii=False)))
    else:
        print(
            f"{summary['done']} made, {summary['skipped']} already done, "
            f"{summary['failed']} failed; {printable(ledger.path)} ({summary['seconds']:.1f} s)"
        )
    for row in failures:
        print(printable(f"failed: line {row.line} {row.file}: {row.error}"), file=sys.stderr)
    return 1 if failures else 0
