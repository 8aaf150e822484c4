"""Emotional arcs: keyframes (time → Condition) with interpolation.

Between two keyframes the VAD point, the mixture weights and the intensity are blended
with the same factor ``u``: ``u = s`` for ``linear``, ``u = s²(3 - 2s)`` (smoothstep: zero
speed at each keyframe, no overshoot, so it never leaves the cube) for ``smooth``, where
``s`` is the fraction of the way between the keyframes. Before the first keyframe the arc
holds the first state; after the last it holds the last.
"""

from __future__ import annotations

import bisect
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from studio.emotion.condition import Condition, parse_json
from studio.emotion.primaries import PRIMARY_IDS

Interpolation = Literal["linear", "smooth"]
INTERPOLATIONS: Final = ("linear", "smooth")
MAX_KEYFRAMES: Final = 10_000
MAX_TIME: Final = 1e7  # seconds (~115 days): far beyond any clip


@dataclass(frozen=True, slots=True)
class Keyframe:
    time: float
    condition: Condition


@dataclass(frozen=True, slots=True)
class Trajectory:
    """An arc of conditions over time (seconds from the start of the clip)."""

    keyframes: tuple[Keyframe, ...]
    interpolation: Interpolation = "smooth"

    def __post_init__(self) -> None:
        if not isinstance(self.keyframes, Iterable) or isinstance(self.keyframes, str | bytes):
            raise ValueError("keyframes must be a sequence of Keyframe")
        frames = tuple(self.keyframes)
        if not frames:
            raise ValueError("keyframes: a trajectory needs at least one keyframe")
        if len(frames) > MAX_KEYFRAMES:
            raise ValueError(f"keyframes: at most {MAX_KEYFRAMES} allowed, got {len(frames)}")
        if self.interpolation not in INTERPOLATIONS:
            raise ValueError(
                f"interpolation must be one of {', '.join(INTERPOLATIONS)}, "
                f"got {self.interpolation!r}"
            )
        previous = -math.inf
        for i, kf in enumerate(frames):
            if not isinstance(kf, Keyframe) or not isinstance(kf.condition, Condition):
                raise ValueError(f"keyframes[{i}] must be a Keyframe holding a Condition")
            t = kf.time
            if isinstance(t, bool) or not isinstance(t, int | float):
                raise ValueError(f"keyframes[{i}].time must be a number, got {t!r}")
            if not -MAX_TIME <= t <= MAX_TIME:  # also NaN; exact for huge ints
                raise ValueError(f"keyframes[{i}].time must be finite and at most {MAX_TIME:g} s")
            if t < 0:
                raise ValueError(f"keyframes[{i}].time must be >= 0, got {t!r}")
            if t <= previous:
                raise ValueError(
                    f"keyframes[{i}].time must be greater than the previous time "
                    f"({previous:g}), got {t!r}"
                )
            previous = t
        object.__setattr__(self, "keyframes", frames)

    @classmethod
    def of(
        cls, points: Iterable[tuple[float, Condition]], interpolation: Interpolation = "smooth"
    ) -> Trajectory:
        return cls(tuple(Keyframe(float(t), c) for t, c in points), interpolation)

    @property
    def start(self) -> float:
        return self.keyframes[0].time

    @property
    def end(self) -> float:
        return self.keyframes[-1].time

    @property
    def times(self) -> tuple[float, ...]:
        return tuple(kf.time for kf in self.keyframes)

    def at(self, t: float) -> Condition:
        """The condition at time ``t`` (seconds)."""
        if isinstance(t, bool) or not isinstance(t, int | float) or math.isnan(t):
            raise ValueError(f"t must be a number, got {t!r}")
        frames = self.keyframes
        if t <= frames[0].time:
            return frames[0].condition
        if t >= frames[-1].time:
            return frames[-1].condition
        i = bisect.bisect_right(self.times, t) - 1
        a, b = frames[i], frames[i + 1]
        s = (t - a.time) / (b.time - a.time)
        u = s if self.interpolation == "linear" else s * s * (3.0 - 2.0 * s)
        return blend(a.condition, b.condition, u)

    def sample(self, times: Sequence[float]) -> list[Condition]:
        return [self.at(t) for t in times]

    # -- JSON ---------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "interpolation": self.interpolation,
            "keyframes": [
                {"time": kf.time, "condition": kf.condition.to_dict()} for kf in self.keyframes
            ],
        }

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)

    @classmethod
    def from_dict(cls, data: Any) -> Trajectory:
        if not isinstance(data, Mapping):
            raise ValueError(f"trajectory must be a JSON object, got {type(data).__name__}")
        unknown = sorted(set(map(str, data)) - {"version", "interpolation", "keyframes"})
        if unknown:
            raise ValueError(f"trajectory: unknown field {unknown[0]!r}")
        if data.get("version", 1) != 1:
            raise ValueError(f"version: unsupported trajectory version {data.get('version')!r}")
        raw = data.get("keyframes")
        if not isinstance(raw, list):
            raise ValueError("keyframes must be a list of {time, condition} objects")
        if len(raw) > MAX_KEYFRAMES:  # before building a Condition for each of them
            raise ValueError(f"keyframes: at most {MAX_KEYFRAMES} allowed, got {len(raw)}")
        frames = []
        for i, item in enumerate(raw):
            if not isinstance(item, Mapping) or set(item) != {"time", "condition"}:
                raise ValueError(f"keyframes[{i}] must be an object with time and condition")
            try:
                condition = Condition.from_dict(item["condition"])
            except ValueError as exc:
                raise ValueError(f"keyframes[{i}].condition: {exc}") from None
            frames.append(Keyframe(item["time"], condition))
        return cls(tuple(frames), data.get("interpolation", "smooth"))

    @classmethod
    def from_json(cls, text: str | bytes) -> Trajectory:
        return cls.from_dict(parse_json(text, "trajectory"))


def blend(a: Condition, b: Condition, u: float) -> Condition:
    """The state ``u`` of the way from ``a`` to ``b`` (0 ⇒ a, 1 ⇒ b).

    VAD and intensity are blended linearly; mixture weights too, with a neutral (empty)
    end contributing no weight, so neutral → joy keeps "joy" and only its intensity grows.
    """
    if u <= 0.0:
        return a
    if u >= 1.0:
        return b
    v, ar, d = ((1 - u) * x + u * y for x, y in zip(a.vad, b.vad, strict=True))
    wa, wb = (1 - u) if a.mixture else 0.0, u if b.mixture else 0.0
    mix = {pid: wa * a.mixture.get(pid, 0.0) + wb * b.mixture.get(pid, 0.0) for pid in PRIMARY_IDS}
    total = sum(mix.values())
    mixture = {k: w / total for k, w in mix.items() if w > 0} if total > 0 else {}
    intensity = (1 - u) * a.intensity + u * b.intensity
    label = a.label if u < 0.5 else b.label
    return Condition(
        v, ar, d, mixture=mixture, intensity=intensity if mixture else 0.0, label=label
    )
