"""Condition: validation naming the field, JSON round trip, schema, blending round trip."""

from __future__ import annotations

import json
import math
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studio.emotion import PRIMARY_IDS, Condition, json_schema, mixture_to_vad, vad_to_mixture

unit = st.floats(-1.0, 1.0, allow_nan=False)


@st.composite
def mixtures(draw: Any) -> dict[str, float]:
    ids = draw(st.lists(st.sampled_from(PRIMARY_IDS), min_size=1, max_size=3, unique=True))
    raw = [draw(st.floats(0.05, 1.0)) for _ in ids]
    total = sum(raw)
    return {k: w / total for k, w in zip(ids, raw, strict=True)}


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"valence": 1.5}, "valence"),
        ({"arousal": float("nan")}, "arousal"),
        ({"dominance": -1.0001}, "dominance"),
        ({"intensity": 1.2}, "intensity"),
        ({"intensity": float("nan")}, "intensity"),
        ({"mixture": {"glee": 1.0}}, "glee"),
        ({"mixture": {"joy": -0.5, "trust": 1.5}}, "mixture.joy"),
        ({"mixture": {"joy": 0.5}}, "sum to 1"),
        ({"mixture": {"joy": float("inf")}}, "mixture.joy"),
    ],
)
def test_invalid_values_raise_value_error_naming_field(kwargs: dict[str, Any], field: str) -> None:
    base: dict[str, Any] = {
        "valence": 0.1,
        "arousal": 0.1,
        "dominance": 0.0,
        "mixture": {"joy": 1.0},
        "intensity": 0.5,
    }
    with pytest.raises(ValueError, match=field):
        Condition(**{**base, **kwargs})


def test_never_clamps_silently() -> None:
    with pytest.raises(ValueError, match=r"valence must be in \[-1, 1\], got 1.5"):
        Condition.from_vad(1.5, 0.0)


def test_frozen() -> None:
    c = Condition.from_vad(0.3, 0.3)
    with pytest.raises(AttributeError):
        c.valence = 0.9  # type: ignore[misc]
    with pytest.raises(TypeError):
        c.mixture["joy"] = 1.0  # type: ignore[index]


def test_mixture_to_vad_formula() -> None:
    c = Condition.from_mixture({"joy": 0.5, "trust": 0.5}, 0.6)
    from studio.emotion import FULL_INTENSITY

    joy, trust = FULL_INTENSITY["joy"], FULL_INTENSITY["trust"]
    expected = [0.6 * (0.5 * j + 0.5 * t) for j, t in zip(joy, trust, strict=True)]
    assert c.vad == pytest.approx(expected)
    assert c.name == "love"


def test_normalise_user_weights() -> None:
    c = Condition.from_mixture({"joy": 3, "trust": 1}, normalise=True)
    assert dict(c.mixture) == pytest.approx({"joy": 0.75, "trust": 0.25})
    with pytest.raises(ValueError, match="all zero"):
        Condition.from_mixture({"joy": 0}, normalise=True)


def test_with_intensity_scales_along_ray() -> None:
    # Inside every region's reach the soft assignment is scale-free, so halving the
    # intensity halves the point and re-derives the same mixture and intensity.
    c = Condition.from_vad(-0.3, -0.15, -0.2)
    weaker = c.with_intensity(c.intensity / 2)
    assert weaker.vad == pytest.approx(tuple(x / 2 for x in c.vad))
    assert vad_to_mixture(weaker.vad)[1] == pytest.approx(weaker.intensity, abs=1e-6)


@given(mixtures(), st.floats(0.15, 1.0))
@settings(max_examples=300, deadline=None)
def test_round_trip_mixture_vad_mixture(mix: dict[str, float], intensity: float) -> None:
    """mixture → VAD → mixture → VAD lands near where it started."""
    vad = mixture_to_vad(mix, intensity)
    mix2, intensity2 = vad_to_mixture(vad)
    vad2 = mixture_to_vad(mix2, intensity2)
    # Eight prototypes in three dimensions: the forward map is not invertible, so the
    # inverse lands on the nearest blend it can explain. Worst case measured over 20 000
    # random blends since each primary reaches the rim at full intensity: 0.59 (fear +
    # surprise at intensity 0.99, two primaries whose rim points lie far apart).
    assert math.dist(vad, vad2) <= 0.62
    assert sum(mix2.values()) == pytest.approx(1.0)
    if len(mix) == 1:
        (pid,) = mix
        assert max(mix2, key=mix2.__getitem__) == pid
        assert math.dist(vad, vad2) <= 0.2
        assert intensity2 == pytest.approx(intensity, abs=0.25)


