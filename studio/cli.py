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
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn

from studio import __version__, session, sweep
from studio.emotion import Condition, Trajectory
from studio.errors import BadInput, Interrupted, classify, printable, printable_json
from studio.library.atomic import Staging
from studio.library.history import History
from studio.library.inputs import check_regular
from studio.options import (
    ARC_CHOICES,
    MAX_GRID,
    EmotionOptions,
    collect_params,
    option_kinds,
    resolve_state,
)
from studio.plugins import PluginError, ProgressCallback, Registry, Request, no_progress
from studio.plugins.roles import Role
from studio.sdk import tagged_segments
from studio.session import Result


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
    """Help for each generator option (which generator takes it, and its description), from
    the installed generators' manifests: no plugin is imported to print it."""
    said: dict[str, list[str]] = {}
    for gen_id, manifest in registry.manifests().items():
        for name in manifest.with_role(Role.OPTION):
            facts = manifest.fields[name]
            said.setdefault(name, []).append(f"{gen_id}: {facts.help or name}")
    return {name: "; ".join(lines).replace("%", "%%") for name, lines in said.items()}


def _generation_options(
    p: argparse.ArgumentParser, options: Mapping[str, bool], helps: dict[str, str] | None = None
) -> None:
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--backend", help="backend name (default: the generator's default)")
    p.add_argument("--json", action="store_true", help="print a JSON result record")
    p.add_argument("--no-history", action="store_true", help="do not record in the history")
    g = p.add_argument_group("generator options (each generator takes some of these)")
    for name, switch in options.items():
        flag, said = f"--{name.replace('_', '-')}", (helps or {}).get(name)
        if switch:  # --music / --no-music; not given: the generator's default
            g.add_argument(
                flag, dest=f"opt_{name}", action=argparse.BooleanOptionalAction, help=said
            )
        else:
            g.add_argument(flag, dest=f"opt_{name}", metavar="VALUE", help=said)
    g.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="any other generator parameter (VALUE parsed as JSON if it can be)",
    )


def build_parser(
    options: Mapping[str, bool] | None = None,
    helps: dict[str, str] | None = None,
    kinds: Sequence[str] = (),
) -> argparse.ArgumentParser:
    """The command's parser: ``options`` are the generator options the installed plugins
    declare, each with whether it is a switch (see :func:`studio.options.option_kinds`),
    ``helps`` documents them (see
    option_help), ``kinds`` are the generator ids (for the help text)."""
    kinds_help = f"one of {', '.join(kinds)}" if kinds else "a generator id (studio list)"
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
    gen.add_argument("kind", help=kinds_help)
    gen.add_argument("-o", "--output", type=Path, required=True, help="output file")
    _emotion_options(gen)
    gen.add_argument(
        "--arc",
        choices=ARC_CHOICES,
        help="auto: an emotion per sentence proposed from the script (a generator that "
        "speaks, or one that proposes its own arc); given: the emotion options only",
    )
    _generation_options(gen, options or {}, helps)
    sweep = sub.add_parser("sweep", help="an N×N valence–arousal grid of files")
    sweep.add_argument("kind", help=kinds_help)
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
    _generation_options(sweep, options or {}, helps)
    from studio.batch.command import add_arguments as batch_arguments

    batch_arguments(sub.add_parser("batch", help="many files from a JSON Lines or CSV file"))
    arc = sub.add_parser("arc", help="the emotional arc proposed from a script, per sentence")
    arc.add_argument("script", type=Path, help="a text file: the script")
    arc.add_argument("-o", "--output", type=Path, help="write the arc as a trajectory .json")
    arc.add_argument("--json", action="store_true", help="print the trajectory JSON")
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
    """The generator options given (``None`` for those not given)."""
    prefix = "opt_"
    return {k.removeprefix(prefix): v for k, v in vars(args).items() if k.startswith(prefix)}


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
    """The stretches whose emotion an inline tag set (``[joy] …``), as a generator records
    them (the speech track's ``segments``); anything malformed is left out."""
    out = []
    for seg in tagged_segments(state):
        try:
            condition = Condition.from_dict(seg["condition"])
            start, end = float(seg["start"]), float(seg["end"])
        except (KeyError, TypeError, ValueError):
            continue
        out.append({"start": start, "end": end, "condition": condition.to_dict()})
    return out


