"""The clip's one arc on the clip's own clock: what the voice, face, music and backdrop
all follow. The voice starts ``lead`` seconds in; a speech plugin counts from its own
first sample, so trajectories are shifted between the two clocks here and nowhere else.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from studio.emotion import Condition, Trajectory

# Keyframes sit this far inside a stretch, so the arc holds each sentence's emotion and
# moves between sentences (not across a whole sentence).
EASE_S: Final = 0.6
# Backdrop sections: neighbours closer than this in VAD share a picture; at most this many.
SAME_VAD: Final = 0.12
MAX_SECTIONS: Final = 8
RESAMPLE_S: Final = 0.1


@dataclass(frozen=True)
class Stretch:
    """A span of clip time spoken with one emotion (a sentence, a tagged stretch)."""

    start: float
    end: float
    condition: Condition
    tagged: bool = False


def shift(trajectory: Trajectory, dt: float) -> Trajectory:
    """The same arc on a clock ``dt`` seconds later (negative: earlier). Cutting into a
    span between keyframes would bend its easing, so that span is resampled every
    RESAMPLE_S (the arc stays within a hair of the original)."""
    if dt >= 0:
        return Trajectory.of(
            [(kf.time + dt, kf.condition) for kf in trajectory.keyframes],
            trajectory.interpolation,
        )
    kept = [(kf.time + dt, kf.condition) for kf in trajectory.keyframes if kf.time + dt > 0]
    cut = -dt
    upto = kept[0][0] - dt if kept else cut
    steps = [cut + k * RESAMPLE_S for k in range(max(1, math.ceil((upto - cut) / RESAMPLE_S)))]
    points = [(t - cut, trajectory.at(t)) for t in steps if t < upto or not kept]
    return Trajectory.of([*points, *kept], trajectory.interpolation)


def stretches(segments: Sequence[Mapping[str, Any]], lead: float) -> list[Stretch]:
    """The speech plugin's segments (its clock) as stretches of clip time."""
    out = []
    for seg in segments:
        try:
            start, end = float(seg["start"]) + lead, float(seg["end"]) + lead
            condition = Condition.from_dict(seg["condition"])
        except (KeyError, TypeError, ValueError):
            continue
        if end > start:
            out.append(Stretch(start, end, condition, bool(seg.get("tagged"))))
    return out


def from_stretches(parts: Sequence[Stretch], total: float, base: Condition) -> Trajectory:
    """An arc that holds each stretch's emotion and eases between neighbours; ``base``
    before the first stretch (the lead-in) takes the first stretch's emotion."""
    points: list[tuple[float, Condition]] = []
    for s in parts:
        ease = min(EASE_S, (s.end - s.start) / 2.0)
        for t in (s.start + ease, s.end - ease):
            if not points or t > points[-1][0] + 1e-3:
                points.append((t, s.condition))
    if not points:
        return Trajectory.of([(0.0, base), (max(total, 1e-3), base)])
    if points[0][0] > 0:
        points.insert(0, (0.0, points[0][1]))
    if points[-1][0] < total:
        points.append((total, points[-1][1]))
    return Trajectory.of(points)


def _distance(a: Condition, b: Condition) -> float:
    return math.dist(a.vad, b.vad)


@dataclass(frozen=True)
class Section:
    """A span of the clip with one backdrop picture."""

    start: float
    end: float
    condition: Condition

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": round(self.start, 4),
            "end": round(self.end, 4),
            "name": self.condition.name,
            "condition": self.condition.to_dict(),
        }


def sections(arc: Trajectory, total: float, anchors: Sequence[Stretch] = ()) -> list[Section]:
    """Backdrop sections: one per stretch (or, without stretches, per keyframe span of
    the arc), neighbours of nearly the same emotion merged, at most MAX_SECTIONS."""
    if anchors:
        spans = [(s.start, s.end, s.condition) for s in anchors]
    else:
        frames = arc.keyframes
        cuts = [0.0, *((a.time + b.time) / 2 for a, b in itertools.pairwise(frames))]
        spans = [
            (cut, nxt, kf.condition)
            for cut, nxt, kf in zip(cuts, [*cuts[1:], total], frames, strict=True)
            if nxt > cut
        ]
    if not spans:
        return [Section(0.0, total, arc.at(total / 2))]
    merged: list[Section] = []
    for start, end, cond in spans:
        if merged and _distance(merged[-1].condition, cond) < SAME_VAD:
            merged[-1] = Section(merged[-1].start, end, merged[-1].condition)
        else:
            merged.append(Section(start, end, cond))
    while len(merged) > MAX_SECTIONS:  # join the closest neighbours first
        i = min(
            range(len(merged) - 1),
            key=lambda k: _distance(merged[k].condition, merged[k + 1].condition),
        )
        merged[i : i + 2] = [Section(merged[i].start, merged[i + 1].end, merged[i].condition)]
    # The sections tile the whole clip: the first from 0, the last to the end.
    first, last = merged[0], merged[-1]
    merged[0] = Section(0.0, first.end, first.condition)
    merged[-1] = Section(merged[-1].start, total, last.condition)
    for i in range(1, len(merged)):
        merged[i] = Section(merged[i - 1].end, merged[i].end, merged[i].condition)
    return merged
