"""Reading a batch file: JSON Lines or CSV with a header, one request a line.

A line's keys are ``studio generate``'s long option names without the dashes (``valence``,
``emotion``, ``word``, ``condition``, ``trajectory``, ``seed``, ``backend``, ``text``,
``prompt``, ``size``, ``sample-rate`` …) plus ``kind`` and ``out``. Every line is resolved by
:mod:`studio.options` and checked by its generator before any work starts; the problems of
all bad lines are collected, each with its line number. Validation reads the disk but
writes nothing to it: the batch's folders appear only once every line is valid.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any, Final

from studio import session
from studio.emotion import Condition, Trajectory
from studio.errors import BadInput, printable
from studio.library.inputs import MAX_JSON_DEPTH, json_depth, read_bytes
from studio.options import EmotionOptions, collect_params, option_names, resolve_state
from studio.plugins import Registry, Request
from studio.plugins.roles import Role, roles_of

NUMBER_KEYS = ("valence", "arousal", "dominance", "intensity")
TEXT_KEYS = ("emotion", "word", "backend", "arc")
STATE_KEYS = ("condition", "trajectory")
BASE_KEYS = frozenset({"kind", "out", "seed", "param", *NUMBER_KEYS, *TEXT_KEYS, *STATE_KEYS})


def kind_keys(registry: Registry) -> dict[str, str]:
    """Spellings a line may use for a kind option, mapped to its params field: the option
    name (``sample-rate``) and the field (``sample_rate``), for every installed generator."""
    names = option_names(registry)
    return {**{n: n for n in names}, **{n.replace("_", "-"): n for n in names}}


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


# The most a batch file may hold. A dialogue line is ~200 bytes and an inline trajectory at
# its keyframe limit ~2.5 MB, so 32 MiB is 150 000 lines or a dozen such trajectories; the
# file, its text and its parsed lines then stay well under a gigabyte together.
MAX_BATCH_BYTES: Final = 32 * 2**20


def read_records(path: Path) -> Iterator[tuple[int, Any]]:
    """``(line number, record)`` for every non-blank line; a line that is not a JSON object
    (or a CSV row with extra cells) comes back as the ``BadInput`` that describes it.

    Only a regular file of at most :data:`MAX_BATCH_BYTES` is read (a FIFO or a device is
    refused before anything is read)."""
    data = read_bytes(path, "batch", MAX_BATCH_BYTES)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInput(f"batch: {printable(path, 200)} is not UTF-8 text: {exc.reason}") from None
    del data
    if path.suffix.lower() == ".csv":
        yield from _csv_records(text)
        return
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        # The parser recurses per level: a line of ten thousand brackets is refused first.
        if raw.count("[") + raw.count("{") > MAX_JSON_DEPTH:
            depth = json_depth(raw.encode("utf-8", "surrogatepass"))
            if depth > MAX_JSON_DEPTH:
                yield number, BadInput(f"nested {depth} levels deep; at most {MAX_JSON_DEPTH}")
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
    rows = iter(reader)
    try:
        if not reader.fieldnames:
            return
    except csv.Error as exc:
        yield 1, BadInput(f"not CSV: {exc}")
        return
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except csv.Error as exc:  # a cell past the module's size limit, a NUL …
            yield reader.line_num, BadInput(f"not CSV: {exc}")
            return
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


def _param_values(value: Any) -> dict[str, Any]:
    """``param``: an object ``{"key": value}`` (or, in CSV, that object as JSON text)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise BadInput('param: expected an object such as {"steps": 4}') from None
    if not isinstance(value, dict):
        raise BadInput('param: expected an object such as {"steps": 4}')
    return value


def _out_path(value: Any) -> str:
    out = _text("out", value).strip()
    pure = PurePosixPath(out.replace("\\", "/"))
    if not out or pure.is_absolute() or ".." in pure.parts or pure.name in ("", "."):
        raise BadInput(f"out: expected a file name inside the batch folder, got {out!r}")
    return str(pure)