def arc_mapping(state: Any) -> str | None:
    """How a generator laid the arc onto its media (``arc_mapping`` in the metadata):
    ``20 s arc stretched onto 4.28 s``; None when it recorded none."""
    entry = state.get("arc_mapping") if isinstance(state, dict) else None
    if not isinstance(entry, dict):
        return None
    try:
        mode, arc, media = (
            str(entry["mode"]),
            float(entry["arc_seconds"]),
            float(entry["media_seconds"]),
        )
    except (KeyError, TypeError, ValueError):
        return None
    return printable(f"{arc:g} s arc {mode} onto {media:.2f} s", 200)


def tagged_stretches(state: Any) -> list[str]:
    """One line per tagged stretch: ``  0.00–1.90 s  joy (intensity 0.60)``."""
    lines = []
    for seg in _tagged(state):
        c = Condition.from_dict(seg["condition"])
        lines.append(
            f"  {seg['start']:.2f}–{seg['end']:.2f} s  {c.title} (intensity {c.intensity:.2f})"
        )
    return ["tagged in the text:", *lines] if lines else []


def composed_of(state: Any) -> list[str]:
    """A composite generation (a clip): the arc it followed and the parts it was made of,
    as it records them under ``arc`` and ``parts``; anything malformed is left out."""
    lines = []
    try:
        arc = Trajectory.from_dict(state["arc"])
        names = " → ".join(kf.condition.name for kf in arc.keyframes)
        lines.append(f"arc over {arc.end - arc.start:g} s: {names}")
    except (KeyError, TypeError, ValueError):
        pass
    parts = state.get("parts") if isinstance(state, dict) else None
    made = [p for p in parts if isinstance(p, dict)] if isinstance(parts, list) else []
    if made:
        lines.append("parts:")
        lines += [f"  {p.get('role')}: {p.get('file')} ({p.get('generator')})" for p in made]
    return lines


def cmd_arc(args: argparse.Namespace, registry: Registry) -> int:
    from studio.emotion import script_arc
    from studio.library.atomic import atomic_write
    from studio.library.inputs import read_bytes

    raw = read_bytes(args.script, "script", script_arc.MAX_SCRIPT_BYTES)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadInput(f"script: {printable(args.script, 200)} is not UTF-8 text") from None
    props = script_arc.propose(text)
    if not props:
        raise BadInput(f"script: {printable(args.script, 200)} has no sentences to read")
    trajectory = script_arc.trajectory(props)
    if args.output is not None:
        if args.output.suffix.lower() != ".json":
            raise BadInput(f"output: the arc is written as .json, not {args.output.suffix!r}")
        session.check_output(args.output)
        with atomic_write(args.output, "w") as fh:
            fh.write(trajectory.to_json(indent=2))
    if args.json:
        print(printable_json(trajectory.to_json()))
        return 0
    for line in script_arc.describe(props):
        print(printable(line, 400))
    if args.output is not None:
        print(f"wrote {printable(args.output, 200)}")
    return 0


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
    mapped = arc_mapping(state)
    if mapped is not None:
        print(f"arc mapping: {mapped}")
    for stretch in tagged_stretches(state):
        print(printable(stretch))
    for made in composed_of(state):
        print(printable(made, 400))
    for key in ("generator", "backend", "seed"):
        if key in state:
            print(f"{key}: {printable(state[key], 200)}")
    if state.get("params"):
        print("params: " + printable(json.dumps(state["params"], ensure_ascii=False), 2000))
    return 0


def cmd_generate(args: argparse.Namespace, registry: Registry) -> int:
    state = resolve_state(emotion_options(args))
    params = collect_params(registry.get(args.kind), kind_options(args), args.param, arc=args.arc)
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
        mapped = arc_mapping(result.artifact.metadata)
        if mapped is not None:
            name += f", {mapped}"
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
        from studio.ui.app import run  # type: ignore[import-not-found,unused-ignore]
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
        registry = Registry() if registry is None else registry
        wants_help = any(a in ("-h", "--help") for a in argv)
        helps = option_help(registry) if wants_help else None
        kinds = list(registry.manifests()) if wants_help else ()
        args = build_parser(option_kinds(registry), helps, kinds).parse_args(argv)
        if args.command in (None, "gui"):
            return cmd_gui(args)
        handlers = {
            "condition": cmd_condition,
            "schema": cmd_schema,
            "list": cmd_list,
            "inspect": cmd_inspect,
            "arc": cmd_arc,
            "generate": cmd_generate,
            "sweep": cmd_sweep,
            "batch": cmd_batch,
        }
        with terminating_signals():
            return handlers[args.command](args, registry)
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
