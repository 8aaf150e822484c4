"""The conditioning schema every generator reads: a frozen, validated, versioned state.

A :class:`Condition` holds a VAD point, a mixture over Plutchik's primaries, an intensity
and the derived everyday name. Invalid values (NaN, out of range, unknown ids, negative
weights, weights that do not sum to 1) raise ``ValueError`` naming the field; nothing is
ever clamped silently. The VAD point is what generators steer by; the mixture says which
categorical emotions it is made of (direction vectors blend by it).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar, Final

from studio.emotion.blending import (
    check_mixture,
    check_unit,
    mixture_to_vad,
    vad_to_mixture,
)
from studio.emotion.naming import name_state
from studio.emotion.primaries import PRIMARY_IDS

SCHEMA_VERSION: Final = 1
DEFAULT_INTENSITY: Final = 0.6  # a named emotion without an intensity: the basic ladder rung
_FIELDS: Final = frozenset({"version", "vad", "mixture", "intensity", "name", "label"})
_AXES: Final = ("valence", "arousal", "dominance")
MAX_LABEL: Final = 200


@dataclass(frozen=True, slots=True, eq=False)
class Condition:
    """One emotional state. Build it with :meth:`from_vad`, :meth:`from_mixture` or
    :meth:`from_dict`; the plain constructor takes every field and validates them all."""

    valence: float
    arousal: float
    dominance: float
    mixture: Mapping[str, float]
    intensity: float
    label: str | None = None
    name: str = field(init=False)

    version: ClassVar[int] = SCHEMA_VERSION

    def __post_init__(self) -> None:
        for axis in _AXES:
            object.__setattr__(self, axis, check_unit(axis, getattr(self, axis)))
        object.__setattr__(self, "intensity", check_unit("intensity", self.intensity, 0.0, 1.0))
        if not isinstance(self.mixture, Mapping):
            raise ValueError(
                f"mixture must be a mapping of emotion id to weight, got {self.mixture!r}"
            )
        mix = check_mixture(self.mixture)
        if not mix and self.intensity > 0:
            raise ValueError("intensity must be 0 for an empty (neutral) mixture")
        ordered = {pid: mix[pid] for pid in PRIMARY_IDS if pid in mix}
        object.__setattr__(self, "mixture", MappingProxyType(ordered))
        if self.label is not None and (
            not isinstance(self.label, str) or len(self.label) > MAX_LABEL
        ):
            raise ValueError(f"label must be text of at most {MAX_LABEL} characters")
        object.__setattr__(self, "name", name_state(ordered, self.intensity))

    # -- constructors -------------------------------------------------------------------
    @classmethod
    def from_vad(
        cls, valence: float, arousal: float, dominance: float = 0.0, *, label: str | None = None
    ) -> Condition:
        """A pad position; mixture and intensity by soft assignment (``blending``)."""
        vad = (
            check_unit("valence", valence),
            check_unit("arousal", arousal),
            check_unit("dominance", dominance),
        )
        mixture, intensity = vad_to_mixture(vad)
        return cls(*vad, mixture=mixture, intensity=intensity, label=label)

    @classmethod
    def from_mixture(
        cls,
        mixture: Mapping[str, float],
        intensity: float = DEFAULT_INTENSITY,
        *,
        normalise: bool = False,
        label: str | None = None,
    ) -> Condition:
        """A blend on the wheel; VAD by ``intensity · Σ wᵢ pᵢ``."""
        mix = check_mixture(mixture, normalise=normalise)
        level = check_unit("intensity", intensity, 0.0, 1.0)
        vad = mixture_to_vad(mix, level) if mix else (0.0, 0.0, 0.0)
        return cls(*vad, mixture=mix, intensity=level if mix else 0.0, label=label)

    @classmethod
    def neutral(cls) -> Condition:
        return cls(0.0, 0.0, 0.0, mixture={}, intensity=0.0)

    # -- derived states -----------------------------------------------------------------
    @property
    def title(self) -> str:
        """The one name shown for this state everywhere: "trust (serene)" when a typed word
        labels it, the derived name otherwise."""
        if self.label and self.label != self.name:
            return f"{self.name} ({self.label})"
        return self.name

    @property
    def vad(self) -> tuple[float, float, float]:
        return (self.valence, self.arousal, self.dominance)

    def with_intensity(self, intensity: float) -> Condition:
        """The same emotion at another intensity: the VAD point moves along its ray."""
        level = check_unit("intensity", intensity, 0.0, 1.0)
        if self.intensity <= 0.0 or not self.mixture:
            raise ValueError("intensity: a neutral state has no direction to scale")
        k = level / self.intensity
        reach = max(abs(x) for x in self.vad)
        if reach * k > 1.0:
            top = self.intensity / reach
            raise ValueError(
                f"intensity: at most {top:.2f} keeps this emotion inside the VAD cube, "
                f"got {intensity!r}"
            )
        v, a, d = (x * k for x in self.vad)
        return Condition(v, a, d, mixture=self.mixture, intensity=level, label=self.label)

    def with_dominance(self, dominance: float) -> Condition:
        """The same valence and arousal with another dominance (re-derives the mixture)."""
        return Condition.from_vad(self.valence, self.arousal, dominance, label=self.label)

    # -- JSON ---------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "version": SCHEMA_VERSION,
            "name": self.name,
            "vad": {"valence": self.valence, "arousal": self.arousal, "dominance": self.dominance},
            "mixture": dict(self.mixture),
            "intensity": self.intensity,
        }
        if self.label is not None:
            out["label"] = self.label
        return out

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)

    @classmethod
    def from_dict(cls, data: Any) -> Condition:
        """Parse stored JSON. ``name`` is derived and recomputed; at least one of ``vad`` or
        ``mixture`` must be present (the missing one is derived)."""
        if not isinstance(data, Mapping):
            raise ValueError(f"condition must be a JSON object, got {type(data).__name__}")
        unknown = sorted(set(map(str, data)) - _FIELDS)
        if unknown:
            raise ValueError(f"condition: unknown field {unknown[0]!r}")
        version = data.get("version", SCHEMA_VERSION)
        if isinstance(version, bool) or version != SCHEMA_VERSION:
            raise ValueError(f"version: unsupported condition version {version!r}")
        label = data.get("label")
        mixture = data.get("mixture")
        if mixture is not None and not isinstance(mixture, Mapping):
            raise ValueError(f"mixture must be an object of emotion id to weight, got {mixture!r}")
        if "vad" not in data:
            if mixture is None:
                raise ValueError("condition needs 'vad' or 'mixture'")
            intensity = data.get("intensity", DEFAULT_INTENSITY)
            return cls.from_mixture(mixture, _number("intensity", intensity), label=label)
        vad = _parse_vad(data["vad"])
        if mixture is None:
            if "intensity" in data:
                raise ValueError("intensity: given without a mixture (it is derived from vad)")
            return cls.from_vad(*vad, label=label)
        if "intensity" not in data:
            raise ValueError("intensity is required when both vad and mixture are given")
        return cls(
            *vad, mixture=mixture, intensity=_number("intensity", data["intensity"]), label=label
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> Condition:
        return cls.from_dict(parse_json(text, "condition"))

    # -- identity -----------------------------------------------------------------------
    def _key(self) -> tuple[Any, ...]:
        return (self.vad, tuple(self.mixture.items()), self.intensity, self.label)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Condition) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        mix = ", ".join(f"{k}:{w:.2f}" for k, w in self.mixture.items())
        return (
            f"Condition({self.name!r}, vad=({self.valence:+.2f}, {self.arousal:+.2f}, "
            f"{self.dominance:+.2f}), mixture={{{mix}}}, intensity={self.intensity:.2f})"
        )


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number, got {value!r}")
    try:
        number = float(value)
    except OverflowError:
        raise ValueError(f"{name} is too large") from None
    if not math.isfinite(number):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return number


def _parse_vad(raw: Any) -> tuple[float, float, float]:
    if isinstance(raw, Mapping):
        extra = sorted(set(map(str, raw)) - set(_AXES))
        if extra:
            raise ValueError(f"vad: unknown field {extra[0]!r}")
        missing = [a for a in _AXES if a not in raw]
        if missing:
            raise ValueError(f"vad.{missing[0]} is required")
        values = [raw[a] for a in _AXES]
    else:
        raise ValueError("vad must be an object with valence, arousal and dominance")
    return (
        check_unit("valence", _number("valence", values[0])),
        check_unit("arousal", _number("arousal", values[1])),
        check_unit("dominance", _number("dominance", values[2])),
    )


def parse_json(text: str | bytes, what: str) -> Any:
    """``json.loads`` with every failure (syntax, encoding, absurd nesting) as ValueError."""
    try:
        return json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{what}: not valid JSON ({exc})") from None
    except RecursionError:
        raise ValueError(f"{what}: JSON nested too deeply") from None


def json_schema() -> dict[str, Any]:
    """The published JSON Schema (draft 2020-12) of a stored condition."""
    unit = {"type": "number", "minimum": -1, "maximum": 1}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://emotion-studio.org/schema/condition-1.json",
        "title": "Emotion Studio condition",
        "description": (
            "An emotional state: a valence-arousal-dominance point, a mixture over "
            "Plutchik's eight primaries and an intensity. vad is authoritative for "
            "generators; a missing vad or mixture is derived from the other."
        ),
        "type": "object",
        "additionalProperties": False,
        "anyOf": [{"required": ["vad"]}, {"required": ["mixture"]}],
        # Mirrors the parser: with both vad and mixture, intensity is required; with vad
        # alone, intensity is derived and may not be given.
        "allOf": [
            {"if": {"required": ["vad", "mixture"]}, "then": {"required": ["intensity"]}},
            {"if": {"required": ["vad", "intensity"]}, "then": {"required": ["mixture"]}},
        ],
        "properties": {
            "version": {"const": SCHEMA_VERSION},
            "name": {"type": "string", "description": "derived; recomputed on load"},
            "label": {
                "type": "string",
                "maxLength": MAX_LABEL,
                "description": "the word the user chose, e.g. from the lexicon",
            },
            "vad": {
                "type": "object",
                "additionalProperties": False,
                "required": list(_AXES),
                "properties": {axis: unit for axis in _AXES},
            },
            "mixture": {
                "type": "object",
                "additionalProperties": False,
                "properties": {pid: {"type": "number", "minimum": 0} for pid in PRIMARY_IDS},
                "description": "weights sum to 1, or empty for neutral",
            },
            "intensity": {"type": "number", "minimum": 0, "maximum": 1},
        },
    }
