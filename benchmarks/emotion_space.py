"""Figures for the emotion space, and the pad map in the README.

Prints JSON: the word / pad-point table of ``tests/emotion/test_emotion_space.py`` (how many
name the primary people name them by, and which miss), how often a lexicon word's own VAD
point lies in the region of the emotion the word names (by position alone, without the
word's category), how pure each prototype's own point is, the fear–disgust cosine; how
intensity grows with distance from the centre (halfway out, at the rim, round trip), how
stable the names are under a drag (name changes along the pleasant–excited diagonal, rays
that return to a name, one-step reversals on lines across the pad, share of the pad read
as a conflict), and what the words of issue 23 read.

Writes ``benchmarks/pad_map.png``: the names across the pad at dominance 0, each region in
its primary's colour, lighter where the state is milder, with a dark line wherever the name
changes — what an artist sees when dragging; and ``pad_map_submissive.png`` at dominance
−0.5, where fear lives (in the norms fear and anger differ mainly in dominance: Russell &
Mehrabian 1977 rate anger +0.25, fear −0.43).

Run: python benchmarks/emotion_space.py
"""

from __future__ import annotations

import json
import math
import sys
from collections import Counter
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from studio.emotion import (
    BY_ID,
    PRIMARIES,
    PRIMARY_IDS,
    Condition,
    lexicon,
    mixture_to_vad,
    vad_to_mixture,
)

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "emotion"))
import test_emotion_space as table  # noqa: E402  (the test table is the benchmark's input)

# Plutchik's wheel colours (Plutchik 2001, American Scientist 89:344, wheel figure).
COLOURS = {
    "joy": (255, 214, 0),
    "trust": (142, 199, 66),
    "fear": (0, 150, 80),
    "surprise": (0, 160, 200),
    "sadness": (40, 90, 200),
    "disgust": (150, 80, 180),
    "anger": (220, 40, 50),
    "anticipation": (245, 140, 30),
}
SIZE, GRID = 720, 240
ISSUE_WORDS = ("bored", "nervous", "anxious", "worried", "panicky")


def top(c: Condition) -> str:
    return max(c.mixture, key=c.mixture.__getitem__) if c.mixture else "neutral"


def name_runs(names: list[str]) -> list[str]:
    """The names in order, each run of equal names once."""
    out: list[str] = []
    for n in names:
        if not out or out[-1] != n:
            out.append(n)
    return out


def ray(deg: float, radius: float, dominance: float = 0.0) -> Condition:
    t = math.radians(deg)
    return Condition.from_vad(radius * math.cos(t), radius * math.sin(t), dominance)


def intensity_figures() -> dict[str, object]:
    rim = [ray(d, 1.0).intensity for d in range(0, 360, 5)]
    half = [ray(d, 0.5).intensity for d in range(0, 360, 5)]
    errors = []
    for pid in PRIMARY_IDS:
        for level in (0.15, 0.3, 0.5, 0.7, 0.9, 1.0):
            mixture, back = vad_to_mixture(mixture_to_vad({pid: 1.0}, level))
            same = max(mixture, key=mixture.__getitem__) == pid
            errors.append(abs(back - level) if same else 1.0)
    c = Condition.from_vad(0.38, 0.38)
    return {
        "halfway_diagonal_0.38": {"name": c.name, "intensity": round(c.intensity, 2)},
        "half_radius_intensity_min_max": [round(min(half), 2), round(max(half), 2)],
        "rim_intensity_min_mean": [round(min(rim), 2), round(sum(rim) / len(rim), 2)],
        "round_trip_single_primary_max_intensity_error": round(max(errors), 3),
    }


def stability_figures() -> dict[str, object]:
    diagonal = name_runs([Condition.from_vad(i / 1000, i / 1000).name for i in range(1000)])
    near = name_runs([Condition.from_vad(i / 1000, i / 1000).name for i in range(730, 791)])
    revisits = 0
    for k in range(144):
        names = name_runs([ray(2.5 * k, i / 400).name for i in range(400)])
        revisits += len(names) != len(set(names))
    steps = [-1 + i / 200 for i in range(401)]
    reversals = 0
    for dominance in (-0.5, 0.0, 0.5):
        for k in range(-18, 19, 2):
            c = k / 20
            for line in (
                [(x, c) for x in steps],
                [(c, y) for y in steps],
                [(x, x + c) for x in steps if abs(x + c) <= 1],
            ):
                names = [Condition.from_vad(v, a, dominance).name for v, a in line]
                reversals += sum(
                    names[i - 1] == names[i + 1] != names[i] for i in range(1, len(names) - 1)
                )
    grid = [Condition.from_vad(-1 + i / 20, -1 + j / 20).name for i in range(41) for j in range(41)]
    return {
        "diagonal_names": diagonal,
        "diagonal_names_revisited": len(diagonal) - len(set(diagonal)),
        "drag_0.73_to_0.79_name_changes": len(near) - 1,
        "rays_that_return_to_a_name_of_144": revisits,
        "one_step_reversals_on_171_lines": reversals,
        "pad_share_read_as_conflict": round(sum(n.endswith("conflict") for n in grid) / 41**2, 3),
    }


