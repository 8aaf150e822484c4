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

The pad's geometry is checked too: intensity grows with distance from the centre (halfway
out is about half), and names stay put under a drag (each region one piece, each boundary
crossed once along a ray, no one-pixel reversals).

A row passes when the heaviest primary of the resulting condition is one of the accepted
ones. The table as a whole must pass at ≥ 95 % (the known misses are listed in
``KNOWN_MISSES`` with the reason, so a new miss is a failure, not noise).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable

import pytest

from studio.emotion import PRIMARY_IDS, Condition, lexicon, vad_to_mixture
from studio.emotion.naming import STRONG_FROM, WEAK_BELOW

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
    # Shaver's fear cluster holds a nervousness subcluster (anxiety, nervousness, tenseness,
    # uneasiness, apprehension, worry, distress, dread) and panic in its horror subcluster.
    "anxious": {"fear"},
    "nervous": {"fear"},
    "worried": {"fear"},
    "worry": {"fear"},
    "panicky": {"fear"},
    "fearful": {"fear"},
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
    # NRC EmoLex (Mohammad & Turney 2013) associates "boredom" with sadness only, and the
    # NRC Emotion Intensity Lexicon rates it sadness 0.235 ("bored" is in neither).
    "bored": {"sadness"},
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

KNOWN_MISSES: dict[str, str] = {}


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


def test_excited_reads_its_word_with_its_rated_dominance() -> None:
    """Russell's "excited" (48.6°) lies between joy and surprise, on anticipation's ray. With
    the dominance the norms rate it (NRC +0.42, Warriner +0.58) the pad reads the primary
    the word itself is named by (NRC-EIL: excited is anticipation 0.859 first)."""
    t = math.radians(CIRCUMPLEX["excited"][0])
    pad = top(Condition.from_vad(0.8 * math.cos(t), 0.8 * math.sin(t), 0.5))
    assert pad == top(lexicon.lookup("excited").condition())
    assert pad in CIRCUMPLEX["excited"][1]


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


# -- the words of issue 23 ---------------------------------------------------------------


def test_bored_is_mild_sadness_not_grief() -> None:
    bored = lexicon.lookup("bored").condition()
    assert top(bored) == "sadness"
    assert bored.intensity < WEAK_BELOW  # the weak rung: pensiveness, not grief
    assert bored.name == "pensiveness"
    assert bored.intensity < lexicon.lookup("sad").condition().intensity


def test_fear_cluster_words_are_fear_and_panic_is_strong() -> None:
    mild = {w: lexicon.lookup(w).condition() for w in ("nervous", "anxious", "worried")}
    panicky = lexicon.lookup("panicky").condition()
    assert {top(c) for c in mild.values()} == {"fear"}
    assert top(panicky) == "fear"
    assert panicky.intensity >= STRONG_FROM - 0.05
    assert all(c.intensity < panicky.intensity for c in mild.values())
    assert panicky.intensity >= lexicon.lookup("panic").condition().intensity


# -- intensity by radius -----------------------------------------------------------------


def ray(deg: float, radii: Iterable[float], dominance: float = 0.0) -> list[Condition]:
    t = math.radians(deg)
    return [Condition.from_vad(r * math.cos(t), r * math.sin(t), dominance) for r in radii]


@pytest.mark.parametrize("deg", range(0, 360, 15))
def test_intensity_grows_with_distance_from_the_centre(deg: int) -> None:
    radii = [i / 20 for i in range(21)]
    levels = [c.intensity for c in ray(deg, radii)]
    assert all(b >= a - 1e-9 for a, b in itertools.pairwise(levels))
    assert all(level <= r + 1e-9 for level, r in zip(levels, radii, strict=True))
    assert 0.35 <= levels[10] <= 0.5 + 1e-9  # halfway out is about half, in every direction
    assert levels[-1] >= 0.7  # the rim of the circumplex is (near) full


def test_halfway_out_on_the_pleasant_excited_diagonal_is_not_full() -> None:
    half = Condition.from_vad(0.38, 0.38)
    assert 0.45 <= half.intensity <= 0.6
    assert half.name == "anticipation"  # the basic rung, not "vigilance"
    assert Condition.from_vad(0.72, 0.72).intensity >= 0.95


@pytest.mark.parametrize("pid", PRIMARY_IDS)
def test_round_trip_reads_back_mixture_and_intensity(pid: str) -> None:
    """A primary at an intensity, put on the pad and read back, is that primary at that
    intensity: the full-intensity point of every primary lies at the rim."""
    for level in (0.15, 0.3, 0.5, 0.7, 0.9, 1.0):
        c = Condition.from_mixture({pid: 1.0}, level)
        mixture, intensity = vad_to_mixture(c.vad)
        assert max(mixture, key=mixture.__getitem__) == pid
        assert intensity == pytest.approx(level, abs=0.01)


# -- names that stay put -----------------------------------------------------------------


def runs(names: Iterable[str]) -> list[tuple[str, int]]:
    """Consecutive runs of equal names, as (name, length)."""
    out: list[tuple[str, int]] = []
    for n in names:
        if out and out[-1][0] == n:
            out[-1] = (n, out[-1][1] + 1)
        else:
            out.append((n, 1))
    return out


