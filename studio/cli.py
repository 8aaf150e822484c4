"""The ``studio`` command (DESIGN §6): headless generation, sweeps, inspect, and the GUI.

Exit status: 0 on success, 2 on bad input (one line naming the problem, no traceback),
1 when a generation fails, 130 when interrupted. ``STUDIO_DEBUG=1`` adds tracebacks.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from studio.emotion import DEFAULT_INTENSITY, Condition, Trajectory, check_mixture
from studio.emotion.blending import check_unit
from studio.emotion.condition import parse_json
from studio.errors import BadInput, GenerationFailed
from studio.library.atomic import ExportError

KINDS = ("image", "talking-head", "speech", "music")
# Kind options map onto params fields of the same name (dashes → underscores); a generator
# whose params model lacks the field rejects the option with a clear message.
KIND_OPTIONS = (
    "text",
    "audio",
    "prompt",
    "duration",
    "size",
    "input",
    "fps",
    "character",
    "voice",
    "style",
    "sample_rate",
    "key",
    "tempo",
    "instrumentation",
    "strength",
    "model",
    "steps",
    "guidance",
)
MAX_GRID = 32


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


def _generation_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--backend", help="backend name (default: the generator's default)")
    p.add_argument("--json", action="store_true", help="print a JSON result record")
    p.add_argument("--no-history", action="store_true", help="do not record in the history")
    g = p.add_argument_group("generator options (each generator takes some of these)")
    for name in KIND_OPTIONS:
        g.add_argument(f"--{name.replace('_', '-')}", dest=f"opt_{name}", metavar="VALUE")
    g.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="any other generator parameter (VALUE parsed as JSON if it can be)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="studio", description="Make media that carries a chosen emotion.")
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
    _generation_options(gen)
    sweep = sub.add_parser("sweep", help="an N×N valence–arousal grid of files")
    sweep.add_argument("kind")
    sweep.add_argument("--grid", type=int, required=True, metavar="N")
    sweep.add_argument("-o", "--output", type=Path, required=True, metavar="DIR")
    sweep.add_argument("--ext", help="file extension (default: the generator's first)")
    _emotion_options(sweep)
    _generation_options(sweep)
    ins = sub.add_parser("inspect", help="the condition embedded in an exported file")
    ins.add_argument("file", type=Path)
    ins.add_argument("--json", action="store_true")
    gui = sub.add_parser("gui", help="open the studio window")
    gui.add_argument("--smoke-test", type=Path, metavar="OUT_DIR")
    return parser


# -- resolving the emotional state -----------------------------------------------------------
def parse_mixture(text: str) -> dict[str, float]:
    """``joy:0.6,trust:0.4`` (or ``joy``) → weights, normalised to sum 1."""
    weights: dict[str, float] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, _, raw = part.partition(":")
        key = name.strip().lower()
        try:
            value = float(raw) if raw.strip() else 1.0
        except ValueError:
            raise BadInput(f"emotion: weight of {key!r} is not a number: {raw!r}") from None
        if key in weights:
            raise BadInput(f"emotion: {key!r} is given twice")
        weights[key] = value
    if not weights:
        raise BadInput("emotion: empty mixture")
    return check_mixture(weights, normalise=True)


def _read_json_file(path: Path, what: str) -> Any:
    try:
        text = path.read_bytes()
    except FileNotFoundError:
        raise BadInput(f"{what}: no such file: {path}") from None
    except OSError as exc:
        raise BadInput(f"{what}: cannot read {path}: {exc.strerror}") from None
    return parse_json(text, f"{what} file {path}")


def _state_file(path: Path, want: str) -> Any:
    """The ``condition`` or ``trajectory`` dict a file holds: a plain condition/trajectory
    JSON, a sidecar or ``--json`` result record, or any file the studio exported."""
    if path.suffix.lower() == ".json":
        data = _read_json_file(path, want)
        if not (isinstance(data, dict) and ("condition" in data or "trajectory" in data)):
            return data  # a bare condition or trajectory document
        state = data
    else:
        if not path.exists():
            raise BadInput(f"{want}: no such file: {path}")
        from studio.library.export import read_state

        state = read_state(path)
    if want not in state:
        other = "--trajectory" if want == "condition" else "--condition"
        raise BadInput(f"{want}: {path} holds no {want}; try {other}")
    return state[want]


def resolve_state(args: argparse.Namespace) -> Condition | Trajectory:
    """The one emotional state the options describe."""
    ways = {
        "--valence/--arousal": args.valence is not None or args.arousal is not None,
        "--emotion": args.emotion is not None,
        "--word": args.word is not None,
        "--condition": args.condition is not None,
        "--trajectory": args.trajectory is not None,
    }
    chosen = [k for k, v in ways.items() if v]
    if len(chosen) > 1:
        raise BadInput(f"choose one way to give the emotion, got {' and '.join(chosen)}")
    way = chosen[0] if chosen else None
    if way == "--trajectory":
        if args.intensity is not None or args.dominance is not None:
            raise BadInput("--intensity/--dominance cannot modify a --trajectory")
        return Trajectory.from_dict(_state_file(args.trajectory, "trajectory"))
    if way == "--valence/--arousal" or way is None:
        if way is None and args.intensity is not None:
            raise BadInput("intensity: needs an emotion (--emotion, --word or a VAD point)")
        cond = Condition.from_vad(
            0.0 if args.valence is None else args.valence,
            0.0 if args.arousal is None else args.arousal,
            0.0 if args.dominance is None else args.dominance,
        )
        return cond if args.intensity is None else cond.with_intensity(args.intensity)
    if way == "--emotion":
        cond = Condition.from_mixture(
            parse_mixture(args.emotion),
            DEFAULT_INTENSITY if args.intensity is None else args.intensity,
        )
    elif way == "--word":
        from studio.emotion.lexicon import lookup

        cond = lookup(args.word).condition()
        if args.intensity is not None:
            cond = cond.with_intensity(args.intensity)
    else:
        cond = Condition.from_dict(_state_file(args.condition, "condition"))
        if args.intensity is not None:
            cond = cond.with_intensity(args.intensity)
    if args.dominance is not None:
        d = check_unit("dominance", args.dominance)
        cond = Condition(
            cond.valence,
            cond.arousal,
            d,
            mixture=cond.mixture,
            intensity=cond.intensity,
            label=cond.label,
        )
    return cond


# -- commands -------------------------------------------------------------------------------
def cmd_condition(args: argparse.Namespace) -> int:
    state = resolve_state(args)
    if isinstance(state, Trajectory):
        raise BadInput("condition: give a single emotion, not a trajectory")
    if args.json:
        print(state.to_json())
        return 0
    title = state.title
    mix = ", ".join(f"{k} {w:.2f}" for k, w in sorted(state.mixture.items(), key=lambda kv: -kv[1]))
    print(title)
    print(
        f"  valence {state.valence:+.3f}  arousal {state.arousal:+.3f}  "
        f"dominance {state.dominance:+.3f}"
    )
    print(f"  intensity {state.intensity:.2f}")
    print(f"  mixture {mix or '(none)'}")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from studio.emotion import json_schema

    print(json.dumps(json_schema(), indent=2, ensure_ascii=False))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from studio.plugins import PluginError, Registry

    registry = Registry()
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


def cmd_inspect(args: argparse.Namespace) -> int:
    from studio.library.export import read_state

    if not args.file.exists():
        raise BadInput(f"inspect: no such file: {args.file}")
    state = read_state(args.file)
    if not isinstance(state, dict) or not ("condition" in state or "trajectory" in state):
        raise BadInput(f"inspect: no emotion state in {args.file}")
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
    if args.json:
        print(json.dumps(state, ensure_ascii=False))
        return 0
    print(line)
    for key in ("generator", "backend", "seed"):
        if key in state:
            print(f"{key}: {state[key]}")
    if state.get("params"):
        print("params: " + json.dumps(state["params"], ensure_ascii=False))
    return 0


def cmd_gui(args: argparse.Namespace) -> int:
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


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(argv)
        if args.command in (None, "gui"):
            return cmd_gui(args)
        from studio import headless

        handlers = {
            "condition": cmd_condition,
            "schema": cmd_schema,
            "list": cmd_list,
            "inspect": cmd_inspect,
            "generate": headless.cmd_generate,
            "sweep": headless.cmd_sweep,
        }
        return handlers[args.command](args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `studio … --json | head`: the reader left; the file was already written.
        # Point stdout at devnull so the interpreter's final flush does not complain.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except GenerationFailed as exc:
        if os.environ.get("STUDIO_DEBUG"):
            raise
        print(f"error: generation failed: {_one_line(exc)}", file=sys.stderr)
        return 1
    except (ValueError, FileNotFoundError, FileExistsError, ExportError) as exc:
        if os.environ.get("STUDIO_DEBUG"):
            raise
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except Exception as exc:  # the funnel for anything else: one readable line
        if os.environ.get("STUDIO_DEBUG"):
            raise
        print(f"error: {type(exc).__name__}: {_one_line(exc)}", file=sys.stderr)
        return 1


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


if __name__ == "__main__":
    sys.exit(main())