def figures() -> dict[str, object]:
    rows = table.table()
    misses = {label: top(c) for label, c, ok in rows if top(c) not in ok}
    by_position: Counter[str] = Counter()
    for e in lexicon.entries().values():
        if e.mixture:
            named = max(dict(e.mixture), key=dict(e.mixture).__getitem__)
            by_position["words"] += 1
            by_position["agree"] += top(Condition.from_vad(*e.vad)) == named
    f, d = BY_ID["fear"], BY_ID["disgust"]
    cos = sum(a * b for a, b in zip(f.vad, d.vad, strict=True)) / (f.norm * d.norm)
    words = {}
    for w in ISSUE_WORDS:
        try:
            c = lexicon.lookup(w).condition()
            words[w] = f"{c.name} {c.intensity:.2f}"
        except ValueError:
            words[w] = "unknown"
    return {
        "table_rows": len(rows),
        "table_accuracy": round(1 - len(misses) / len(rows), 3),
        "table_misses": misses,
        "lexicon_words": len(lexicon.entries()),
        "words_with_an_emotion": by_position["words"],
        "word_vad_in_its_emotions_region": round(by_position["agree"] / by_position["words"], 3),
        "prototype_purity": {
            p.id: round(vad_to_mixture(p.vad)[0].get(p.id, 0.0), 2) for p in PRIMARIES
        },
        "fear_disgust_cosine": round(cos, 3),
        "corner_0.8_0.7": Condition.from_vad(0.8, 0.7).name,
        "origin": Condition.from_vad(0, 0, 0).name,
        "issue_words": words,
        **intensity_figures(),
        **stability_figures(),
    }


def pad_map(path: Path, dominance: float) -> None:
    img = Image.new("RGB", (SIZE, SIZE), (250, 250, 248))
    px = img.load()
    assert px is not None
    cell = SIZE / GRID
    grid = [
        [
            Condition.from_vad(-1 + 2 * (i + 0.5) / GRID, 1 - 2 * (j + 0.5) / GRID, dominance)
            for i in range(GRID)
        ]
        for j in range(GRID)
    ]
    names = [[c.name for c in row] for row in grid]
    for j in range(GRID):
        for i in range(GRID):
            c = grid[j][i]
            rgb: tuple[int, ...]
            if not c.mixture or c.name == "neutral":
                rgb = (235, 235, 232)
            else:
                r = g = b = 0.0
                for pid, w in c.mixture.items():
                    cr, cg, cb = COLOURS[pid]
                    r, g, b = r + w * cr, g + w * cg, b + w * cb
                k = 0.35 + 0.65 * c.intensity  # milder states fade towards paper
                rgb = tuple(int(255 - k * (255 - x)) for x in (r, g, b))
            # A boundary: the name changes to the right or below this cell.
            edge = (i + 1 < GRID and names[j][i + 1] != c.name) or (
                j + 1 < GRID and names[j + 1][i] != c.name
            )
            if edge:
                rgb = (60, 60, 60)
            for row in range(int(j * cell), int((j + 1) * cell)):
                for col in range(int(i * cell), int((i + 1) * cell)):
                    px[col, row] = rgb
    d = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=15)
    small = ImageFont.load_default(size=12)
    d.line([(SIZE / 2, 0), (SIZE / 2, SIZE)], fill=(120, 120, 120))
    d.line([(0, SIZE / 2), (SIZE, SIZE / 2)], fill=(120, 120, 120))
    # Names at a 7×7 lattice of points: what the badge reads there.
    for j in range(7):
        for i in range(7):
            v, a = -0.9 + 0.3 * i, 0.9 - 0.3 * j
            name = Condition.from_vad(v, a, dominance).name
            x, y = (v + 1) / 2 * SIZE, (1 - a) / 2 * SIZE
            d.ellipse([x - 2, y - 2, x + 2, y + 2], fill=(40, 40, 40))
            label = name.replace("–", "-")  # the bundled font has no en dash
            d.text((x, y + 4), label, fill=(20, 20, 20), font=small, anchor="mt")
    # Russell 1980 circumplex words at radius 0.8, with what the pad calls them.
    for word, (deg, _) in table.CIRCUMPLEX.items():
        t = math.radians(deg)
        v, a = 0.8 * math.cos(t), 0.8 * math.sin(t)
        x, y = (v + 1) / 2 * SIZE, (1 - a) / 2 * SIZE
        d.rectangle([x - 3, y - 3, x + 3, y + 3], outline=(0, 0, 0))
        d.text((x + 6, y - 8), f'"{word}"', fill=(90, 20, 20), font=small)
    d.text((SIZE - 8, SIZE / 2 + 6), "valence ->", fill=(60, 60, 60), font=font, anchor="ra")
    d.text((SIZE / 2 + 6, 8), "^ arousal", fill=(60, 60, 60), font=font)
    note = f"dominance {dominance:+.1f} · squares: Russell 1980 words · lines: name boundaries"
    d.text((8, SIZE - 24), note, fill=(60, 60, 60), font=font)
    img.save(path)


def main() -> None:
    maps = {"pad_map.png": 0.0, "pad_map_submissive.png": -0.5}
    for name, dominance in maps.items():
        pad_map(HERE / name, dominance)
    print(json.dumps({**figures(), "pad_maps": [f"benchmarks/{n}" for n in maps]}, indent=1))


if __name__ == "__main__":
    main()
