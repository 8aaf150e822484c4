"""Direction vectors (blend, scale, negate) and the lexicon."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from studio.emotion import PRIMARY_IDS, Condition, DirectionSpace, lexicon
from studio.emotion._assets import assets_dir

CONTROLS = ("pitch", "rate", "energy")
DIRS = {
    "joy": [2.0, 0.1, 1.0],
    "trust": [0.5, -0.1, 0.2],
    "fear": [3.0, 0.3, -0.5],
    "anticipation": [1.0, 0.2, 0.4],
}


def space(**kwargs: object) -> DirectionSpace:
    return DirectionSpace.from_pairs(CONTROLS, [0.0, 1.0, 0.5], DIRS, **kwargs)  # type: ignore[arg-type]


def test_neutral_gives_neutral_vector() -> None:
    assert space().control(Condition.neutral()) == pytest.approx([0.0, 1.0, 0.5])


def test_opposite_negates_and_cancels() -> None:
    s = space()
    assert s.primaries["sadness"] == pytest.approx(-s.primaries["joy"])
    assert s.primaries["anger"] == pytest.approx(-s.primaries["fear"])
    conflict = Condition.from_mixture({"joy": 0.5, "sadness": 0.5}, 0.8)
    assert s.control(conflict) == pytest.approx(s.neutral)


def test_intensity_scales_and_blend_mixes() -> None:
    s = space()
    half = s.control(Condition.from_mixture({"joy": 1.0}, 0.5)) - s.neutral
    full = s.control(Condition.from_mixture({"joy": 1.0}, 1.0)) - s.neutral
    assert full == pytest.approx(2 * half)
    love = s.control(Condition.from_mixture({"joy": 0.5, "trust": 0.5}, 1.0)) - s.neutral
    assert love == pytest.approx(0.5 * (s.primaries["joy"] + s.primaries["trust"]))


def test_axis_directions_and_bounds() -> None:
    s = space(
        axes={"arousal": np.array([0.0, 1.0, 0.0])},
        axis_weight=0.5,
        lower=np.array([-1.0, 0.5, 0.0]),
        upper=np.array([1.0, 2.0, 1.0]),
    )
    low = s.control(Condition.from_vad(0.0, -0.8))
    high = s.control(Condition.from_vad(0.0, 0.8))
    assert high[1] > low[1]
    out = s.controls_over([Condition.from_mixture({"fear": 1.0}, 1.0)])
    assert np.all(out <= s.upper) and np.all(out >= s.lower)  # type: ignore[operator]


def test_csv_table_round_trip(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "dirs.csv"
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "control",
                "neutral",
                "lower",
                "upper",
                "joy",
                "trust",
                "fear",
                "anticipation",
                "arousal",
                "source",
            ]
        )
        w.writerow(["tempo", 100, 40, 200, 20, 0, 10, 5, 40, "Gabrielsson & Lindström 2010"])
        w.writerow(["minor", 0.5, 0, 1, -0.4, -0.2, 0.3, 0, "", "Eerola et al. 2013"])
    s = DirectionSpace.from_csv(path, axis_weight=0.5)
    assert s.controls == ("tempo", "minor")
    assert s.primaries["sadness"] == pytest.approx([-20, 0.4])
    assert s.sources["tempo"].startswith("Gabrielsson")
    assert s.control_dict(Condition.neutral())["tempo"] == pytest.approx(100)


def test_bad_tables_rejected() -> None:
    with pytest.raises(ValueError, match="primaries"):
        DirectionSpace.from_pairs(CONTROLS, [0, 0, 0], {"joy": [1, 1, 1]})
    with pytest.raises(ValueError, match="neutral"):
        DirectionSpace.from_pairs(CONTROLS, [0, 0], DIRS)


def test_lexicon_size_sources_and_range() -> None:
    entries = lexicon.entries()
    assert len(entries) >= 150
    for e in entries.values():
        assert e.source and all(-1 <= x <= 1 for x in e.vad)
    with (assets_dir() / "emotion" / "primaries.csv").open() as fh:
        assert all(row["source"] for row in csv.DictReader(fh))


def test_lookup_case_insensitive_and_suggestions() -> None:
    assert lexicon.lookup("  MelanCholy ").word == "melancholy"
    c = lexicon.lookup("melancholy").condition()
    assert c.label == "melancholy" and c.valence < 0 and c.arousal < 0
    with pytest.raises(lexicon.UnknownWordError, match="did you mean melancholy") as info:
        lexicon.lookup("melancoly")
    assert "melancholy" in info.value.suggestions
    with pytest.raises(ValueError, match="empty"):
        lexicon.lookup("   ")
    assert "serene" in lexicon.complete("ser")


def test_every_primary_and_dyad_word_is_in_the_lexicon() -> None:
    from studio.emotion import DYADS

    words = lexicon.entries()
    assert set(PRIMARY_IDS) <= set(words)
    assert {d.name for d in DYADS.values()} <= set(words)


def test_nearest_words() -> None:
    near = [e.word for e in lexicon.nearest((0.9, 0.6, 0.5), 10)]
    assert any(w in near for w in ("joy", "happy", "delight", "elation", "excitement", "happiness"))
