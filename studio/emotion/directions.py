"""Direction vectors: how an emotional state moves a generator's own controls.

Each generator declares, in its own control space (prosody parameters, action units,
musical attributes, colour parameters), a neutral vector, one direction per primary and,
optionally, one direction per VAD axis. Following DESIGN §2 (after Daisy-TTS and EmoReg)::

    control = neutral
              + (1 - axis_weight) · intensity · Σᵢ wᵢ · directionᵢ     (categorical part)
              + axis_weight · Σₐ vadₐ · axis_directionₐ                 (dimensional part)

then clipped to the declared bounds. Blending mixes directions, intensity scales them, and
the opposite primary negates: :meth:`DirectionSpace.from_pairs` builds the four opposite
pairs so that ``direction(sadness) = -direction(joy)`` unless a table says otherwise. The
dimensional part makes every control move continuously with the pad even where the
categorical mixture changes quickly.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import numpy as np
from numpy.typing import NDArray

from studio.emotion.condition import Condition
from studio.emotion.primaries import BY_ID, PRIMARY_IDS
from studio.emotion.tables import Row, TableError, read_table

AXES: Final = ("valence", "arousal", "dominance")
TABLE_COLUMNS: Final = ("lower", "upper", *PRIMARY_IDS, *AXES)
Vector = NDArray[np.float64]


@dataclass(frozen=True)
class DirectionSpace:
    """A generator's control space with its emotion directions (see module docstring)."""

    controls: tuple[str, ...]
    neutral: Vector
    primaries: Mapping[str, Vector]
    axes: Mapping[str, Vector] = field(default_factory=dict)
    axis_weight: float = 0.0
    lower: Vector | None = None
    upper: Vector | None = None
    sources: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.controls)
        if n == 0 or len(set(self.controls)) != n:
            raise ValueError("controls must be non-empty and unique")

        def vec(name: str, value: Sequence[float] | Vector) -> Vector:
            arr = np.asarray(value, dtype=np.float64)
            if arr.shape != (n,) or not np.all(np.isfinite(arr)):
                raise ValueError(f"{name} must be {n} finite numbers, got shape {arr.shape}")
            arr.setflags(write=False)
            return arr

        object.__setattr__(self, "neutral", vec("neutral", self.neutral))
        missing = [p for p in PRIMARY_IDS if p not in self.primaries]
        unknown = [p for p in self.primaries if p not in BY_ID]
        if missing or unknown:
            raise ValueError(f"primaries: missing {missing}, unknown {unknown}")
        prim = {p: vec(f"primaries.{p}", self.primaries[p]) for p in PRIMARY_IDS}
        object.__setattr__(self, "primaries", prim)
        bad_axes = [a for a in self.axes if a not in AXES]
        if bad_axes:
            raise ValueError(f"axes: unknown axis {bad_axes[0]!r}; expected {AXES}")
        object.__setattr__(self, "axes", {a: vec(f"axes.{a}", v) for a, v in self.axes.items()})
        if not 0.0 <= self.axis_weight <= 1.0 or (self.axis_weight > 0 and not self.axes):
            raise ValueError("axis_weight must be in [0, 1] and needs axis directions if > 0")
        for bound in ("lower", "upper"):
            value = getattr(self, bound)
            if value is not None:
                object.__setattr__(self, bound, vec(bound, value))
        # Stacked once so control() is two small matrix products.
        object.__setattr__(self, "_P", np.stack([prim[p] for p in PRIMARY_IDS]))
        axes_mat = np.stack([self.axes.get(a, np.zeros(n)) for a in AXES])
        object.__setattr__(self, "_A", axes_mat)

    # -- construction ------------------------------------------------------------------
    @classmethod
    def from_pairs(
        cls,
        controls: Sequence[str],
        neutral: Sequence[float],
        directions: Mapping[str, Sequence[float]],
        **kwargs: object,
    ) -> DirectionSpace:
        """Fill each missing primary with the negated direction of its opposite."""
        full: dict[str, Vector] = {
            k: np.asarray(v, dtype=np.float64) for k, v in directions.items()
        }
        for pid in PRIMARY_IDS:
            if pid not in full:
                opposite = BY_ID[pid].opposite
                if opposite not in full:
                    raise ValueError(f"primaries: neither {pid!r} nor its opposite is given")
                full[pid] = -full[opposite]
        return cls(tuple(controls), np.asarray(neutral, dtype=np.float64), full, **kwargs)  # type: ignore[arg-type]

    @classmethod
    def from_csv(
        cls, path: Path, *, expect: Sequence[str] | None = None, axis_weight: float = 0.0
    ) -> DirectionSpace:
        """Load a direction table: one row per control with columns ``control, neutral,
        lower, upper``, one column per primary, optional ``valence, arousal, dominance``
        and a ``source`` column citing where the numbers come from. Empty primary cells
        are filled from the opposite primary (negated); a primary column is either full
        or empty. ``expect`` names the controls the generator reads: the table must hold
        exactly those, and the space keeps that order. Errors name the file and row."""
        rows = read_table(path, required=("control", "neutral", "source"), optional=TABLE_COLUMNS)
        by_name: dict[str, Row] = {}
        for row in rows:
            name = row.text("control")
            if name in by_name:
                raise TableError(f"{row.where}: control {name!r} repeats row {by_name[name].line}")
            if not row.text("source"):
                raise TableError(f"{row.where}: control {name!r} cites no source")
            by_name[name] = row
        if expect is not None:
            missing = [c for c in expect if c not in by_name]
            extra = [f"{c!r} (row {r.line})" for c, r in by_name.items() if c not in expect]
            if missing or extra:
                raise TableError(
                    f"{Path(path).name}: expected controls {', '.join(expect)}; "
                    f"missing {missing or 'none'}, unexpected {', '.join(extra) or 'none'}"
                )
            rows = [by_name[c] for c in expect]
        directions: dict[str, list[float]] = {}
        for pid in PRIMARY_IDS:
            given = [row for row in rows if row.has(pid)]
            if given and len(given) != len(rows):
                blank = next(row for row in rows if not row.has(pid))
                raise TableError(f"{blank.where}: column {pid!r} is empty but others are not")
            if given:
                directions[pid] = [row.number(pid) for row in rows]
        lower = [row.number("lower", -math.inf) for row in rows]
        upper = [row.number("upper", math.inf) for row in rows]
        for row, lo, hi in zip(rows, lower, upper, strict=True):
            if not lo <= row.number("neutral") <= hi:
                raise TableError(f"{row.where}: neutral lies outside [lower, upper]")
        try:
            return cls.from_pairs(
                [row.text("control") for row in rows],
                [row.number("neutral") for row in rows],
                directions,
                axes={a: np.asarray([row.number(a, 0.0) for row in rows]) for a in AXES},
                axis_weight=axis_weight,
                lower=np.asarray(lower),
                upper=np.asarray(upper),
                sources={row.text("control"): row.text("source") for row in rows},
            )
        except ValueError as exc:
            raise TableError(f"{Path(path).name}: {exc}") from None

    # -- evaluation --------------------------------------------------------------------
    def control(self, condition: Condition) -> Vector:
        """The control vector for one condition (a new array)."""
        weights = np.array([condition.mixture.get(p, 0.0) for p in PRIMARY_IDS])
        categorical = condition.intensity * (weights @ self._P)  # type: ignore[attr-defined]
        out = self.neutral + (1.0 - self.axis_weight) * categorical
        if self.axis_weight:
            out = out + self.axis_weight * (np.asarray(condition.vad) @ self._A)  # type: ignore[attr-defined]
        return self._bound(out)

    def control_dict(self, condition: Condition) -> dict[str, float]:
        return dict(zip(self.controls, self.control(condition).tolist(), strict=True))

    def controls_over(self, conditions: Sequence[Condition]) -> Vector:
        """Controls for many conditions (e.g. a trajectory sampled per frame): (T, n)."""
        if not conditions:
            return np.zeros((0, len(self.controls)))
        weights = np.array([[c.mixture.get(p, 0.0) for p in PRIMARY_IDS] for c in conditions])
        intensity = np.array([c.intensity for c in conditions])[:, None]
        out = self.neutral + (1.0 - self.axis_weight) * intensity * (weights @ self._P)  # type: ignore[attr-defined]
        if self.axis_weight:
            vad = np.array([c.vad for c in conditions])
            out = out + self.axis_weight * (vad @ self._A)  # type: ignore[attr-defined]
        return self._bound(out)

    def index(self, control: str) -> int:
        try:
            return self.controls.index(control)
        except ValueError:
            raise ValueError(f"unknown control {control!r}") from None

    def _bound(self, out: Vector) -> Vector:
        if self.lower is not None or self.upper is not None:
            out = np.clip(out, self.lower, self.upper)
        return out
