"""Reading a batch file: JSON Lines or CSV with a header, one request a line.

A line's keys are ``studio generate``'s long option names without the dashes (``valence``,
``emotion``, ``word``, ``condition``, ``trajectory``, ``seed``, ``backend``, ``text``,
``prompt``, ``size``, ``sample-rate`` …) plus ``kind`` and ``out``. Every line is resolved by
:mod:`studio.options` and checked by its generator before any work starts; the problems of
all bad lines are collected, each with its line number.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from studio.emotion import Condition, Trajectory
from studio.errors import BadInput
from studio.options import KIND_OPTIONS, EmotionOptions, collect_params, resolve_state
from studio.plugins import Registry, Request

NUMBER_KEYS = ("valence", "arousal", "dominance", "intensity")
TEXT_KEYS = ("emotion", "word", "backend")
STATE_KEYS = ("condition", "trajectory")
# Spellings a line may use for a kind option: the option name (``sample-rate``) and the
# params field (``sample_rate``).
_KIND_KEYS = {**{n: n for n in KIND_OPTIONS}, **{n.replace("_", "-"): n for n in KIND_OPTIONS}}
KNOWN_KEYS = frozenset(
    {"kind", "out", "seed", "param", *NUMBER_KEYS, *TEXT_KEYS, *STATE_KEYS, *_KIND_KEYS}
)


@dataclass(frozen=True)
class Line:
    """One validated line: where it came from, its output (relative to the batch folder),
    the request it makes and whether it wants a GPU."""

    number: int
    out: str
    request: Request
    gpu: bool = False


class BadLines(BadInput):
    """Some lines cannot run; ``problems`` holds ``(line number, message)`` for each."""

    def __init__(self, source: Path, problems: list[tuple[int, str]]) -> None:
        self.source = source
        self.problems = problems
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{source}:{first[0]}: {first[1]}{more}")

    def lines(self) -> list[str]:
        return [f"{self.source}:{n}: {message}" for n, message in self.problems]


# Backends whose lines ask a cluster for a GPU: (generator id, backend name).
GPU_BACKENDS = frozenset({("image", "diffusers")})


def read_records(path: Path) -> Iterator[tuple[int, Any]]:
    """``(line number, record)`` for every non-blank line; a line that is not a JSON object
    (or a CSV row with extra cells) comes back as the ``BadInput`` that describes it."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BadInput(f"batch: no such file: {path}") from None
    except IsADirectoryError:
        raise BadInput(f"batch: {path} is a folder, not a batch file") from None
    except UnicodeDecodeError as exc:
        raise BadInput(f"batch: {path} is not UTF-8 text: {exc.reason}") from None
    except OSError as exc:
        raise BadInput(f"batch: cannot read {path}: {exc.strerror}") from None
    if path.suffix.lower() == ".csv":
        yield from _csv_records(text)
        return
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except json.JSONDecodeError as exc:
            yield number, BadInput(f"not JSON: {exc.msg} at column {exc.colno}")
            continue
        if not isinstance(record, dict):
            yield number, BadInput(f"expected a JSON object, got {type(record).__name__}")
            continue
        yield number, record


