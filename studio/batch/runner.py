"""What the runners share: how a finished line reaches the driver."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Protocol

from studio.batch.lines import Line
from studio.plugins import Artifact, Request


class Deliver(Protocol):
    """``deliver(line, staged request, artifact or error text, seconds, worker)``, always
    called on the driver's thread: it finishes the staged file (embed, one rename), records
    the history and accounts for the line (or discards the staging when the line failed).
    ``worker`` says where it ran when that is worth telling (a cluster node)."""

    def __call__(
        self,
        line: Line,
        staged: Request,
        outcome: Artifact | str,
        seconds: float,
        worker: str | None = None,
    ) -> None: ...


# ``note(message)``: something the user should hear of mid-run (a lost worker).
Note = Callable[[str], None]


class Runner(Protocol):
    def where(self, lines: int) -> str: ...
    def run(self, lines: Sequence[Line], deliver: Deliver, note: Note) -> None: ...


def rendering(staged: Request) -> Request:
    """The request a worker runs for a staged line: it renders into the staging file."""
    assert staged.staging is not None
    return replace(staged, output=staged.staging, staging=None)


def as_output(artifact: Artifact, staged: Request) -> Artifact:
    """A worker's artifact with its staging file named by the line's output (as the
    generator contract names a staged generation's files)."""
    staging = Path(staged.staging) if staged.staging is not None else None
    files = tuple(staged.output if f == staging else f for f in artifact.files)
    return Artifact(files=files, metadata=artifact.metadata)
