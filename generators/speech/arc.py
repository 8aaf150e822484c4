"""How an emotional arc is laid onto a spoken line: stretched over it.

The length of a line is set by its words and the emotion's own speaking rate, not by the
arc, so an arc of 20 s and a line of 4 s cannot share one clock. The arc's timeline, from
0 to its last keyframe, is stretched (or compressed) onto the line's spoken length: its
start at the first sound, its end at the last. It advances with the phonemes spoken
(each breath group takes the share of the arc its phonemes are of the line's) and holds
through the pauses between breath groups, so every sentence of a three-sentence line
gets a third of the arc whatever the pauses. The mapping is recorded as anchors
(output second, arc second) under ``arc_mapping`` in the metadata, so a talking head that
speaks the line maps its face the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np

from generators.speech import prosody
from generators.speech.analysis import ControlsAt
from studio.emotion import Trajectory

MODE: Final = "stretched"
STEP_S: Final = 0.05  # output time is sampled this finely, then interpolated


@dataclass
class ArcClock:
    """The arc's position for each breath group of a line, and the anchors it gave."""

    arc: Trajectory
    weights: Sequence[int]  # phonemes per breath group, in speaking order
    anchors: list[tuple[float, float]] = field(default_factory=list)

    def __post_init__(self) -> None:
        total = max(1, sum(self.weights))
        self.edges = np.concatenate([[0.0], np.cumsum(self.weights)]) / total

    @property
    def seconds(self) -> float:
        """The arc's length: from 0 (the clip's start) to its last keyframe."""
        return max(0.0, self.arc.end)

    def arc_time(self, index: int, fraction: float = 0.0) -> float:
        """Arc seconds at ``fraction`` (0..1) through breath group ``index``."""
        a, b = self.edges[index], self.edges[index + 1]
        return float(self.seconds * (a + (b - a) * min(1.0, max(0.0, fraction))))

    def controls(self, index: int, start: float, duration: float) -> ControlsAt:
        """Output time → prosody controls for breath group ``index``, spoken from output
        second ``start`` for ``duration`` seconds (Piper's length, before pauses are
        scaled)."""
        span = max(duration, 1e-6)

        def at(times: np.ndarray) -> dict[str, np.ndarray]:
            lo, hi = float(np.min(times)), float(np.max(times))
            grid = np.arange(lo, hi + STEP_S, STEP_S)
            frac = np.clip((grid - start) / span, 0.0, 1.0)
            a, b = self.edges[index], self.edges[index + 1]
            arc_s = self.seconds * (a + (b - a) * frac)
            table = prosody.controls_over(self.arc.sample([float(t) for t in arc_s]))
            return {k: np.interp(times, grid, v) for k, v in table.items()}

        return at

    def spoken(self, index: int, start: float, end: float) -> None:
        """Record that breath group ``index`` took output seconds ``start``..``end``."""
        self.anchors.append((start, self.arc_time(index, 0.0)))
        self.anchors.append((end, self.arc_time(index, 1.0)))

    def metadata(self, media_seconds: float) -> dict[str, Any]:
        anchors = [[round(m, 4), round(a, 4)] for m, a in self.anchors]
        return mapping(self.seconds, media_seconds, "spoken phonemes", anchors)


def mapping(
    arc_seconds: float, media_seconds: float, by: str, anchors: list[list[float]]
) -> dict[str, Any]:
    """The ``arc_mapping`` metadata entry (the window's caption, ``studio inspect`` and the
    command's ``wrote`` line read it)."""
    return {
        "mode": MODE,
        "arc_seconds": round(arc_seconds, 4),
        "media_seconds": round(media_seconds, 4),
        "by": by,
        "anchors": anchors,
    }
