"""The plugin surface: everything a generator may use of the studio, in one module.

Generators import this module and :mod:`studio.emotion`, nothing else of ``studio`` (an
import-linter contract in ``pyproject.toml`` says so), so the core can move its insides
without breaking a plugin. What is here:

- the contract (:class:`Generator`, :class:`Params`, :class:`Backend`, :class:`Request`,
  :class:`Rendered`, progress and cancel), the capabilities a plugin declares
  (:class:`PreviewMode`, :class:`Role` markers on params fields);
- safe file handling (atomic writes, bounded reads of the user's files);
- the registry, for a generator that composes others (it asks for them by id);
- typed records for metadata one generator hands another (the speech track).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypedDict, cast

from studio._paths import studio_home
from studio.errors import BadInput, GenerationFailed, printable, quote
from studio.library.atomic import atomic_path, atomic_write
from studio.library.inputs import check_regular, not_a_file, open_regular, read_bytes
from studio.library.metadata import embed, read_embedded  # the state a studio file carries
from studio.plugins.contract import (
    METADATA_SCHEMA,
    AnyGenerator,
    Artifact,
    Backend,
    Cancelled,
    CancelToken,
    Generator,
    InputError,
    MediaType,
    NeverCancel,
    Params,
    PreviewMode,
    ProgressCallback,
    Rendered,
    Request,
    check_cancel,
    no_progress,
)
from studio.plugins.registry import PluginLoadError, PluginNotFound, Registry
from studio.plugins.roles import Role

__all__ = [
    "METADATA_SCHEMA",
    "AnyGenerator",
    "ArcMapping",
    "Artifact",
    "Backend",
    "BadInput",
    "CancelToken",
    "Cancelled",
    "GenerationFailed",
    "Generator",
    "InputError",
    "MediaType",
    "NeverCancel",
    "Params",
    "Phoneme",
    "PluginLoadError",
    "PluginNotFound",
    "PreviewMode",
    "ProgressCallback",
    "Registry",
    "Rendered",
    "Request",
    "Role",
    "Segment",
    "SpeechTrack",
    "atomic_path",
    "atomic_write",
    "check_cancel",
    "check_regular",
    "compose",
    "embed",
    "input_file",
    "no_progress",
    "not_a_file",
    "open_regular",
    "printable",
    "read_bytes",
    "read_embedded",
    "studio_home",
    "tagged_segments",
]


class Phoneme(TypedDict):
    """One phoneme of a voice, in output seconds (for lip sync)."""

    phoneme: str
    start: float
    end: float


class Segment(TypedDict, total=False):
    """A stretch of a voice; ``tagged`` when an inline tag (``[joy] …``) set its emotion."""

    start: float
    end: float
    condition: dict[str, Any]
    tagged: bool
    text: str


class SpeechTrack(TypedDict, total=False):
    """What a voice generator records under its metadata key ``speech``: the talking head,
    clips and ``studio inspect`` read it (phoneme timings, tagged stretches)."""

    phonemes: list[Phoneme]
    segments: list[Segment]
    sample_rate: int
    voice: str


class ArcMapping(TypedDict):
    """How a generator laid an arc onto media of another length (metadata key
    ``arc_mapping``; the command's ``wrote`` line, ``inspect`` and the window state it)."""

    mode: str  # e.g. "stretched": the arc's times scaled onto the media's length
    arc_seconds: float
    media_seconds: float


def tagged_segments(metadata: Any) -> list[Segment]:
    """The tagged stretches any generator recorded in ``metadata`` (a top-level record
    holding a ``segments`` list, such as the speech track), malformed ones left out."""
    if not isinstance(metadata, dict):
        return []
    out: list[Segment] = []
    for record in metadata.values():
        segments = record.get("segments") if isinstance(record, dict) else None
        if isinstance(segments, list):
            out.extend(
                cast(Segment, s) for s in segments if isinstance(s, dict) and s.get("tagged")
            )
    return out


def compose(
    registry: Registry,
    request: Request,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> Artifact:
    """Another generator's file, made through the session's one path (validated once,
    rendered into a staging file, its state embedded, renamed onto ``request.output``) and
    not recorded in the history: for a generator that composes others (the clip records one
    row that lists its parts). Raises ``BadInput`` when the part finds the input bad,
    ``GenerationFailed`` when it fails, ``Cancelled`` when cancelled."""
    from studio import session

    result = session.generate(registry, request, history=None, progress=progress, cancel=cancel)
    return result.artifact


def input_file(value: str | None, what: str) -> str | None:
    """A params field naming a file the generation reads, checked without opening it (a
    pipe is never opened): the absolute path, since a job may run in another working
    folder; ``ValueError`` saying what it is instead (missing, a folder, a device …)."""
    if value is None:
        return None
    path = Path(value).expanduser()
    kind = not_a_file(path)
    if kind == "missing":
        raise ValueError(f"{what} file {quote(value)} does not exist")
    if kind is not None:
        raise ValueError(f"{what} {quote(value)} is {kind}, not a file")
    return str(path.resolve())
