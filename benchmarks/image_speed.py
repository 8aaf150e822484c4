"""Speed of the procedural image renderer.

Goals (the issue): a 1024×1024 image in <= 0.5 s and a 256×256 preview in <= 40 ms (fast
enough to follow a dragged pad point). ``render`` times the compositor alone (what a
preview needs: pixels in memory); ``generate`` is the whole plugin call (render, measured
features and the PNG written atomically). Medians over every style × five pad points ×
two seeds, after one warm-up. On a shared machine the figures are pessimistic; re-run on a
quiet one.

Run: python benchmarks/image_speed.py
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from generators.image import ImageGenerator
from generators.image.attributes import look
from generators.image.render import compose
from generators.image.vocabulary import parse
from studio.emotion import Condition
from studio.plugins.contract import Request

POINTS = ((0.8, 0.8), (-0.8, 0.8), (-0.8, -0.8), (0.8, -0.8), (0.0, 0.0))
STYLES = ("flow", "wash", "shards", "landscape", "auto")
SEEDS = (0, 1)
GOALS = {1024: 0.5, 256: 0.040}


def time_render(size: int) -> dict[str, float]:
    per_style: dict[str, float] = {}
    every: list[float] = []
    compose(look(Condition.neutral()), parse(None), "auto", size, size, 0, lambda f, m: None)
    for style in STYLES:
        times = []
        for v, a in POINTS:
            lk = look(Condition.from_vad(v, a))
            motif = parse("a lighthouse by the sea" if style == "auto" else None)
            for seed in SEEDS:
                t = time.perf_counter()
                compose(lk, motif, style, size, size, seed, lambda f, m: None)
                times.append(time.perf_counter() - t)
        per_style[style] = statistics.median(times)
        every += times
    per_style["median"] = statistics.median(every)
    per_style["p90"] = sorted(every)[int(0.9 * len(every))]
    return per_style


def time_generate(size: int) -> float:
    gen = ImageGenerator()
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (v, a) in enumerate(POINTS):
            out = Path(tmp) / f"{i}.png"
            req = Request(
                "image", out, condition=Condition.from_vad(v, a), params={"size": size}, seed=i
            )
            t = time.perf_counter()
            gen.generate(req)
            times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> int:
    results = {}
    for size, goal in GOALS.items():
        render = time_render(size)
        results[f"{size}x{size}"] = {
            "render_s": {k: round(v, 4) for k, v in render.items()},
            "generate_s_median": round(time_generate(size), 4),
            "goal_render_s": goal,
            "meets_goal": render["median"] <= goal,
        }
    print(f"{'size':>10} {'style':>10} {'render s':>9}")
    for size, r in results.items():
        for style, sec in r["render_s"].items():
            print(f"{size:>10} {style:>10} {sec:9.4f}")
        print(f"{size:>10} {'generate':>10} {r['generate_s_median']:9.4f}")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