# ``done(line)``: whether the line's output is already made (it will be skipped).
Done = Callable[[Line], bool]


class _Resolver:
    """Turns records into lines with :mod:`studio.options`; inline condition/trajectory
    objects are parsed into typed values, file names read as ``--condition`` reads them."""

    def __init__(self, registry: Registry, source: Path, out_dir: Path) -> None:
        self.registry = registry
        self.base = source.parent
        self.out_dir = out_dir
        self.kind_keys = kind_keys(registry)
        self.known_keys = BASE_KEYS | set(self.kind_keys)
        # An empty private folder: the stand-in output's place while a line is checked.
        self._tmp = tempfile.TemporaryDirectory(prefix="studio-batch-")
        self._folders: set[Path] = set()  # folders already checked

    def check_out_dir(self) -> None:
        if self.out_dir.exists() and not self.out_dir.is_dir():
            raise BadInput(f"output: {printable(self.out_dir, 200)} is a file, not a folder")
        self._check_folder(self.out_dir, "output")

    def close(self) -> None:
        self._tmp.cleanup()

    def _path(self, key: str, value: Any) -> Path | None:
        """A state given as a file name (relative ones read from the batch file's folder);
        ``None`` for an inline object."""
        if isinstance(value, str):
            path = Path(value).expanduser()
            return path if path.is_absolute() else self.base / path
        if not isinstance(value, dict):
            raise BadInput(f"{key}: expected an object or a file path")
        return None

    def _condition(self, record: Mapping[str, Any]) -> Path | Condition | None:
        if "condition" not in record:
            return None
        path = self._path("condition", record["condition"])
        return path or Condition.from_dict(record["condition"])  # an error names the field

    def _trajectory(self, record: Mapping[str, Any]) -> Path | Trajectory | None:
        if "trajectory" not in record:
            return None
        path = self._path("trajectory", record["trajectory"])
        return path or Trajectory.from_dict(record["trajectory"])

    def _beside(self, roles: frozenset[Role], value: str) -> str:
        """A relative path in a file-valued option reads from the batch file's folder (a
        model reference only when it is there: it may also be a name or a cache id)."""
        if not roles & {Role.INPUT_FILE, Role.MODEL_REF}:
            return value
        path = Path(value).expanduser()
        if path.is_absolute() or (Role.INPUT_FILE not in roles and not (self.base / path).exists()):
            return str(path)
        return str(self.base / path)

    def line(self, number: int, record: Mapping[str, Any]) -> Line:
        unknown = sorted(set(record) - self.known_keys)
        if unknown:
            raise BadInput(f"unknown key {unknown[0]!r} (keys are studio generate's options)")
        if "kind" not in record:
            raise BadInput("kind: missing (image, speech, music, talking-head …)")
        gen = self.registry.get(_text("kind", record["kind"]))
        numbers = {k: _number(k, record[k]) for k in NUMBER_KEYS if k in record}
        texts = {k: _text(k, record[k]) for k in TEXT_KEYS if k in record}
        state = resolve_state(
            EmotionOptions(
                valence=numbers.get("valence"),
                arousal=numbers.get("arousal"),
                dominance=numbers.get("dominance"),
                intensity=numbers.get("intensity"),
                emotion=texts.get("emotion"),
                word=texts.get("word"),
                condition=self._condition(record),
                trajectory=self._trajectory(record),
            )
        )
        roles = {name: roles_of(f) for name, f in gen.params_model.model_fields.items()}
        kind_options: dict[str, object] = {}
        for key, value in record.items():
            if key in self.kind_keys:
                name = self.kind_keys[key]
                if name in kind_options:
                    raise BadInput(f"{key}: given twice")
                text = _option_text(key, value)
                kind_options[name] = self._beside(roles.get(name, frozenset()), text)
        params = collect_params(
            gen,
            kind_options,
            values=_param_values(record.get("param", {})),
            arc=texts.get("arc"),
        )
        out = _out_path(record["out"]) if "out" in record else f"{gen.id}_{number:04d}"
        if "out" not in record:
            out += gen.extensions[0]
        output = self.out_dir / out
        request = Request(
            generator=gen.id,
            output=output,
            condition=state if isinstance(state, Condition) else None,
            trajectory=state if isinstance(state, Trajectory) else None,
            params=params,
            seed=_seed(record.get("seed", 0)),
            backend=texts.get("backend"),
        )
        # The generator checks the request against a stand-in output in a private folder:
        # the real folder may not exist yet (nothing is made before every line is valid),
        # and ``check_place`` checks the real output's folder without making it.
        stand_in = Path(self._tmp.name) / f"output{output.suffix}"
        try:
            _, backend = gen.check_request(replace(request, output=stand_in))
        except ValueError as exc:
            raise BadInput(str(exc).replace(str(stand_in), str(output))) from exc
        return Line(number, out, request, gpu=backend.needs_gpu)

    def check_place(self, line: Line, done: Done | None) -> None:
        """Whether the line's output can be written where it goes (read only, nothing made):
        ``session.check_output``'s checks, then its folder's."""
        output = line.request.output
        try:
            session.check_output(output)
        except BadInput:
            # A read-only file already made is skipped, never written: it may stay.
            try:
                made = done is not None and done(line)
            except OSError:
                made = False
            if not made:
                raise
        self._check_folder(output.parent, "out")
        if output.is_dir():
            raise BadInput(f"out: {printable(output, 200)} is a folder")

    def _check_folder(self, folder: Path, key: str) -> None:
        """Refuse a folder that cannot be made or written, without making it (nothing is
        created before every line is valid)."""
        if folder in self._folders:
            return
        existing = folder
        while not existing.exists() and existing.parent != existing:
            existing = existing.parent
        shown = printable(existing, 200)
        if not existing.is_dir():
            raise BadInput(
                f"{key}: cannot create folder {printable(folder, 200)}: {shown} is a file"
            )
        if not os.access(existing, os.W_OK | os.X_OK):
            what = "write in" if existing == folder else "create folders in"
            raise BadInput(f"{key}: cannot {what} {shown}: permission denied")
        self._folders.add(folder)


