"""Names: ladders, all 24 dyads, opposites as conflicts, neutral."""

from __future__ import annotations

import pytest

from studio.emotion import DYADS, PRIMARIES, Condition, name_state
from studio.emotion.naming import CONFLICT_HOLD, CONFLICT_SHARE, STRONG_FROM, WEAK_BELOW

DYAD_TABLE = [
    ("joy", "trust", "love"),
    ("trust", "fear", "submission"),
    ("fear", "surprise", "awe"),
    ("surprise", "sadness", "disapproval"),
    ("sadness", "disgust", "remorse"),
    ("disgust", "anger", "contempt"),
    ("anger", "anticipation", "aggressiveness"),
    ("anticipation", "joy", "optimism"),
    ("joy", "fear", "guilt"),
    ("trust", "surprise", "curiosity"),
    ("fear", "sadness", "despair"),
    ("surprise", "disgust", "unbelief"),
    ("sadness", "anger", "envy"),
    ("disgust", "anticipation", "cynicism"),
    ("anger", "joy", "pride"),
    ("anticipation", "trust", "hope"),
    ("joy", "surprise", "delight"),
    ("trust", "sadness", "sentimentality"),
    ("fear", "disgust", "shame"),
    ("surprise", "anger", "outrage"),
    ("sadness", "anticipation", "pessimism"),
    ("disgust", "joy", "morbidness"),
    ("anger", "trust", "dominance"),
    ("anticipation", "fear", "anxiety"),
]
LADDERS = {
    "joy": ("serenity", "joy", "ecstasy"),
    "trust": ("acceptance", "trust", "admiration"),
    "fear": ("apprehension", "fear", "terror"),
    "surprise": ("distraction", "surprise", "amazement"),
    "sadness": ("pensiveness", "sadness", "grief"),
    "disgust": ("boredom", "disgust", "loathing"),
    "anger": ("annoyance", "anger", "rage"),
    "anticipation": ("interest", "anticipation", "vigilance"),
}


@pytest.mark.parametrize(("a", "b", "name"), DYAD_TABLE)
def test_all_24_dyads_named_both_ways(a: str, b: str, name: str) -> None:
    assert name_state({a: 0.5, b: 0.5}, 0.6) == name
    assert name_state({b: 0.6, a: 0.4}, 0.6) == name
    assert Condition.from_mixture({a: 0.5, b: 0.5}).name == name


def test_dyad_table_is_complete() -> None:
    assert len(DYADS) == 24
    assert {d.kind for d in DYADS.values()} == {"primary", "secondary", "tertiary"}


@pytest.mark.parametrize(("pid", "rungs"), LADDERS.items())
def test_intensity_ladders(pid: str, rungs: tuple[str, str, str]) -> None:
    weak, basic, strong = rungs
    assert name_state({pid: 1.0}, WEAK_BELOW / 2) == weak
    assert name_state({pid: 1.0}, 0.6) == basic
    assert name_state({pid: 1.0}, (STRONG_FROM + 1) / 2) == strong


@pytest.mark.parametrize("p", PRIMARIES, ids=lambda p: p.id)
def test_opposites_are_conflicts_not_dyads(p) -> None:  # type: ignore[no-untyped-def]
    name = name_state({p.id: 0.5, p.opposite: 0.5}, 0.6)
    assert name.endswith("conflict")
    assert p.id in name and p.opposite in name
    assert name not in {n for _, _, n in DYAD_TABLE}


@pytest.mark.parametrize("p", PRIMARIES, ids=lambda p: p.id)
def test_conflict_only_where_opposites_really_balance(p) -> None:  # type: ignore[no-untyped-def]
    """Plutchik's opposites are a conflict only when neither clearly leads and the pair is
    most of the mixture; otherwise the leading primary names the state."""
    lead = 1.0 / (1.0 + CONFLICT_SHARE) + 0.02  # just past the balance band
    assert name_state({p.id: lead, p.opposite: 1 - lead}, 0.6) == p.id
    share = 0.5 * (1 + CONFLICT_HOLD) / 2  # each of the pair; the pair holds (1 + hold) / 2
    rest = 1 - 2 * share
    third = next(q.id for q in PRIMARIES if q.id not in (p.id, p.opposite))
    mixture = {p.id: share, p.opposite: share, third: rest}
    assert name_state(mixture, 0.6).endswith("conflict")
    loose = {p.id: 0.34, p.opposite: 0.33, third: 0.33}  # the pair holds two thirds
    assert not name_state(loose, 0.6).endswith("conflict")


def test_neutral_near_origin() -> None:
    assert Condition.from_vad(0.02, -0.03, 0.01).name == "neutral"
    assert Condition.neutral().name == "neutral"
    assert name_state({}, 0.9) == "neutral"
    assert name_state({"joy": 1.0}, 0.05) == "neutral"


def test_minor_second_emotion_keeps_primary_name() -> None:
    assert name_state({"joy": 0.8, "trust": 0.2}, 0.6) == "joy"


@pytest.mark.parametrize(
    ("vad", "names"),
    [
        ((0.8, 0.6, 0.5), {"joy", "ecstasy", "delight", "optimism", "love"}),
        ((-0.7, -0.5, -0.5), {"sadness", "grief"}),
        ((-0.6, 0.7, 0.4), {"anger", "rage"}),
        ((0.7, 0.1, 0.4), {"trust", "admiration", "hope", "love"}),
    ],
)
def test_pad_regions_have_sensible_names(vad: tuple[float, float, float], names: set[str]) -> None:
    assert Condition.from_vad(*vad).name in names


@pytest.mark.parametrize("p", PRIMARIES, ids=lambda p: p.id)
def test_each_prototype_point_names_its_primary_or_its_twin(p) -> None:  # type: ignore[no-untyped-def]
    """Fear and disgust are nearly collinear in the NRC norms (cos 0.994), so their points
    read as their dyad "shame"; every other prototype names itself."""
    name = Condition.from_vad(*p.vad).name
    expected = {p.id, p.weak_name, p.strong_name}
    if p.id in ("fear", "disgust"):
        expected.add("shame")
    assert name in expected