@given(unit, unit, unit)
@settings(max_examples=300, deadline=None)
def test_vad_point_gets_valid_mixture(v: float, a: float, d: float) -> None:
    c = Condition.from_vad(v, a, d)
    assert c.vad == (v, a, d)  # the pad point is kept exactly
    assert 0.0 <= c.intensity <= 1.0
    assert not c.mixture or sum(c.mixture.values()) == pytest.approx(1.0)


@given(unit, unit, unit, st.text(max_size=20) | st.none())
@settings(max_examples=200, deadline=None)
def test_json_round_trip(v: float, a: float, d: float, label: str | None) -> None:
    c = Condition.from_vad(v, a, d, label=label)
    assert Condition.from_json(c.to_json()) == c
    jsonschema.validate(json.loads(c.to_json()), json_schema())


json_values = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
near_condition = st.fixed_dictionaries(
    {},
    optional={
        "version": st.sampled_from([1, 2, "1", None, True]),
        "vad": st.fixed_dictionaries(
            {
                "valence": st.floats() | st.integers() | st.text(max_size=3),
                "arousal": st.floats(),
                "dominance": st.floats(),
            },
            optional={"extra": st.floats()},
        )
        | json_values,
        "mixture": st.dictionaries(
            st.sampled_from([*PRIMARY_IDS, "glee", ""]),
            st.floats() | st.integers() | st.text(max_size=2),
            max_size=4,
        )
        | json_values,
        "intensity": st.floats() | st.integers() | st.text(max_size=3) | st.none(),
        "name": json_values,
        "label": json_values,
    },
)


@given(json_values | near_condition)
@settings(max_examples=600, deadline=None)
def test_fuzzed_json_only_raises_value_error(data: Any) -> None:
    """Any JSON either parses into a valid condition or raises ValueError; never a crash
    and never a silently clamped value."""
    try:
        c = Condition.from_dict(data)
    except ValueError:
        return
    for axis in ("valence", "arousal", "dominance"):
        assert -1.0 <= getattr(c, axis) <= 1.0
    if isinstance(data.get("vad"), dict):
        assert c.valence == data["vad"]["valence"]  # what was stored is what we got
    assert 0.0 <= c.intensity <= 1.0


def test_name_is_derived_on_load() -> None:
    data = Condition.from_mixture({"joy": 0.5, "trust": 0.5}).to_dict()
    data["name"] = "something else"
    assert Condition.from_dict(data).name == "love"


def test_unknown_field_and_version() -> None:
    with pytest.raises(ValueError, match="unknown field 'colour'"):
        Condition.from_dict({"vad": [0, 0, 0], "colour": "red"})
    with pytest.raises(ValueError, match="version"):
        Condition.from_dict({"version": 9, "vad": [0, 0, 0]})
    with pytest.raises(ValueError, match="not valid JSON"):
        Condition.from_json("{nope")


def test_schema_rejects_what_the_parser_rejects() -> None:
    schema = json_schema()
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"vad": {"valence": 2, "arousal": 0, "dominance": 0}}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"mixture": {"glee": 1}}, schema)


def test_round_trip_is_close_for_typical_blends() -> None:
    import random

    rng = random.Random(0)
    errors = []
    for _ in range(2000):
        ids = rng.sample(PRIMARY_IDS, rng.choice([1, 2]))
        raw = [rng.random() + 0.05 for _ in ids]
        mix = {k: w / sum(raw) for k, w in zip(ids, raw, strict=True)}
        vad = mixture_to_vad(mix, rng.uniform(0.2, 1.0))
        errors.append(math.dist(vad, mixture_to_vad(*vad_to_mixture(vad))))
    errors.sort()
    assert errors[len(errors) // 2] <= 0.05  # median
    assert errors[int(0.9 * len(errors))] <= 0.2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"vad": {"valence": 10**400, "arousal": 0, "dominance": 0}}, "valence"),
        ({"mixture": {"joy": 10**400}}, "mixture.joy"),
        ({"vad": [0.1, 0.2, 0.3]}, "vad must be an object"),
        (
            {
                "vad": {"valence": 0.1, "arousal": 0, "dominance": 0},
                "mixture": {},
                "intensity": 0.9,
            },
            "intensity must be 0",
        ),
    ],
)
def test_hostile_documents_rejected(data: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Condition.from_dict(data)


def test_deeply_nested_json_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="nested too deeply"):
        Condition.from_json("[" * 100_000 + "]" * 100_000)


def test_with_intensity_refuses_to_leave_the_cube() -> None:
    c = Condition.from_vad(0.2, -0.9, -0.1)
    with pytest.raises(ValueError, match=r"intensity: at most"):
        c.with_intensity(1.0)


def test_numpy_weights_accepted() -> None:
    import numpy as np

    c = Condition.from_mixture({"joy": np.float32(0.25), "trust": np.float64(0.75)})
    assert dict(c.mixture) == pytest.approx({"joy": 0.25, "trust": 0.75})
