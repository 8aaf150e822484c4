"""The clip's only door to the other generators: ask the registry for a plugin and the
session for a finished, state-tagged file (no history row: the clip records one row that
lists its parts). Nothing here knows which plugin makes what; the clip names them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from studio.emotion import Condition, Trajectory
from studio.sdk import (
    BadInput,
    CancelToken,
    GenerationFailed,
    InputError,
    PluginNotFound,
    ProgressCallback,
    Registry,
    Request,
    check_cancel,
    compose,
)


class PartFailed(RuntimeError):
    """A part of the clip could not be made; the message names the part."""


@dataclass(frozen=True)
class Part:
    """One finished part: its role in the clip, the plugin that made it, the file."""

    role: str
    generator: str
    path: Path
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def clean_metadata(self) -> dict[str, Any]:
        """The part's metadata with files of the clip's work folder named by file name
        (a temp path means nothing once the clip is done, and would differ every run)."""
        folder = str(self.path.parent) + os.sep

        def clean(value: Any) -> Any:
            if isinstance(value, str) and value.startswith(folder):
                return value[len(folder) :]
            if isinstance(value, Mapping):
                return {k: clean(v) for k, v in value.items()}
            if isinstance(value, list):
                return [clean(v) for v in value]
            return value

        return {k: clean(v) for k, v in self.metadata.items() if k != "timings"}

    def record(self) -> dict[str, Any]:
        """What the clip's own record says of this part."""
        meta = self.clean_metadata()
        return {
            "role": self.role,
            "generator": self.generator,
            "file": self.path.name,
            "backend": meta.get("backend"),
            "version": meta.get("generator_version"),
            "seed": meta.get("seed"),
            "params": meta.get("params"),
            "features": meta.get("features", {}),
        }


class Parts:
    """Makes parts into ``folder`` with the clip's seed, progress and cancel token."""

    def __init__(
        self,
        registry: Registry,
        folder: Path,
        seed: int,
        progress: ProgressCallback,
        cancel: CancelToken,
    ) -> None:
        self.registry = registry
        self.folder = folder
        self.seed = seed
        self.progress = progress
        self.cancel = cancel

    def check(self, role: str, generator: str, params: Mapping[str, Any]) -> None:
        """Validate a part's params with its plugin's own model, before any work
        (``ValueError`` naming the part)."""
        plugin = self._plugin(role, generator)
        try:
            plugin.params_model.model_validate(dict(params))
        except ValidationError as exc:
            err = exc.errors()[0]
            msg = str(err["msg"]).removeprefix("Value error, ")
            raise ValueError(f"{role}: {msg}") from None

    def check_file(self, role: str, generator: str, field: str, path: str) -> str:
        """The part's plugin's own check of a file the clip hands it (a face in a
        portrait), before any part is made: its one-line ``ValueError`` as it is, since
        it names the file; else its note."""
        return str(self._plugin(role, generator).check_file(field, path))

    def backend(self, role: str, generator: str, preferred: tuple[str, ...]) -> str | None:
        """The first of ``preferred`` backends the plugin can run now, else its default."""
        usable = {b.name for b in self._plugin(role, generator).backends() if b.available}
        return next((name for name in preferred if name in usable), None)

    def make(
        self,
        role: str,
        generator: str,
        name: str,
        state: Condition | Trajectory,
        params: Mapping[str, Any],
        share: tuple[float, float],
        backend: str | None = None,
    ) -> Part:
        """One part rendered, tagged and renamed into ``folder/name`` by the session."""
        check_cancel(self.cancel)
        lo, hi = share

        def scaled(fraction: float, message: str = "", preview: Path | None = None) -> None:
            self.progress(lo + (hi - lo) * fraction, f"{role}: {message}" if message else role)

        request = Request(
            generator=self._plugin(role, generator).id,
            output=self.folder / name,
            condition=state if isinstance(state, Condition) else None,
            trajectory=state if isinstance(state, Trajectory) else None,
            params=dict(params),
            seed=self.seed,
            backend=backend,
        )
        try:
            artifact = compose(self.registry, request, scaled, self.cancel)
        except BadInput as exc:  # the part found the input bad: the clip's input is bad
            raise InputError(f"{role}: {exc}") from None
        except GenerationFailed as exc:
            raise PartFailed(f"the {role} part failed: {exc}") from None
        return Part(role, generator, artifact.path, dict(artifact.metadata))

    def _plugin(self, role: str, generator: str) -> Any:
        try:
            return self.registry.get(generator)
        except PluginNotFound as exc:
            raise PartFailed(f"the {role} part needs the {generator} generator: {exc}") from None
        except RuntimeError as exc:  # a plugin that fails to load
            raise PartFailed(f"the {role} part: {exc}") from None