def test_the_reported_drag_does_not_flicker() -> None:
    """Issue 23: along the pleasant–excited diagonal near (0.76, 0.76) the headline flipped
    three times in 16 px. Walked in 1/1000 steps (a fraction of a pixel on any pad), the
    whole diagonal crosses each boundary once, and 16 px around there (0.06 of the 2-unit
    pad at 500 px) holds at most one change."""
    whole = [Condition.from_vad(i / 1000, i / 1000).name for i in range(1000)]
    names = [n for n, _ in runs(whole)]
    assert len(names) == len(set(names)), names
    near = [Condition.from_vad(x / 1000, x / 1000).name for x in range(730, 791)]
    assert len(runs(near)) <= 2
    # The same drag by hand: a wobble of about two pixels across the diagonal. Before, the
    # delight/ecstasy boundary ran along the diagonal here and flipped with every wobble.
    for centre in (0.52, 0.76):  # the pad's (0.76, 0.76) from a corner, and from the centre
        hand = []
        for k in range(81):
            t, w = centre - 0.04 + k / 1000, 0.006 * math.sin(0.9 * k) / math.sqrt(2)
            hand.append(Condition.from_vad(t - w, t + w).name)
        assert len(runs(hand)) <= 2, runs(hand)


@pytest.mark.parametrize("deg", [d / 2 for d in range(0, 720, 5)])
def test_each_boundary_is_crossed_once_along_a_ray(deg: float) -> None:
    """Dragging straight out from the centre (dominance 0) the headline never returns to a
    name it has left: regions are monotone along every ray."""
    names = [n for n, _ in runs(c.name for c in ray(deg, [i / 400 for i in range(400)]))]
    assert len(names) == len(set(names)), names


@pytest.mark.parametrize("dominance", [-0.5, 0.0, 0.5])
def test_no_one_pixel_reversals_across_the_pad(dominance: float) -> None:
    """Rows, columns and diagonals of the pad walked in 1/400 steps: a name never changes
    and changes back within one step (the flicker a slow drag would show)."""
    steps = [-1 + i / 200 for i in range(401)]
    lines = []
    for k in range(-18, 19, 2):
        c = k / 20
        lines.append([(x, c) for x in steps])
        lines.append([(c, y) for y in steps])
        lines.append([(x, x + c) for x in steps if abs(x + c) <= 1])
    for line in lines:
        r = runs(Condition.from_vad(v, a, dominance).name for v, a in line)
        blips = [
            (r[i - 1][0], r[i][0])
            for i in range(1, len(r) - 1)
            if r[i - 1][0] == r[i + 1][0] and r[i][1] == 1
        ]
        assert not blips, (line[0], blips)


NEIGHBOURS = [(di, dj) for di in (-1, 0, 1) for dj in (-1, 0, 1) if di or dj]


def pieces(grid: list[list[str]]) -> dict[str, list[set[tuple[int, int]]]]:
    """Connected pieces of each name on a polar grid (rows wrap around in angle; cells that
    touch at a corner are connected, so a thin band drawn as a staircase is one piece)."""
    n_a, n_r = len(grid), len(grid[0])
    seen: set[tuple[int, int]] = set()
    out: dict[str, list[set[tuple[int, int]]]] = {}
    for a in range(n_a):
        for r in range(n_r):
            if (a, r) in seen:
                continue
            name, piece, stack = grid[a][r], {(a, r)}, [(a, r)]
            seen.add((a, r))
            while stack:
                i, j = stack.pop()
                for di, dj in NEIGHBOURS:
                    ii, jj = (i + di) % n_a, j + dj
                    if 0 <= jj < n_r and (ii, jj) not in seen and grid[ii][jj] == name:
                        seen.add((ii, jj))
                        piece.add((ii, jj))
                        stack.append((ii, jj))
            out.setdefault(name, []).append(piece)
    return out


def test_no_islands_at_dominance_zero() -> None:
    """Every region of the pad (dominance 0) is one piece: no islands. Walked on a polar
    grid (2° × 1/50), which resolves the regions near the centre. Pieces within two cells of
    the main one are a band cut by the sampling, not an island. Names thinner than that
    sampling resolves (the line where surprise and anticipation are even, the outrage band
    between surprise and anger, the vigilance cap) cover under 0.5 % of the grid; they are
    left to the ray and reversal tests above."""
    n_a, n_r = 180, 50
    grid = [[c.name for c in ray(2 * a, [(r + 1) / n_r for r in range(n_r)])] for a in range(n_a)]
    islands = {}
    for name, parts in pieces(grid).items():
        if sum(map(len, parts)) < 0.005 * n_a * n_r:
            continue
        main = max(parts, key=len)
        for part in parts:
            if part is main:
                continue
            gap = min(
                max(min(abs(i - k), n_a - abs(i - k)), abs(j - m)) for i, j in part for k, m in main
            )
            if gap > 2:
                islands[name] = (len(part), gap)
    assert islands == {}


def test_conflicts_only_where_opposites_balance_on_the_pad() -> None:
    """A point well inside one region never reads "… conflict" (issue 23: (0.5, 0.5) read
    "surprise–anticipation conflict" with anticipation at 0.52)."""
    assert "conflict" not in Condition.from_vad(0.5, 0.5).name
    conflicts = 0
    for i in range(41):
        for j in range(41):
            c = Condition.from_vad(-1 + i / 20, -1 + j / 20)
            if c.name.endswith("conflict"):
                conflicts += 1
                assert max(c.mixture.values()) < 0.56, c
    assert conflicts / 41**2 < 0.05
