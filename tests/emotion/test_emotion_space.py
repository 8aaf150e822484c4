"""The emotion space speaks the artist's language: words and pad points name the primary
people name them by.

Expected primaries come from sources that did not place our prototypes:
- words: Shaver, Schwartz, Kirson & O'Connor 1987 (JPSP 52:1061), the prototype clusters of
  135 emotion words (joy, love, surprise, anger, sadness, fear), and Plutchik 1980/2001 for
  the primaries Shaver folds into others (trust, disgust, anticipation) and for dyads
  (anxiety = anticipation + fear, hope = anticipation + trust);
- pad points: Russell 1980 (JPSP 39:1161) circumplex angles of his 28 affect words, placed
  at radius 0.8 with dominance 0, and Russell & Mehrabian 1977 (J. Res. Pers. 11:273) PAD
  centroids of six basic emotions.

A row passes when the heaviest primary of the resulting condition is one of the accepted
ones. The table as a whole must pass at ≥ 95 % (the known misses are listed in
``KNOWN_MISSES`` with the reason, so a new miss is a failure, not noise).
"""

from __future__ import annotations

import math

import pytest

from studio.emotion import Condition, lexicon

WORDS: dict[str, set[str]] = {
    # joy (Shaver: cheerfulness, zest, contentment, optimism, relief)
    "happy": {"joy"},
    "joyful": {"joy"},
    "cheerful": {"joy"},
    "delighted": {"joy"},
    "glad": {"joy"},
    "pleased": {"joy"},
    "content": {"joy", "trust"},
    "elated": {"joy"},
    "thrilled": {"joy"},
    "ecstatic": {"joy"},
    "euphoric": {"joy"},
    # trust (Plutchik: acceptance → trust → admiration)
    "trusting": {"trust"},
    "admiration": {"trust"},
    "faithful": {"trust"},
    "loyal": {"trust"},
    "respectful": {"trust"},
    # fear (Shaver: horror, nervousness)
    "afraid": {"fear"},
    "scared": {"fear"},
    "frightened": {"fear"},
    "terrified": {"fear"},
    "horrified": {"fear"},
    "panicked": {"fear"},
    "anxious": {"fear", "anticipation"},  # Plutchik: anxiety = anticipation + fear
    # surprise (Shaver: amazement, surprise, astonishment)
    "surprised": {"surprise"},
    "astonished": {"surprise"},
    "amazed": {"surprise"},
    "startled": {"surprise"},
    "stunned": {"surprise"},
    # sadness (Shaver: sadness, suffering, disappointment, neglect)
    "sad": {"sadness"},
    "unhappy": {"sadness"},
    "miserable": {"sadness"},
    "depressed": {"sadness"},
    "gloomy": {"sadness"},
    "heartbroken": {"sadness"},
    "sorrowful": {"sadness"},
    "lonely": {"sadness"},
    "melancholy": {"sadness"},
    # disgust (Plutchik: boredom → disgust → loathing; Shaver: disgust, revulsion)
    "disgusted": {"disgust"},
    "repulsed": {"disgust"},
    "revulsion": {"disgust"},
    "loathing": {"disgust"},
    # anger (Shaver: irritation, exasperation, rage)
    "angry": {"anger"},
    "furious": {"anger"},
    "irritated": {"anger"},
    "annoyed": {"anger"},
    "enraged": {"anger"},
    "outraged": {"anger"},
    "hostile": {"anger"},
    "exasperated": {"anger"},
    # anticipation (Plutchik: interest → anticipation → vigilance)
    "eager": {"anticipation"},
    "expectant": {"anticipation"},
    "interested": {"anticipation"},
    "vigilant": {"anticipation"},
    "hopeful": {"anticipation", "trust"},  # Plutchik: hope = anticipation + trust
}

# Russell 1980 circumplex angles (degrees, valence = 0°, arousal = 90°).
CIRCUMPLEX: dict[str, tuple[float, set[str]]] = {
    "happy": (7.8, {"joy"}),
    "delighted": (24.9, {"joy"}),
    "excited": (48.6, {"joy", "anticipation"}),
    "astonished": (69.8, {"surprise"}),
    "miserable": (188.7, {"sadness"}),
    "sad": (207.5, {"sadness"}),
    "gloomy": (209.3, {"sadness"}),
    "depressed": (210.0, {"sadness"}),
    "calm": (316.2, {"trust", "joy"}),
    "content": (323.7, {"joy", "trust"}),
    "serene": (328.6, {"joy", "trust"}),
    "glad": (348.9, {"joy", "trust"}),
    "pleased": (353.2, {"joy", "trust"}),
}
# Russell & Mehrabian 1977 PAD centroids.
PAD_CENTROIDS: dict[str, tuple[float, float, float]] = {
    "anger": (-0.51, 0.59, 0.25),
    "disgust": (-0.60, 0.35, 0.11),
    "fear": (-0.64, 0.60, -0.43),
    "joy": (0.76, 0.48, 0.35),
    "sadness": (-0.63, -0.27, -0.33),
    "surprise": (0.40, 0.67, -0.13),
}

