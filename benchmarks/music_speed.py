"""Speed of the music generator: composing 60 s of music (plan + compose + MIDI bytes,
target <= 50 ms) and rendering 60 s to audio (midirenderer + normalise, target <= 1.5 s).
Median of several runs over the four quadrant corners. Prints JSON.

Run: python benchmarks/music_speed.py
"""

from __future__ import annotations

import io
import json
import statistics
import sys
import time

import numpy as np

from generators.music import attributes, composer, render
from studio.emotion import Condition

CORNERS = ((0.8, 0.7), (-0.8, 0.7), (-0.8, -0.7), (0.8, -0.7))


def compose_bytes(v: float, a: float, seed: int) -> bytes:
    ctrl = attributes.controls(Condition.from_vad(v, a))
    rng = np.random.default_rng(seed)
    phrases = composer.plan(60.0, lambda t: ctrl, rng)
    pm, _ = composer.compose(phrases, seed, tonic=int(rng.integers(12)))
    buf = io.BytesIO()
    pm.write(buf)
    return buf.getvalue()


def main() -> int:
    compose_bytes(0.0, 0.0, 0)  # warm imports
    render.synthesise(compose_bytes(0.0, 0.0, 0))
    compose_ms, render_s = {}, {}
    for v, a in CORNERS:
        runs = []
        for seed in range(5):
            t = time.perf_counter()
            midi = compose_bytes(v, a, seed)
            runs.append(time.perf_counter() - t)
        compose_ms[f"{v:+.1f},{a:+.1f}"] = round(1000 * statistics.median(runs), 2)
        runs = []
        for _ in range(3):
            t = time.perf_counter()
            render.normalise(render.synthesise(midi)[0])
            runs.append(time.perf_counter() - t)
        render_s[f"{v:+.1f},{a:+.1f}"] = round(statistics.median(runs), 3)
    worst_c, worst_r = max(compose_ms.values()), max(render_s.values())
    out = {
        "compose_60s_ms": compose_ms,
        "render_60s_s": render_s,
        "worst_compose_ms": worst_c,
        "worst_render_s": worst_r,
        "compose_pass (<= 50 ms)": worst_c <= 50.0,
        "render_pass (<= 1.5 s)": worst_r <= 1.5,
    }
    print(json.dumps(out, indent=2))
    return 0 if worst_c <= 50.0 and worst_r <= 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())
