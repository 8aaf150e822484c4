"""Headless generation for the ``studio generate`` and ``studio sweep`` commands.

Runs a generator in-process (a batch run has no UI to keep responsive), embeds the state
that made each file into it, and records the generation in the history.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from studio import session
from studio.cli import KIND_OPTIONS, MAX_GRID, resolve_state
from studio.emotion import Condition, Trajectory
from studio.errors import BadInput
from studio.library.atomic import atomic_write
from studio.library.history import History, HistoryError
from studio.plugins import Generator, Registry, Request
from studio.session import Result


def collect_params(gen: Generator, args: argparse.Namespace) -> dict[str, Any]:
    """Kind options and ``--param KEY=VALUE`` → raw params for the generator's model."""
    fields = gen.params_model.model_fields
    params: dict[str, Any] = {}
    for name in KIND_OPTIONS:
        value = getattr(args, f"opt_{name}", None)
        if value is None:
            continue
        if name not in fields:
            raise BadInput(f"{gen.id} does not take --{name.replace('_', '-')}")
        params[name] = value
    for item in args.param:
        key, sep, raw = item.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not key:
            raise BadInput(f"param: expected KEY=VALUE, got {item!r}")
        if key not in fields:
            raise BadInput(f"{gen.id} has no parameter {key!r} (has {', '.join(fields)})")
        try:
            params[key] = json.loads(raw)
        except json.JSONDecodeError:
            params[key] = raw
    return params


def _progress_printer(label: str) -> Any:
    if not sys.stderr.isatty():
        return lambda fraction, message="", preview=None: None

    def report(fraction: float, message: str = "", preview: Path | None = None) -> None:
        print(f"\r{label}: {fraction:4.0%} {message[:50]:<50}", end="", file=sys.stderr)
        if fraction >= 1.0:
            print(file=sys.stderr)

    return report


def generate_one(
    registry: Registry,
    state: Condition | Trajectory,
    output: Path,
    params: dict[str, Any],
    args: argparse.Namespace,
    history: History | None,
) -> Result:
    """Generate one file through the session; print its warnings."""
    request = Request(
        generator=args.kind,
        output=output,
        condition=state if isinstance(state, Condition) else None,
        trajectory=state if isinstance(state, Trajectory) else None,
        params=params,
        seed=args.seed,
        backend=args.backend,
    )
    result = session.generate(
        registry, request, history=history, progress=_progress_printer(output.name)
    )
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return result


def open_history(args: argparse.Namespace) -> History | None:
    """The history to record into, or ``None`` (``--no-history`` or it cannot be opened:
    the files are what matters, so a history problem is a warning, not a failure)."""
    if args.no_history:
        return None
    try:
        return History()
    except HistoryError as exc:
        print(f"warning: generations will not be recorded: {exc}", file=sys.stderr)
        return None


def cmd_generate(args: argparse.Namespace) -> int:
    state = resolve_state(args)
    registry = Registry()
    params = collect_params(registry.get(args.kind), args)
    history = open_history(args)
    try:
        result = generate_one(registry, state, args.output, params, args, history)
    finally:
        if history is not None:
            history.close()
    if args.json:
        print(json.dumps(result.record(), ensure_ascii=False))
    else:
        name = state.title if isinstance(state, Condition) else "trajectory"
        print(f"wrote {result.artifact.path} ({name}, {result.seconds:.2f} s)")
    return 0


def grid_values(n: int) -> list[float]:
    """``n`` evenly spaced values across [-1, 1] (just 0 for n = 1)."""
    if not 1 <= n <= MAX_GRID:
        raise BadInput(f"grid must be in [1, {MAX_GRID}], got {n}")
    return [0.0] if n == 1 else [round(float(x), 6) for x in np.linspace(-1.0, 1.0, n)]


def cmd_sweep(args: argparse.Namespace) -> int:
    held = [
        opt
        for opt, value in (
            ("--valence", args.valence),
            ("--arousal", args.arousal),
            ("--emotion", args.emotion),
            ("--word", args.word),
            ("--condition", args.condition),
            ("--trajectory", args.trajectory),
            ("--intensity", args.intensity),
        )
        if value is not None
    ]
    if held:
        raise BadInput(f"sweep sets valence and arousal itself; drop {held[0]}")
    values = grid_values(args.grid)
    registry = Registry()
    gen = registry.get(args.kind)
    ext = (args.ext or gen.extensions[0]).lower()
    ext = ext if ext.startswith(".") else f".{ext}"
    if ext not in gen.extensions:
        raise BadInput(f"ext: {gen.id} writes {', '.join(gen.extensions)}, not {ext!r}")
    params = collect_params(gen, args)
    dominance = 0.0 if args.dominance is None else args.dominance
    Condition.from_vad(0.0, 0.0, dominance)  # validates dominance before any work
    out_dir: Path = args.output
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInput(f"output: cannot create folder {out_dir}: {exc.strerror}") from None
    rows: list[dict[str, Any]] = []
    started = time.perf_counter()
    history = open_history(args)
    try:
        for arousal in reversed(values):  # top row first, as the pad shows it
            for valence in values:
                cond = Condition.from_vad(valence, arousal, dominance)
                name = f"{gen.id}_v{valence:+.2f}_a{arousal:+.2f}{ext}"
                generate_one(registry, cond, out_dir / name, params, args, history)
                rows.append(
                    {
                        "file": name,
                        "valence": valence,
                        "arousal": arousal,
                        "dominance": dominance,
                        "name": cond.name,
                    }
                )
    finally:
        if history is not None:
            history.close()
    with atomic_write(out_dir / "sweep.json", "w", encoding="utf-8") as fh:
        fh.write(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
    seconds = time.perf_counter() - started
    if args.json:
        print(json.dumps({"dir": str(out_dir), "files": rows, "seconds": round(seconds, 3)}))
    else:
        print(f"wrote {len(rows)} files and sweep.json to {out_dir} ({seconds:.1f} s)")
    return 0
