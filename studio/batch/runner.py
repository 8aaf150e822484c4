"""What the runners share: how a finished line reaches the driver."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final, Protocol

from studio import session
from studio.batch.lines import Line
from studio.errors import BadInput, GenerationFailed, printable
from studio.plugins import Artifact
from studio.session import Staged

# Lines a worker holds at once: one running and one waiting, so it never idles while the
# driver writes the previous result.
DEPTH: Final = 2


class NoWorkers(GenerationFailed):
    """No worker could start for some lines (a cluster without free CPUs); they were not
    run and stay ``pending`` in ``batch.json``, for the next run."""


class Deliver(Protocol):
    """``deliver(line, staged request or None, artifact or error text, seconds, worker)``,
    always called on the driver's thread: it finishes the staged file (embed, one rename),
    records the history and accounts for the line (or discards the staging when the line
    failed; ``None`` when it failed before it was staged). ``worker`` says where it ran when
    that is worth telling (a cluster node)."""

    def __call__(
        self,
        line: Line,
        staged: Staged | None,
        outcome: Artifact | str,
        seconds: float,
        worker: str | None = None,
    ) -> None: ...


# ``note(message)``: something the user should hear of mid-run (a lost worker).
Note = Callable[[str], None]


class Runner(Protocol):
    def where(self, lines: int) -> str: ...
    def run(self, lines: Sequence[Line], deliver: Deliver, note: Note) -> None: ...


def stage(line: Line) -> Staged:
    """``session.stage`` for a line, making its folder first: validation made nothing, so
    the folders of a batch appear only once every line is valid and it runs."""
    folder = line.request.output.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise BadInput(f"cannot create folder {printable(folder, 200)}: {reason}") from None
    return session.stage(line.request)
