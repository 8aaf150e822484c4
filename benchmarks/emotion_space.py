"""Figures for the emotion space, and the pad map in the README.

Prints JSON: the word / pad-point table of ``tests/emotion/test_emotion_space.py`` (how many
name the primary people name them by, and which miss), how often a lexicon word's own VAD
point lies in the region of the emotion the word names (by position alone, without the
word's category), how pure each prototype's own point is, and the fear–disgust cosine.

Writes ``benchmarks/pad_map.png``: the names across the pad at dominance 0, each region in
its primary's colour, lighter where the state is milder — what an artist sees when dragging;
and ``pad_map_submissive.png`` at dominance −0.5, where fear lives (in the norms fear and
anger differ mainly in dominance: Russell & Mehrabian 1977 rate anger +0.25, fear −0.43).

Run: python benchmarks/emotion_space.py
"""

from __future__ import annotations

import json
import math
import sys
from collections import Counter
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from studio.emotion import BY_ID, PRIMARIES, Condition, lexicon, vad_to_mixture

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
SIZE, GRID = 720, 180


def top(c: Condition) -> str:
    return max(c.mixture, key=c.mixture.__getitem__) if c.mixture else "neutral"


def figures() -> dict[str, object]:
    rows = table.table()
    misses = {label: top(c) for label, c, ok in rows if top(c) not in ok}
    by_position = Counter()
    for e in lexicon.entries().values():
        if e.mixture:
            named = max(dict(e.mixture), key=dict(e.mixture).__getitem__)
            by_position["words"] += 1
            by_position["agree"] += top(Condition.from_vad(*e.vad)) == named
    f, d = BY_ID["fear"], BY_ID["disgust"]
    cos = sum(a * b for a, b in zip(f.vad, d.vad, strict=True)) / (f.norm * d.norm)
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
    }


def pad_map(path: Path, dominance: float) -> None:
    img = Image.new("RGB", (SIZE, SIZE), (250, 250, 248))
    px = img.load()
    cell = SIZE / GRID
    for j in range(GRID):
        for i in range(GRID):
            v = -1 + 2 * (i + 0.5) / GRID
            a = 1 - 2 * (j + 0.5) / GRID
            c = Condition.from_vad(v, a, dominance)
            if not c.mixture or c.name == "neutral":
                rgb = (235, 235, 232)
            else:
                r = g = b = 0.0
                for pid, w in c.mixture.items():
                    cr, cg, cb = COLOURS[pid]
                    r, g, b = r + w * cr, g + w * cg, b + w * cb
                k = 0.35 + 0.65 * c.intensity  # milder states fade towards paper
                rgb = tuple(int(255 - k * (255 - x)) for x in (r, g, b))
            for y in range(int(j * cell), int((j + 1) * cell)):
                for x in range(int(i * cell), int((i + 1) * cell)):
                    px[x, y] = rgb
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
    note = f"dominance {dominance:+.1f} · squares: Russell 1980 words"
    d.text((8, SIZE - 24), note, fill=(60, 60, 60), font=font)
    img.save(path)


def main() -> None:
    maps = {"pad_map.png": 0.0, "pad_map_submissive.png": -0.5}
    for name, dominance in maps.items():
        pad_map(HERE / name, dominance)
    print(json.dumps({**figures(), "pad_maps": [f"benchmarks/{n}" for n in maps]}, indent=1))


if __name__ == "__main__":
    main()
