"""What the runners share: how a finished line reaches the driver."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from studio.batch.lines import Line
from studio.plugins import Artifact

# ``deliver(line, artifact or error text, seconds)``, always called on the driver's thread:
# it embeds the state, records the history and accounts for the line.
Deliver = Callable[[Line, Artifact | str, float], None]


class Runner(Protocol):
    def where(self, lines: int) -> str: ...
    def run(self, lines: Sequence[Line], deliver: Deliver) -> None: ...
