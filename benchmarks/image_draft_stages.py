"""Where an image preview's time goes, stage by stage: a live draft (what the window asks
for while the pointer moves) against the full render at rest, both at the draft size.

Each stage is timed from the generator's own progress calls (layout → sky → styles →
composition → light → tone → finishing → measuring → writing), medians over moods and
styles spread across the pad. Also prints how far a draft's tone lands from the full
render's (mean L* and chroma of the picture), so a cheaper draft is seen to look the same.

Run: nice -n 10 python benchmarks/image_draft_stages.py [--size 256] [--repeats 3]
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from generators.image.generator import ImageGenerator
from studio.emotion import Condition
from studio.plugins.contract import Request

MOODS = [(-0.8, 0.3), (0.6, 0.6), (0.1, -0.7), (-0.5, -0.5), (0.8, -0.2), (-0.2, 0.9)]
STYLES = ["flow", "wash", "shards", "landscape"]


def _timed(
    gen: ImageGenerator, out: Path, vad: tuple[float, float], style: str, size: int, draft: bool
) -> tuple[dict[str, float], float, np.ndarray]:
    marks: list[tuple[str, float]] = [("layout", time.perf_counter())]

    def progress(fraction: float, message: str = "", preview: Path | None = None) -> None:
        marks.append(
            (
                message.split(" ")[0] if message.startswith("drawing") else message,
                time.perf_counter(),
            )
        )

    request = Request(
        "image",
        out,
        condition=Condition.from_vad(*vad),
        params={"size": str(size), "style": style, "draft": draft},
        seed=5,
    )
    start = time.perf_counter()
    gen.generate(request, progress)
    total = time.perf_counter() - start
    marks.append(("end", time.perf_counter()))
    stages: dict[str, float] = defaultdict(float)
    for (name, t0), (_next, t1) in itertools.pairwise(marks):
        stages[name] += t1 - t0
    from PIL import Image

    return dict(stages), total, np.asarray(Image.open(out).convert("RGB"))


def _tone(rgb: np.ndarray) -> tuple[float, float]:
    from skimage.color import rgb2lab

    lab = rgb2lab(rgb)
    return float(lab[..., 0].mean()), float(np.hypot(lab[..., 1], lab[..., 2]).mean())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    gen = ImageGenerator()
    report: dict[str, object] = {"size": args.size}
    tone_gap: list[tuple[float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        _timed(gen, Path(tmp) / "warm.png", (0.0, 0.0), "flow", args.size, True)  # imports
        pictures: dict[bool, list[np.ndarray]] = {True: [], False: []}
        for draft in (True, False):
            per_stage: dict[str, list[float]] = defaultdict(list)
            totals: list[float] = []
            for vad in MOODS:
                for style in STYLES:
                    runs = [
                        _timed(gen, Path(tmp) / "x.png", vad, style, args.size, draft)
                        for _ in range(args.repeats)
                    ]
                    best = min(runs, key=lambda r: r[1])  # least disturbed of the repeats
                    totals.append(best[1])
                    for name, seconds in best[0].items():
                        per_stage[name].append(seconds)
                    pictures[draft].append(best[2])
            ms = statistics.median(totals) * 1000
            report["draft" if draft else "full"] = {
                "ms_per_frame_median": round(ms, 1),
                "frames_per_s_one_worker": round(1000 / ms, 1),
                "stages_ms_median": {
                    k: round(statistics.median(v) * 1000, 1) for k, v in per_stage.items()
                },
            }
        for a, b in zip(pictures[True], pictures[False], strict=True):
            (la, ca), (lb, cb) = _tone(a), _tone(b)
            tone_gap.append((abs(la - lb), abs(ca - cb)))
    report["draft_vs_full_tone"] = {
        "mean_L_gap_max": round(max(g[0] for g in tone_gap), 2),
        "mean_chroma_gap_max": round(max(g[1] for g in tone_gap), 2),
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
