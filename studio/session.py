"""One generation, start to finish, for every front end (no Qt, no argparse).

``generate`` runs a :class:`~studio.plugins.Request` in this process: the generator writes
its file atomically, then :func:`keep` embeds the state that made it (into a temp file
beside it, renamed over it in one step; a sidecar for formats that cannot carry it) and
records the generation in the history. The command calls ``generate``; the window's job
bridge, whose generations run in worker processes, calls ``keep`` when a job finishes.
Nothing else embeds or records a finished generation.

Errors are :class:`~studio.errors.BadInput` (exit 2) or
:class:`~studio.errors.GenerationFailed` (exit 1); ``Cancelled`` and ``KeyboardInterrupt``
pass through. A history that cannot be written is a warning on the result, not an error:
the file is what matters.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from studio.errors import BadInput, GenerationFailed
from studio.library.atomic import ExportError
from studio.library.export import write_sidecar
from studio.library.history import Entry, History, HistoryError
from studio.library.metadata import embed, supports_embedding
from studio.plugins import (
    Artifact,
    Cancelled,
    CancelToken,
    InputError,
    ProgressCallback,
    Registry,
    Request,
)
from studio.plugins.contract import no_progress


def embedded_payload(artifact: Artifact) -> dict[str, Any]:
    """What goes inside the file: everything that made it, not how long it took."""
    return {k: v for k, v in artifact.metadata.items() if k != "timings"}


@dataclass(frozen=True)
class Kept:
    """A finished generation once its state is embedded: its history row, if recorded."""

    entry: Entry | None = None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Result:
    """A generation that finished and was kept."""

    artifact: Artifact
    seconds: float
    entry: Entry | None = None
    warnings: tuple[str, ...] = ()

    def record(self) -> dict[str, Any]:
        """The JSON result record (``studio generate --json``, DESIGN §6)."""
        meta = self.artifact.metadata
        state = {k: meta[k] for k in ("condition", "trajectory") if k in meta}
        return {
            "file": str(self.artifact.path),
            "files": [str(f) for f in self.artifact.files],
            **state,
            "seconds": round(self.seconds, 4),
            "features": meta.get("features", {}),
            "generator": meta["generator"],
            "backend": meta["backend"],
            "seed": meta["seed"],
            "params": meta["params"],
        }


def keep(artifact: Artifact, request: Request, history: History | None) -> Kept:
    """Embed the state into the generated file (or a sidecar beside it), then record it.

    Raises ``BadInput`` when the file's folder cannot be written, ``GenerationFailed``
    when the file cannot be tagged; a history problem becomes a warning.
    """
    payload = embedded_payload(artifact)
    try:
        if supports_embedding(artifact.path):
            embed(artifact.path, payload)
        else:
            write_sidecar(artifact.path, payload)
    except ExportError as exc:
        raise BadInput(str(exc)) from exc
    except (OSError, ValueError) as exc:
        generator = artifact.metadata.get("generator", request.generator)
        raise GenerationFailed(f"{generator}: {type(exc).__name__}: {exc}") from exc
    if history is None:
        return Kept()
    try:
        entry = history.record(artifact, request_dict=request.to_dict())
    except (HistoryError, OSError, ValueError) as exc:
        return Kept(warnings=(f"not recorded in the history: {exc}",))
    return Kept(entry=entry)


def generate(
    registry: Registry,
    request: Request,
    *,
    history: History | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> Result:
    """Validate, generate, embed and record one request; return what was made.

    Input is validated before any work (a ``ValueError`` then is bad input); anything that
    goes wrong after that is a generation failure unless the generator says the input was
    bad (``InputError``) or the output folder cannot be written.
    """
    generator = registry.get(request.generator)  # unknown: PluginNotFound, a ValueError
    try:
        generator.check_request(request)
    except ValueError as exc:
        raise BadInput(str(exc)) from exc
    started = time.perf_counter()
    try:
        artifact = generator.generate(request, progress, cancel)
    except (Cancelled, KeyboardInterrupt):
        raise  # the user stopped it
    except (InputError, ExportError) as exc:
        raise BadInput(str(exc)) from exc
    except Exception as exc:  # foreign generator code: any failure is one readable line
        raise GenerationFailed(f"{generator.id}: {type(exc).__name__}: {exc}") from exc
    kept = keep(artifact, request, history)
    seconds = time.perf_counter() - started
    return Result(artifact, seconds, kept.entry, kept.warnings)