def _csv_records(text: str) -> Iterator[tuple[int, Any]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not reader.fieldnames:
        return
    for row in reader:
        number = reader.line_num
        if None in row:
            yield (
                number,
                BadInput(
                    f"{len(row[None]) + len(reader.fieldnames)} cells, header has "
                    f"{len(reader.fieldnames)}"
                ),
            )
            continue
        # An empty cell is an option not given.
        yield number, {k.strip(): v for k, v in row.items() if v is not None and v.strip() != ""}


def _number(key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise BadInput(f"{key}: expected a number, got {json.dumps(value)}")
    try:
        return float(value)
    except ValueError:
        raise BadInput(f"{key}: expected a number, got {value!r}") from None


def _text(key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise BadInput(f"{key}: expected text, got {json.dumps(value)}")
    return value


def _option_text(key: str, value: Any) -> str:
    """A kind option as the command would receive it: text (numbers written as JSON)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    raise BadInput(f"{key}: expected text or a number, got {json.dumps(value)[:40]}")


def _seed(value: Any) -> int:
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadInput(f"seed: expected an integer, got {json.dumps(value)}")
    return value


def _param_items(value: Any) -> list[str]:
    """``param``: an object ``{"key": value}`` (or, in CSV, that object as JSON text)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise BadInput('param: expected an object such as {"steps": 4}') from None
    if not isinstance(value, dict):
        raise BadInput('param: expected an object such as {"steps": 4}')
    return [f"{k}={json.dumps(v)}" for k, v in value.items()]


def _out_path(value: Any) -> str:
    out = _text("out", value).strip()
    pure = PurePosixPath(out.replace("\\", "/"))
    if not out or pure.is_absolute() or ".." in pure.parts or pure.name in ("", "."):
        raise BadInput(f"out: expected a file name inside the batch folder, got {out!r}")
    return str(pure)


class _Resolver:
    """Turns records into lines with :mod:`studio.options`; inline condition/trajectory
    objects are handed to it as files in a private folder, exactly as ``--condition``."""

    def __init__(self, registry: Registry, source: Path, out_dir: Path) -> None:
        self.registry = registry
        self.base = source.parent
        self.out_dir = out_dir
        self._tmp = tempfile.TemporaryDirectory(prefix="studio-batch-")
        self._inline = 0

    def close(self) -> None:
        self._tmp.cleanup()

    def _state_path(self, key: str, value: Any) -> Path:
        if isinstance(value, str):
            path = Path(value).expanduser()
            return path if path.is_absolute() else self.base / path
        if not isinstance(value, dict):
            raise BadInput(f"{key}: expected an object or a file path")
        # Parse here so an error names the field, not the private file.
        (Condition if key == "condition" else Trajectory).from_dict(value)
        self._inline += 1
        path = Path(self._tmp.name) / f"{key}_{self._inline}.json"
        path.write_text(json.dumps(value), encoding="utf-8")
        return path

    def _beside(self, name: str, value: str) -> str:
        """A relative path in a file-valued option reads from the batch file's folder (a
        ``model`` only when it is there: it may also be a Hugging Face cache id)."""
        if name not in ("input", "audio", "model"):
            return value
        path = Path(value).expanduser()
        if path.is_absolute() or (name == "model" and not (self.base / path).exists()):
            return str(path)
        return str(self.base / path)

    def line(self, number: int, record: Mapping[str, Any]) -> Line:
        unknown = sorted(set(record) - KNOWN_KEYS)
        if unknown:
            raise BadInput(f"unknown key {unknown[0]!r} (keys are studio generate's options)")
        if "kind" not in record:
            raise BadInput("kind: missing (image, speech, music, talking-head …)")
        gen = self.registry.get(_text("kind", record["kind"]))
        numbers = {k: _number(k, record[k]) for k in NUMBER_KEYS if k in record}
        texts = {k: _text(k, record[k]) for k in TEXT_KEYS if k in record}
        states = {k: self._state_path(k, record[k]) for k in STATE_KEYS if k in record}
        state = resolve_state(
            EmotionOptions(
                valence=numbers.get("valence"),
                arousal=numbers.get("arousal"),
                dominance=numbers.get("dominance"),
                intensity=numbers.get("intensity"),
                emotion=texts.get("emotion"),
                word=texts.get("word"),
                condition=states.get("condition"),
                trajectory=states.get("trajectory"),
            )
        )
        kind_options: dict[str, object] = {}
        for key, value in record.items():
            if key in _KIND_KEYS:
                name = _KIND_KEYS[key]
                if name in kind_options:
                    raise BadInput(f"{key}: given twice")
                kind_options[name] = _option_text(key, value)
                kind_options[name] = self._beside(name, str(kind_options[name]))
        params = collect_params(gen, kind_options, _param_items(record.get("param", {})))
        out = _out_path(record["out"]) if "out" in record else f"{gen.id}_{number:04d}"
        if "out" not in record:
            out += gen.extensions[0]
        output = self.out_dir / out
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BadInput(f"out: cannot create folder {output.parent}: {exc.strerror}") from None
        request = Request(
            generator=gen.id,
            output=output,
            condition=state if isinstance(state, Condition) else None,
            trajectory=state if isinstance(state, Trajectory) else None,
            params=params,
            seed=_seed(record.get("seed", 0)),
            backend=texts.get("backend"),
        )
        try:
            _, backend = gen.check_request(request)
        except ValueError as exc:
            raise BadInput(str(exc)) from exc
        return Line(number, out, request, gpu=(gen.id, backend.name) in GPU_BACKENDS)


def read_lines(registry: Registry, source: Path, out_dir: Path) -> list[Line]:
    """Every line of ``source``, validated; raises :class:`BadLines` listing each bad one."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInput(f"output: cannot create folder {out_dir}: {exc.strerror}") from None
    resolver = _Resolver(registry, source, out_dir)
    lines: list[Line] = []
    problems: list[tuple[int, str]] = []
    owners: dict[str, int] = {}
    try:
        for number, record in read_records(source):
            try:
                if isinstance(record, Exception):
                    raise record
                line = resolver.line(number, record)
            except (ValueError, FileNotFoundError) as exc:  # BadInput and the schema's errors
                problems.append((number, " ".join(str(exc).split()) or type(exc).__name__))
                continue
            key = line.out.casefold()
            if key in owners:
                problems.append((number, f"out: {line.out!r} is also line {owners[key]}'s"))
                continue
            owners[key] = number
            lines.append(line)
    finally:
        resolver.close()
    if problems:
        raise BadLines(source, problems)
    if not lines:
        raise BadInput(f"batch: {source} has no lines")
    return lines
