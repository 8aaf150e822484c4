"""Speech start-up against plain Piper, as whole processes (what the artist waits for).

- ``voice_load_s``: a fresh process importing and loading the voice (the studio's
  ``voice.load`` vs Piper's own ``PiperVoice.load``, same model), paired runs, medians.
- ``whole_process``: ``studio generate speech`` of one sentence vs a minimal Piper script
  writing the same sentence to a WAV file, run in turn (A B A B …); the ratio is taken
  pair by pair (a drifting machine moves both) and its median printed. Criterion <= 1.5.
- ``first_load_s``: the very first load, which patches the graph and writes the cache.
- ``session_options``: onnxruntime session build time for each option tried (optimisation
  level, saved optimised graph, arena, threads), in this process, medians of 3.

Run: python benchmarks/speech_startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from generators.speech import voice as speech_voice

TEXT = "The meeting has been moved to Thursday afternoon."
LIMIT = 1.5

STUDIO_LOAD = """
import time
t = time.perf_counter()
from generators.speech import voice
voice.load(voice.resolve_voice("joe"))
print(time.perf_counter() - t)
"""
PIPER_LOAD = """
import sys, time
t = time.perf_counter()
from piper import PiperVoice
PiperVoice.load(sys.argv[1])
print(time.perf_counter() - t)
"""
PIPER_SPEAK = """
import sys, wave
from piper import PiperVoice
voice = PiperVoice.load(sys.argv[1])
with wave.open(sys.argv[2], "wb") as out:
    voice.synthesize_wav(sys.argv[3], out)
"""


def _timed(cmd: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{cmd[:3]} failed: {done.stderr.strip()[-400:]}")
    return wall, done.stdout


def _paired(a: list[str], b: list[str], runs: int, env: dict[str, str]) -> dict[str, Any]:
    _timed(a, env), _timed(b, env)  # warm-up: file cache, the voice graph cache
    walls_a, walls_b, out_a, out_b = [], [], [], []
    for _ in range(runs):
        wa, sa = _timed(a, env)
        wb, sb = _timed(b, env)
        walls_a.append(wa)
        walls_b.append(wb)
        out_a.append(sa)
        out_b.append(sb)
    ratios = [x / y for x, y in zip(walls_a, walls_b, strict=True)]
    return {
        "a_wall_s": round(statistics.median(walls_a), 3),
        "b_wall_s": round(statistics.median(walls_b), 3),
        "ratio_median": round(statistics.median(ratios), 3),
        "ratio_min_max": [round(min(ratios), 3), round(max(ratios), 3)],
        "a_stdout": out_a,
        "b_stdout": out_b,
    }


def _session_options(model: Path) -> dict[str, float]:
    """Build time of an onnxruntime session for each option, medians of 3."""
    import onnxruntime as ort

    patched = speech_voice._patched(model)
    cached = speech_voice.cached_graph(model)
    levels = ort.GraphOptimizationLevel

    def build(source: Path | bytes, level: Any, arena: bool = False, threads: int = 0) -> float:
        options = ort.SessionOptions()
        options.log_severity_level = 3
        options.enable_cpu_mem_arena = arena
        options.enable_mem_pattern = arena
        options.graph_optimization_level = level
        if threads:
            options.intra_op_num_threads = threads
        times = []
        for _ in range(3):
            start = time.perf_counter()
            ort.InferenceSession(
                str(source) if isinstance(source, Path) else source,
                sess_options=options,
                providers=["CPUExecutionProvider"],
            )
            times.append(time.perf_counter() - start)
        return round(statistics.median(times), 3)

    return {
        "patched, all optimisations (before)": build(patched, levels.ORT_ENABLE_ALL),
        "patched, extended": build(patched, levels.ORT_ENABLE_EXTENDED),
        "patched, basic": build(patched, levels.ORT_ENABLE_BASIC),
        "patched, none": build(patched, levels.ORT_DISABLE_ALL),
        "cached optimised graph, none (now)": build(cached, levels.ORT_DISABLE_ALL),
        "cached, arena on": build(cached, levels.ORT_DISABLE_ALL, arena=True),
        "cached, 1 thread": build(cached, levels.ORT_DISABLE_ALL, threads=1),
        "plain model, Piper's default options": build(model, levels.ORT_ENABLE_ALL),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    model = speech_voice.resolve_voice("joe")
    studio = shutil.which("studio") or "studio"
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "STUDIO_HOME": str(Path(tmp) / "home")}
        first, _ = _timed([sys.executable, "-c", STUDIO_LOAD], env)
        load = _paired(
            [sys.executable, "-c", STUDIO_LOAD],
            [sys.executable, "-c", PIPER_LOAD, str(model)],
            args.runs,
            env,
        )
        whole = _paired(
            [
                studio,
                "generate",
                "speech",
                "-o",
                f"{tmp}/s.wav",
                "--text",
                TEXT,
                "--emotion",
                "joy",
            ],
            [sys.executable, "-c", PIPER_SPEAK, str(model), f"{tmp}/p.wav", TEXT],
            args.runs,
            env,
        )
        os.environ["STUDIO_HOME"] = env["STUDIO_HOME"]
        options = _session_options(model)
    studio_load = statistics.median(float(s) for s in load.pop("a_stdout"))
    piper_load = statistics.median(float(s) for s in load.pop("b_stdout"))
    whole.pop("a_stdout"), whole.pop("b_stdout")
    report = {
        "text": TEXT,
        "runs": args.runs,
        "voice_load_s": {"studio": round(studio_load, 3), "piper": round(piper_load, 3)},
        "voice_load_process_wall_s": {"studio": load["a_wall_s"], "piper": load["b_wall_s"]},
        "first_load_s": round(first, 3),
        "whole_process": {
            "studio_wall_s": whole["a_wall_s"],
            "piper_wall_s": whole["b_wall_s"],
            "ratio_median": whole["ratio_median"],
            "ratio_min_max": whole["ratio_min_max"],
            "limit": LIMIT,
            "ok": whole["ratio_median"] <= LIMIT,
        },
        "session_options_s": options,
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