def read_lines(
    registry: Registry, source: Path, out_dir: Path, *, done: Done | None = None
) -> list[Line]:
    """Every line of ``source``, validated; raises :class:`BadLines` listing each bad one.

    Touches nothing on disk: the output folders are made when the lines run. An output the
    final rename could not take (``session.check_output``: a name too long, a read-only
    file) is a bad line, unless ``done`` says it is already made (and will be skipped).
    """
    resolver = _Resolver(registry, source, out_dir)
    lines: list[Line] = []
    problems: list[tuple[int, str]] = []
    owners: dict[str, int] = {}
    folders: dict[str, int] = {}  # every folder a line's output needs, and the first line
    try:
        resolver.check_out_dir()
        for number, record in read_records(source):
            try:
                if isinstance(record, Exception):
                    raise record
                line = resolver.line(number, record)
                resolver.check_place(line, done)
            except (ValueError, FileNotFoundError) as exc:  # BadInput and the schema's errors
                problems.append((number, " ".join(str(exc).split()) or type(exc).__name__))
                continue
            key = line.out.casefold()
            if key in owners:
                problems.append((number, f"out: {line.out!r} is also line {owners[key]}'s"))
                continue
            parents = [str(p).casefold() for p in PurePosixPath(line.out).parents][:-1]
            clash = next((owners[p] for p in parents if p in owners), folders.get(key))
            if clash is not None:
                problems.append(
                    (
                        number,
                        f"out: {line.out!r} and line {clash}'s: one name for a file and a folder",
                    )
                )
                continue
            owners[key] = number
            for folder in parents:
                folders.setdefault(folder, number)
            lines.append(line)
    finally:
        resolver.close()
    if problems:
        raise BadLines(source, problems)
    if not lines:
        raise BadInput(f"batch: {source} has no lines")
    return lines
