"""The generator contract every plugin implements (DESIGN §3).

A generator declares an id, a media type, a validated params model (pydantic), the output
extensions it writes and its backends with their availability. ``generate(request,
progress, cancel)`` validates everything first (``ValueError`` naming the field, as
diffusers' ``check_inputs``), then calls the subclass's ``render`` and wraps what it made
in an :class:`Artifact` whose metadata carries the exact state that made it.
"""

from __future__ import annotations

import math
import os
import platform
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar, Final, Generic, Protocol, TypeVar, cast

from pydantic import BaseModel, ConfigDict, ValidationError

import studio
from studio.emotion import Condition, Trajectory
from studio.emotion.quoting import quote

MAX_SEED: Final = 2**32 - 1
METADATA_SCHEMA: Final = "emotion-studio/artifact-1"
RESERVED_KEYS: Final = frozenset(
    {
        "schema",
        "generator",
        "generator_version",
        "backend",
        "condition",
        "trajectory",
        "params",
        "seed",
        "versions",
        "timings",
        "features",
    }
)


class MediaType(StrEnum):
    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"
    MUSIC = "music"


class PreviewMode(StrEnum):
    """How the window previews a generator: ``live`` follows the pad while it is dragged
    (cheap renders), ``on-demand`` waits for Generate."""

    LIVE = "live"
    ON_DEMAND = "on-demand"


class Cancelled(Exception):
    """Raised inside a generator when the user cancelled; not a failure."""


class InputError(ValueError):
    """Bad input found while generating (e.g. a corrupt audio file the user supplied);
    reported like a validation error, not like a generation failure."""


class CancelToken(Protocol):
    def is_set(self) -> bool: ...


class ProgressCallback(Protocol):
    def __call__(self, fraction: float, message: str = "", preview: Path | None = None) -> None: ...


class NeverCancel:
    """A cancel token that is never set (headless one-off runs)."""

    def is_set(self) -> bool:
        return False


def no_progress(fraction: float, message: str = "", preview: Path | None = None) -> None:
    """A progress callback that ignores the report."""


def check_cancel(cancel: CancelToken) -> None:
    """Stop at this point if the user asked to cancel."""
    if cancel.is_set():
        raise Cancelled("cancelled")