KNOWN_MISSES: dict[str, str] = {
    # Russell's "excited" (48.6°) lies between joy (20°) and surprise (59°). The norms rate
    # the word dominant (NRC +0.42, Warriner +0.58): with that dominance it reads joy
    # ("ecstasy", checked below); on the dominance-0 slice it is nearer astonishment.
    "pad excited": "between joy and surprise at dominance 0",
}


def top(c: Condition) -> str:
    return max(c.mixture, key=c.mixture.__getitem__) if c.mixture else "neutral"


def table() -> list[tuple[str, Condition, set[str]]]:
    rows = [(f"word {w}", lexicon.lookup(w).condition(), ok) for w, ok in WORDS.items()]
    for w, (deg, ok) in CIRCUMPLEX.items():
        t = math.radians(deg)
        rows.append((f"pad {w}", Condition.from_vad(0.8 * math.cos(t), 0.8 * math.sin(t)), ok))
    for pid, vad in PAD_CENTROIDS.items():
        rows.append((f"pad R&M {pid}", Condition.from_vad(*vad), {pid}))
    return rows


def test_table_is_big_enough() -> None:
    assert len(WORDS) >= 40
    assert len(CIRCUMPLEX) + len(PAD_CENTROIDS) >= 10


def test_words_and_pad_points_name_their_primary() -> None:
    rows = table()
    misses = {label: f"{top(c)} ({c.name})" for label, c, ok in rows if top(c) not in ok}
    assert set(misses) <= set(KNOWN_MISSES), f"new misses: {misses}"
    assert 1 - len(misses) / len(rows) >= 0.95


@pytest.mark.parametrize(
    ("weak", "basic", "strong"),
    [
        ("content", "happy", "ecstatic"),
        ("annoyed", "angry", "furious"),
        ("apprehension", "afraid", "terrified"),
        ("interested", "eager", "vigilance"),
    ],
)
def test_word_intensity_is_graded_not_saturated(weak: str, basic: str, strong: str) -> None:
    i = [lexicon.lookup(w).condition().intensity for w in (weak, basic, strong)]
    assert i[0] < i[1] < i[2]
    assert i[1] < 0.8  # a plain word reads on the basic rung, not the strong one


def test_named_regions() -> None:
    assert Condition.from_vad(0, 0, 0).name == "neutral"
    assert Condition.from_vad(0.04, -0.03, 0.05).name == "neutral"
    joy_family = {"joy", "ecstasy", "delight", "optimism", "serenity", "love", "pride"}
    assert Condition.from_vad(0.8, 0.7).name in joy_family
    assert Condition.from_vad(0.6, -0.6).name in {"serenity", "joy", "acceptance", "trust", "love"}
    assert top(lexicon.lookup("astonished").condition()) == "surprise"


def test_excited_reads_joy_with_its_rated_dominance() -> None:
    t = math.radians(CIRCUMPLEX["excited"][0])
    assert top(Condition.from_vad(0.8 * math.cos(t), 0.8 * math.sin(t), 0.5)) == "joy"


def test_fear_and_disgust_are_apart() -> None:
    from studio.emotion import BY_ID

    f, d = BY_ID["fear"].vad, BY_ID["disgust"].vad
    f_norm, d_norm = BY_ID["fear"].norm, BY_ID["disgust"].norm
    cos = sum(a * b for a, b in zip(f, d, strict=True)) / (f_norm * d_norm)
    assert cos < 0.95
    assert d[1] < f[1]  # disgust is the calmer of the two
    assert f[2] < d[2]  # fear the less dominant


def test_expected_shape_of_prototypes() -> None:
    from studio.emotion import BY_ID

    v = {pid: p.vad for pid, p in BY_ID.items()}
    assert v["joy"][0] > 0.5 and v["joy"][1] > 0.2
    assert abs(v["surprise"][0]) < v["surprise"][1] and v["surprise"][1] > 0.4
    assert v["trust"][0] > 0.4 and v["trust"][1] < 0.1
    assert 0 < v["anticipation"][0] < v["joy"][0] and v["anticipation"][1] > 0
    assert v["fear"][2] < -0.3 and v["fear"][1] > 0.4
