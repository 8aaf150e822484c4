"""The ``studio`` command (DESIGN §6): argparse and printing only.

Options are resolved by :mod:`studio.options`, generations run through :mod:`studio.session`
(sweeps through :mod:`studio.sweep`); ``main`` builds the plugin registry unless given one.

Exit status: 0 on success, 2 on bad input (one line naming the problem, no traceback),
1 when a generation fails, 130 / 143 on SIGINT / SIGTERM (temp files removed first).
Everything printed that came from a file goes through :func:`studio.errors.printable`;
every failure through :func:`studio.errors.classify`. ``STUDIO_DEBUG=1`` adds tracebacks.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

from studio import __version__, session, sweep
from studio.emotion import Condition, Trajectory
from studio.errors import BadInput, Interrupted, classify, printable, printable_json
from studio.library.atomic import Staging
from studio.library.history import History
from studio.library.inputs import check_regular
from studio.options import (
    KIND_OPTIONS,
    MAX_GRID,
    EmotionOptions,
    collect_params,
    resolve_state,
)
from studio.plugins import PluginError, ProgressCallback, Registry, Request, no_progress
from studio.session import Result

KINDS = ("image", "talking-head", "speech", "music")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise BadInput(message)


# -- building the parser ---------------------------------------------------------------------
def _emotion_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("emotion (choose one way; none means neutral)")
    g.add_argument("--valence", type=float, metavar="V", help="valence in [-1, 1]")
    g.add_argument("--arousal", type=float, metavar="A", help="arousal in [-1, 1]")
    g.add_argument("--dominance", type=float, metavar="D", help="dominance in [-1, 1]")
    g.add_argument("--emotion", metavar="MIX", help="a mixture, e.g. joy:0.6,trust:0.4 or joy")
    g.add_argument("--intensity", type=float, metavar="I", help="intensity in [0, 1]")
    g.add_argument("--word", help="an emotion word from the lexicon, e.g. melancholy")
    g.add_argument(
        "--condition",
        type=Path,
        metavar="FILE",
        help="a condition .json, or any file exported by the studio",
    )
    g.add_argument("--trajectory", type=Path, metavar="FILE", help="a trajectory .json")


def option_help(registry: Registry) -> dict[str, str]:
    """Help for each generator option, from the installed generators' params models (which
    generator takes it, and its description): read only when help is asked for, so a plain
    command does not import every plugin."""
    said: dict[str, list[str]] = {}
    for gen_id, gen in sorted(registry.load_all().items()):
        fields = gen.params_model.model_fields
        for name in KIND_OPTIONS:
            if name in fields:
                said.setdefault(name, []).append(f"{gen_id}: {fields[name].description or name}")
    return {name: "; ".join(lines).replace("%", "%%") for name, lines in said.items()}


def _generation_options(p: argparse.ArgumentParser, helps: dict[str, str] | None = None) -> None:
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--backend", help="backend name (default: the generator's default)")
    p.add_argument("--json", action="store_true", help="print a JSON result record")
    p.add_argument("--no-history", action="store_true", help="do not record in the history")
    g = p.add_argument_group("generator options (each generator takes some of these)")
    for name in KIND_OPTIONS:
        g.add_argument(
            f"--{name.replace('_', '-')}",
            dest=f"opt_{name}",
            metavar="VALUE",
            help=(helps or {}).get(name),
        )
    g.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="any other generator parameter (VALUE parsed as JSON if it can be)",
    )


def build_parser(helps: dict[str, str] | None = None) -> argparse.ArgumentParser:
    """The command's parser; ``helps`` documents the generator options (see option_help)."""
    parser = _Parser(prog="studio", description="Make media that carries a chosen emotion.")
    parser.add_argument("--version", action="version", version=f"studio {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    lst = sub.add_parser("list", help="generators and backends, with availability")
    lst.add_argument("--json", action="store_true")
    sub.add_parser("schema", help="JSON Schema of the condition")
    cond = sub.add_parser("condition", help="resolve an emotion: name, VAD, mixture, intensity")
    _emotion_options(cond)
    cond.add_argument("--json", action="store_true")
    gen = sub.add_parser("generate", help="generate one file")
    gen.add_argument("kind", help=f"one of {', '.join(KINDS)} (or a plugin's id)")
    gen.add_argument("-o", "--output", type=Path, required=True, help="output file")
    _emotion_options(gen)
    _generation_options(gen, helps)
    sweep = sub.add_parser("sweep", help="an N×N valence–arousal grid of files")
    sweep.add_argument("kind", help=f"one of {', '.join(KINDS)} (or a plugin's id)")
    sweep.add_argument(
        "--grid", type=int, required=True, metavar="N", help=f"N×N points, 2 to {MAX_GRID}"
    )
    sweep.add_argument(
        "-o", "--output", type=Path, required=True, metavar="DIR", help="folder for the files"
    )
    sweep.add_argument("--ext", help="file extension (default: the generator's first)")
    # The sweep sets valence and arousal itself: only dominance can be held.
    sweep.add_argument(
        "--dominance", type=float, metavar="D", help="dominance of every point, in [-1, 1]"
    )
    _generation_options(sweep, helps)
    from studio.batch.command import add_arguments as batch_arguments

    batch_arguments(sub.add_parser("batch", help="many files from a JSON Lines or CSV file"))
    ins = sub.add_parser("inspect", help="the condition embedded in an exported file")
    ins.add_argument("file", type=Path)
    ins.add_argument("--json", action="store_true")
    gui = sub.add_parser("gui", help="open the studio window")
    gui.add_argument("--smoke-test", type=Path, metavar="OUT_DIR")
    return parser


# -- from parsed options to plain values ------------------------------------------------------
def emotion_options(args: argparse.Namespace) -> EmotionOptions:
    return EmotionOptions(
        valence=args.valence,
        arousal=args.arousal,
        dominance=args.dominance,
        emotion=args.emotion,
        intensity=args.intensity,
        word=args.word,
        condition=args.condition,
        trajectory=args.trajectory,
    )


def kind_options(args: argparse.Namespace) -> dict[str, object]:
    return {name: getattr(args, f"opt_{name}", None) for name in KIND_OPTIONS}


def progress_printer(label: str) -> ProgressCallback:
    if not sys.stderr.isatty():
        return no_progress

    def report(fraction: float, message: str = "", preview: Path | None = None) -> None:
        print(f"\r{label}: {fraction:4.0%} {message[:50]:<50}", end="", file=sys.stderr)
        if fraction >= 1.0:
            print(file=sys.stderr)

    return report


def print_warnings(result: Result) -> None:
    for warning in result.warnings:
        print(f"warning: {printable(warning)}", file=sys.stderr)


def open_history(args: argparse.Namespace) -> History | None:
    """The history to record into, or ``None`` (``--no-history``, or it cannot be opened)."""
    history, warnings = session.open_history(not args.no_history)
    for warning in warnings:
        print(f"warning: {printable(warning)}", file=sys.stderr)
    return history


# -- commands -------------------------------------------------------------------------------
def cmd_condition(args: argparse.Namespace, registry: Registry) -> int:
    state = resolve_state(emotion_options(args))
    if isinstance(state, Trajectory):
        raise BadInput("condition: give a single emotion, not a trajectory")
    if args.json:
        print(printable_json(state.to_json()))
        return 0
    title = printable(state.title)
    mix = ", ".join(f"{k} {w:.2f}" for k, w in sorted(state.mixture.items(), key=lambda kv: -kv[1]))
    print(title)
    print(
        f"  valence {state.valence:+.3f}  arousal {state.arousal:+.3f}  "
        f"dominance {state.dominance:+.3f}"
    )
    print(f"  intensity {state.intensity:.2f}")
    print(f"  mixture {mix or '(none)'}")
    return 0


def cmd_schema(args: argparse.Namespace, registry: Registry) -> int:
    from studio.emotion import json_schema

    print(json.dumps(json_schema(), indent=2, ensure_ascii=False))
    return 0


def cmd_list(args: argparse.Namespace, registry: Registry) -> int:
    described = []
    for name, gen in sorted(registry.load_all().items()):
        try:
            described.append(gen.describe())
        except Exception as exc:  # foreign plugin code: report it, list the others
            registry.errors.append(PluginError(name, type(gen).__module__, f"describe: {exc}"))
    errors = [str(e) for e in registry.errors]
    if args.json:
        print(json.dumps({"generators": described, "errors": errors}, ensure_ascii=False))
        return 0
    if not described:
        print("no generators installed")
    for d in described:
        print(f"{d['id']:<14} {d['name']} ({d['media_type']}; {', '.join(d['extensions'])})")
        for b in d["backends"]:
            mark = "ok " if b["available"] else "-- "
            why = f"  [{b['reason']}]" if not b["available"] else ""
            default = " (default)" if b["default"] else ""
            print(f"    {mark}{b['name']}{default}: {b['description']}{why}")
    for e in errors:
        print(f"warning: {e}", file=sys.stderr)
    return 0


def _tagged(state: Any) -> list[dict[str, Any]]:
    """The stretches whose emotion an inline tag set (``[joy] …``), as the speech plugin
    records them under ``speech.segments``; anything malformed is left out."""
    speech = state.get("speech") if isinstance(state, dict) else None
    segments = speech.get("segments") if isinstance(speech, dict) else None
    if not isinstance(segments, list):
        return []
    out = []
    for seg in segments:
        if not (isinstance(seg, dict) and seg.get("tagged")):
            continue
        try:
            condition = Condition.from_dict(seg["condition"])
            start, end = float(seg["start"]), float(seg["end"])
        except (KeyError, TypeError, ValueError):
            continue
        out.append({"start": start, "end": end, "condition": condition.to_dict()})
    return out


def tagged_stretches(state: Any) -> list[str]:
    """One line per tagged stretch: ``  0.00–1.90 s  joy (intensity 0.60)``."""
    lines = []
    for seg in _tagged(state):
        c = Condition.from_dict(seg["condition"])
        lines.append(
            f"  {seg['start']:.2f}–{seg['end']:.2f} s  {c.title} (intensity {c.intensity:.2f})"
        )
    return ["tagged in the text:", *lines] if lines else []


def cmd_inspect(args: argparse.Namespace, registry: Registry) -> int:
    from studio.library.export import read_state

    check_regular(args.file, "inspect")  # missing, a FIFO, a device: refused unopened
    state = read_state(args.file)
    if not isinstance(state, dict) or not ("condition" in state or "trajectory" in state):
        raise BadInput(f"inspect: no emotion state in {printable(args.file)}")
    # Parse what was stored, so what is shown is a valid state with its derived name.
    if "condition" in state:
        c = Condition.from_dict(state["condition"])
        state = {**state, "condition": c.to_dict()}
        line = (
            f"{c.name}: valence {c.valence:+.3f}  arousal {c.arousal:+.3f}  "
            f"dominance {c.dominance:+.3f}  intensity {c.intensity:.2f}"
        )
    else:
        arc = Trajectory.from_dict(state["trajectory"])
        state = {**state, "trajectory": arc.to_dict()}
        names = " → ".join(kf.condition.name for kf in arc.keyframes)
        line = f"trajectory over {arc.end - arc.start:g} s: {names}"
    # Everything printed below came from the file: through the one sanitiser.
    if args.json:
        print(printable_json(json.dumps(state, ensure_ascii=False)))
        return 0
    print(printable(line))
    for stretch in tagged_stretches(state):
        print(printable(stretch))
    for key in ("generator", "backend", "seed"):
        if key in state:
            print(f"{key}: {printable(state[key], 200)}")
    if state.get("params"):
        print("params: " + printable(json.dumps(state["params"], ensure_ascii=False), 2000))
    return 0


def cmd_generate(args: argparse.Namespace, registry: Registry) -> int:
    state = resolve_state(emotion_options(args))
    params = collect_params(registry.get(args.kind), kind_options(args), args.param)
    request = Request(
        generator=args.kind,
        output=args.output,
        condition=state if isinstance(state, Condition) else None,
        trajectory=state if isinstance(state, Trajectory) else None,
        params=params,
        seed=args.seed,
        backend=args.backend,
    )
    history = open_history(args)
    try:
        result = session.generate(
            registry, request, history=history, progress=progress_printer(args.output.name)
        )
    finally:
        if history is not None:
            history.close()
    print_warnings(result)
    if args.json:
        print(printable_json(json.dumps(result.record(), ensure_ascii=False)))
    else:
        name = state.title if isinstance(state, Condition) else "trajectory"
        tags = [s["condition"]["name"] for s in _tagged(result.artifact.metadata)]
        if tags:
            name += ", tagged " + " → ".join(tags)
        print(
            f"wrote {printable(result.artifact.path)} ({printable(name)}, {result.seconds:.2f} s)"
        )
    return 0


def cmd_sweep(args: argparse.Namespace, registry: Registry) -> int:
    planned = sweep.plan(
        registry,
        args.kind,
        args.grid,
        args.output,
        emotion=EmotionOptions(dominance=args.dominance),
        ext=args.ext,
        kind_options=kind_options(args),
        param_items=args.param,
        seed=args.seed,
        backend=args.backend,
    )
    history = open_history(args)
    try:
        done = sweep.run(
            registry,
            planned,
            history=history,
            progress_for=lambda path: progress_printer(path.name),
            on_result=print_warnings,
        )
    finally:
        if history is not None:
            history.close()
    if args.json:
        print(
            json.dumps(
                {"dir": str(done.dir), "files": done.rows, "seconds": round(done.seconds, 3)}
            )
        )
    else:
        print(f"wrote {len(done.rows)} files and sweep.json to {done.dir} ({done.seconds:.1f} s)")
    return 0


def cmd_batch(args: argparse.Namespace, registry: Registry) -> int:
    from studio.batch.command import main as batch_main

    return batch_main(args, registry)


def cmd_gui(args: argparse.Namespace, registry: Registry | None = None) -> int:
    try:
        from studio.ui.app import run  # type: ignore[import-not-found]
    except ImportError as exc:
        print(
            f"error: the studio window is not available in this build ({exc}); "
            "use the headless commands (studio --help)",
            file=sys.stderr,
        )
        return 1
    return int(run(smoke_test=getattr(args, "smoke_test", None)))


def main(argv: Sequence[str] | None = None, registry: Registry | None = None) -> int:
    """Run the command; ``registry`` is the installed generators unless one is given."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        wants_help = any(a in ("-h", "--help") for a in argv)
        helps = option_help(registry or Registry()) if wants_help else None
        args = build_parser(helps).parse_args(argv)
        if args.command in (None, "gui"):
            return cmd_gui(args)
        handlers = {
            "condition": cmd_condition,
            "schema": cmd_schema,
            "list": cmd_list,
            "inspect": cmd_inspect,
            "generate": cmd_generate,
            "sweep": cmd_sweep,
            "batch": cmd_batch,
        }
        with terminating_signals():
            return handlers[args.command](args, Registry() if registry is None else registry)
    except KeyboardInterrupt as exc:  # Ctrl-C or SIGTERM: temp files are already gone
        Staging.discard_all()
        signame = exc.signame if isinstance(exc, Interrupted) else "SIGINT"
        print(f"interrupted ({signame}); nothing partial was left", file=sys.stderr)
        return 128 + int(getattr(signal, signame, signal.SIGINT))
    except BrokenPipeError:
        # `studio … --json | head`: the reader left; the file was already written.
        # Point stdout at devnull so the interpreter's final flush does not complain.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # the one funnel: exit 2 for bad input, 1 for a failure
        if _received:  # the signal surfaced as another error (e.g. inside an import)
            Staging.discard_all()
            print(f"interrupted ({_received[-1]}); nothing partial was left", file=sys.stderr)
            return 128 + int(getattr(signal, _received[-1]))
        if os.environ.get("STUDIO_DEBUG"):
            raise
        code, message = classify(exc)
        print(f"error: {message}", file=sys.stderr)
        return code


@contextlib.contextmanager
def terminating_signals() -> Iterator[None]:
    """SIGTERM and SIGINT raise :class:`Interrupted` in the main thread, so every temp file
    is removed on the way out; a second signal during that cleanup is ignored."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    names = {signal.SIGTERM: "SIGTERM", signal.SIGINT: "SIGINT"}

    def stop(signum: int, frame: object) -> None:
        for sig in names:
            signal.signal(sig, signal.SIG_IGN)
        _received.append(names[signal.Signals(signum)])
        raise Interrupted(_received[-1])

    _received.clear()
    previous = {sig: signal.signal(sig, stop) for sig in names}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


# Signals received during this command: a C extension interrupted while it initialises turns
# the interrupt into its own error (ImportError), which must still read as an interrupt.
_received: list[str] = []


if __name__ == "__main__":
    sys.exit(main())