class Params(BaseModel):
    """Base for a generator's params model: strict about unknown fields, immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True, slots=True)
class Backend:
    """One way a generator can run; ``reason`` says why it cannot, when it cannot."""

    name: str
    description: str
    available: bool = True
    reason: str = ""
    default: bool = False
    # Placement: a backend that needs an accelerator runs one job per GPU in batches
    # (Ray asks for a GPU for it); ``devices`` lists the device kinds it can use.
    needs_gpu: bool = False
    devices: tuple[str, ...] = ("cpu",)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "available": self.available,
            "reason": self.reason,
            "default": self.default,
            "needs_gpu": self.needs_gpu,
            "devices": list(self.devices),
        }


@dataclass(frozen=True)
class Request:
    """Everything relevant to one generation (one object, as in krita-ai-diffusion).

    Exactly one of ``condition`` and ``trajectory`` is set. ``output`` is the file to write;
    its extension picks the format. ``params`` is raw user input, validated by the
    generator's params model. Where the file is staged is the session's business
    (``studio.session.Staged``): a generator only ever writes ``output``.
    """

    generator: str
    output: Path
    condition: Condition | None = None
    trajectory: Trajectory | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    seed: int = 0
    backend: str | None = None

    def __post_init__(self) -> None:
        if (self.condition is None) == (self.trajectory is None):
            raise ValueError("request needs exactly one of condition or trajectory")
        if (
            isinstance(self.seed, bool)
            or not isinstance(self.seed, int)
            or not (0 <= self.seed <= MAX_SEED)
        ):
            raise ValueError(f"seed must be an integer in [0, {MAX_SEED}], got {self.seed!r}")
        object.__setattr__(self, "output", Path(self.output))

    def state_dict(self) -> dict[str, Any]:
        """The emotional state as stored in metadata."""
        if self.condition is not None:
            return {"condition": self.condition.to_dict()}
        assert self.trajectory is not None
        return {"trajectory": self.trajectory.to_dict()}

    def condition_at(self, t: float = 0.0) -> Condition:
        """The condition at time ``t`` whichever form the request has."""
        if self.condition is not None:
            return self.condition
        assert self.trajectory is not None
        return self.trajectory.at(t)

    def to_dict(self) -> dict[str, Any]:
        return {
            "generator": self.generator,
            "output": str(self.output),
            **self.state_dict(),
            "params": dict(self.params),
            "seed": self.seed,
            "backend": self.backend,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Request:
        return cls(
            generator=data["generator"],
            output=Path(data["output"]),
            condition=Condition.from_dict(data["condition"]) if "condition" in data else None,
            trajectory=Trajectory.from_dict(data["trajectory"]) if "trajectory" in data else None,
            params=dict(data.get("params") or {}),
            seed=data.get("seed", 0),
            backend=data.get("backend"),
        )


@dataclass(frozen=True)
class Rendered:
    """What ``render`` returns: the files written (primary first) and measured features."""

    files: Sequence[Path]
    features: Mapping[str, Any] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Artifact:
    """The result of a generation: files on disk plus the metadata that made them."""

    files: tuple[Path, ...]
    metadata: Mapping[str, Any]

    @property
    def path(self) -> Path:
        return self.files[0]

    @property
    def features(self) -> Mapping[str, Any]:
        features: Mapping[str, Any] = self.metadata.get("features", {})
        return features


def _one_line(exc: ValidationError, prefix: str) -> str:
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"])
    msg = err["msg"].removeprefix("Value error, ")
    got = err.get("input")
    where = f"{prefix}.{loc}" if loc else prefix
    if isinstance(got, str | int | float) and not isinstance(got, bool) and repr(got) not in msg:
        # quote(): a 100k-character text must not come back as a 100k-character line.
        return f"{where}: {msg}, got {quote(got)}"
    return f"{where}: {msg}"


P = TypeVar("P", bound=Params)


class Generator(ABC, Generic[P]):
    """Base class of every generator plugin, generic over its params model ``P``.

    A subclass declares ``class Music(Generator[MusicParams])`` and sets
    ``params_model = MusicParams``; ``render`` and everything below it then receive a
    typed ``MusicParams``, not ``Any``.
    """

    id: ClassVar[str]
    display_name: ClassVar[str]
    media_type: ClassVar[MediaType]
    # ClassVar cannot mention P; check_request casts the validated model back to P.
    params_model: ClassVar[type[Params]] = Params
    extensions: ClassVar[tuple[str, ...]]
    supports_trajectory: ClassVar[bool] = False
    version: ClassVar[str] = "0"
    # Capabilities the front ends read (CONTRIBUTING, "Adding a generator"):
    preview: ClassVar[PreviewMode] = PreviewMode.ON_DEMAND
    order: ClassVar[int] = 100  # panel / listing order (lower first; ties by id)
    # An extension the same request also renders to, for playback when the primary output
    # cannot be played as it is (music: a MIDI result is heard as WAV).
    listen_as: ClassVar[str | None] = None

    # -- declarations ------------------------------------------------------------------
    @abstractmethod
    def backends(self) -> list[Backend]:
        """All backends, available or not (an unavailable one says why)."""

    def default_backend(self) -> Backend:
        usable = [b for b in self.backends() if b.available]
        if not usable:
            raise ValueError(f"{self.id}: no backend is available")
        return next((b for b in usable if b.default), usable[0])

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.display_name,
            "media_type": str(self.media_type),
            "extensions": list(self.extensions),
            "supports_trajectory": self.supports_trajectory,
            "version": self.version,
            "preview": str(self.preview),
            "order": self.order,
            "listen_as": self.listen_as,
            "backends": [b.to_dict() for b in self.backends()],
            "params": self.params_model.model_json_schema(),
        }

    # -- validation --------------------------------------------------------------------
    def check_request(self, request: Request) -> tuple[P, Backend]:
        """Validate a request before any compute: params, backend, output, emotion form."""
        if request.generator != self.id:
            raise ValueError(f"generator: request is for {request.generator!r}, not {self.id!r}")
        if request.trajectory is not None and not self.supports_trajectory:
            raise ValueError(f"trajectory: the {self.id} generator takes a single condition")
        ext = request.output.suffix.lower()
        if ext not in self.extensions:
            given = ext or "no extension"
            raise ValueError(
                f"output: {self.id} writes {', '.join(self.extensions)}, not {given!r}"
            )
        if request.output.is_dir():
            raise ValueError(f"output: {str(request.output)!r} is a folder, not a file name")
        parent = request.output.parent
        if not parent.is_dir():
            raise ValueError(f"output: folder {str(parent)!r} does not exist")
        if not os.access(parent, os.W_OK):
            raise ValueError(f"output: folder {str(parent)!r} is not writable")
        try:
            params = cast(P, self.params_model.model_validate(dict(request.params)))
        except ValidationError as exc:
            raise ValueError(_one_line(exc, "params")) from None
        self.check_params(params, request)
        backend = self._pick_backend(request.backend)
        return params, backend

    def check_params(self, params: P, request: Request) -> None:
        """Cross-field checks a params model cannot express (override when needed)."""

    def check_file(self, field: str, path: str) -> str:
        """The generator's own check of a file picked for ``field`` before it is used (a
        face in a portrait, say): ``ValueError`` with one line when it cannot be used, else
        a short note for the artist (may be ""). The window runs it off the UI thread when
        a file is picked; a generator also calls it from ``check_params``. By default a
        file is usable when it is a regular file (the params model checks the rest)."""
        if not Path(path).expanduser().is_file():
            raise ValueError(f"{field}: {quote(path)} is not a file")
        return ""

    def _pick_backend(self, name: str | None) -> Backend:
        if name is None:
            return self.default_backend()
        for b in self.backends():
            if b.name == name:
                if not b.available:
                    raise ValueError(f"backend: {name!r} is not available: {b.reason}")
                return b
        names = ", ".join(b.name for b in self.backends())
        raise ValueError(f"backend: {self.id} has no backend {name!r} (has {names})")

    # -- generation --------------------------------------------------------------------
    def generate(
        self,
        request: Request,
        progress: ProgressCallback = no_progress,
        cancel: CancelToken | None = None,
    ) -> Artifact:
        """Validate, render, and describe what was made."""
        params, backend = self.check_request(request)
        return self.produce(request, params, backend, progress, cancel)

    def produce(
        self,
        request: Request,
        params: P,
        backend: Backend,
        progress: ProgressCallback = no_progress,
        cancel: CancelToken | None = None,
    ) -> Artifact:
        """Render a request already validated by :meth:`check_request` (into ``params`` and
        ``backend``) and describe what was made: what the front ends call, so a request is
        validated once per path."""
        cancel = cancel or NeverCancel()
        check_cancel(cancel)
        started = time.perf_counter()
        progress(0.0, "starting")
        rendered = self.render(request, params, backend, progress, cancel)
        seconds = time.perf_counter() - started
        clash = RESERVED_KEYS & set(rendered.extra)
        if clash:
            raise RuntimeError(f"{self.id} tried to overwrite reserved metadata {sorted(clash)}")
        files = tuple(Path(f) for f in rendered.files)
        missing = [str(f) for f in files if not f.is_file()]
        if not files or missing:
            raise RuntimeError(f"{self.id} declared files it did not write: {missing or 'none'}")
        progress(1.0, "done")
        metadata = {
            "schema": METADATA_SCHEMA,
            "generator": self.id,
            "generator_version": self.version,
            "backend": backend.name,
            **request.state_dict(),
            "params": params.model_dump(mode="json"),
            "seed": request.seed,
            "versions": {"studio": studio.__version__, "python": platform.python_version()},
            "timings": {"render_s": round(seconds, 6)},
            "features": _jsonable(dict(rendered.features)),
            **dict(rendered.extra),
        }
        return Artifact(files=files, metadata=metadata)

    @abstractmethod
    def render(
        self,
        request: Request,
        params: P,
        backend: Backend,
        progress: ProgressCallback,
        cancel: CancelToken,
    ) -> Rendered:
        """Write ``request.output`` (atomically) and return what was written."""


# A generator whose params model the caller does not know (the registry, the front ends).
AnyGenerator = Generator[Any]


def _jsonable(value: Any) -> Any:
    """Plain JSON types for features (numpy scalars, tuples, non-finite floats)."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item") and callable(value.item):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
