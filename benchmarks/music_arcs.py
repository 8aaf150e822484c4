"""Music along emotional arcs: length, and tempo / density / loudness / mode along the arc.

Eight arcs (the two of issue 23 that came out short and backwards, arcs that cross the
centre, that move valence and arousal in opposite directions, that go up and back down, a
short and a long one) × 3 seeds. Everything is read back from the written file with
pretty-midi: the length (``get_end_time``), and per window of two bars (from
``get_downbeats``) the tempo (``get_tempo_changes``, time-weighted), note onsets per second
and mean melody velocity, against the arc's arousal at the window's middle; the mode of each
phrase (the plan) against the arc's valence at the phrase's middle.

Criteria per arc and seed (as in tests/generators/test_music_arcs.py): length within one
bar of the arc; Spearman ρ(tempo, arousal) >= 0.9, ρ(density, arousal) >= 0.8,
ρ(velocity, arousal) >= 0.7 where arousal moves
(span >= 0.5); no window pair 0.5 or more apart in arousal with the tempo the wrong way;
phrases with valence >= 0.4 major and <= −0.4 minor. Prints one JSON line per arc and seed,
then a summary.

Run: python benchmarks/music_arcs.py
"""

from __future__ import annotations

import itertools
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pretty_midi
from scipy.stats import spearmanr

from generators.music import MusicGenerator
from studio.emotion import Condition, Trajectory
from studio.emotion.lexicon import lookup
from studio.plugins.contract import Request

SEEDS = (0, 1, 2)


def vad(v: float, a: float) -> Condition:
    return Condition.from_vad(v, a)


def word(w: str) -> Condition:
    return lookup(w).condition()


ARCS: dict[str, list[tuple[float, Condition]]] = {
    "calm>furious>melancholy 20s": [
        (0, word("calm")),
        (10, word("furious")),
        (20, word("melancholy")),
    ],
    "pleasant calm>angry 20s": [(0, vad(0.6, -0.8)), (20, vad(-0.7, 0.6))],
    "sad>joyful>sad 60s": [(0, word("sad")), (30, word("joyful")), (60, word("sad"))],
    "across the centre 30s": [(0, vad(-0.8, -0.8)), (30, vad(0.8, 0.8))],
    "valence up, arousal down 24s": [(0, vad(-0.8, 0.8)), (24, vad(0.8, -0.8))],
    "arousal up and back down 30s": [
        (0, vad(0.1, -0.8)),
        (15, vad(0.1, 0.9)),
        (30, vad(0.1, -0.8)),
    ],
    "short turn 8s": [(0, vad(0.7, 0.7)), (8, vad(-0.7, -0.7))],
    "long wander 90s": [
        (0, vad(0.0, 0.0)),
        (20, vad(0.8, 0.6)),
        (45, vad(-0.6, -0.7)),
        (70, vad(-0.7, 0.8)),
        (90, vad(0.5, -0.4)),
    ],
}


def analyse(path: Path, arc: Trajectory, plan: list[dict[str, Any]]) -> dict[str, Any]:
    """Per two-bar window: arousal, tempo, onsets per second, velocity; per phrase: mode."""
    len_bars = plan[-1]["start_bar"] + plan[-1]["bars"]
    pm = pretty_midi.PrettyMIDI(str(path))
    end = pm.get_end_time()
    times, tempi = pm.get_tempo_changes()
    # Two-bar windows up to the final bar (the cadence and its held chord thin out by design).
    bars = [float(t) for t in pm.get_downbeats()][:len_bars]
    edges = [*bars[: len_bars - 1 : 2], bars[-1]] if len_bars > 1 else [0.0, end]
    onsets = np.array(sorted(n.start for i in pm.instruments for n in i.notes))
    # Loudness of the lead: the mean over all tracks mostly counts how many soft hi-hats and
    # accompaniment notes a window has.
    notes = [n for i in pm.instruments if i.name == "Melody" for n in i.notes]
    rows = []
    for lo, hi in itertools.pairwise(edges):
        grid = np.linspace(lo, hi, 64, endpoint=False)
        tempo = float(np.mean(tempi[np.searchsorted(times, grid, side="right") - 1]))
        inside = [n.velocity for n in notes if lo <= n.start < hi]
        rows.append(
            {
                "arousal": float(np.mean([arc.at(float(t)).arousal for t in grid])),
                "tempo": tempo,
                "density": float(np.sum((onsets >= lo) & (onsets < hi)) / (hi - lo)),
                "velocity": float(np.mean(inside)) if inside else 0.0,
            }
        )
    starts = [p["start_s"] for p in plan] + [end]
    modes = []
    for p, a, b in zip(plan, starts[:-1], starts[1:], strict=True):
        modes.append({"valence": arc.at((a + b) / 2).valence, "mode": p["mode"]})
    return {"end": end, "bar_s": 240.0 / float(tempi[-1]), "windows": rows, "modes": modes}


def judge(arc: Trajectory, got: dict[str, Any]) -> dict[str, Any]:
    rows = got["windows"]
    aro = [r["arousal"] for r in rows]
    moves = len(rows) >= 3 and max(aro) - min(aro) >= 0.5
    out: dict[str, Any] = {
        "arc_s": arc.end,
        "music_s": round(got["end"], 3),
        "length_ok": bool(abs(got["end"] - arc.end) <= got["bar_s"]),
    }
    for key in ("tempo", "density", "velocity"):
        rho = float(spearmanr([r[key] for r in rows], aro).statistic) if moves else float("nan")
        out[f"rho_{key}"] = round(rho, 3)
    wrong = 0
    for i, r in enumerate(rows):
        for s in rows[i + 1 :]:
            if abs(r["arousal"] - s["arousal"]) >= 0.5:
                wrong += int((r["tempo"] - s["tempo"]) * (r["arousal"] - s["arousal"]) <= 0)
    out["tempo_wrong_way_pairs"] = wrong
    sure = [m for m in got["modes"] if abs(m["valence"]) >= 0.4]
    out["mode_ok"] = sum((m["mode"] == "major") == (m["valence"] > 0) for m in sure)
    out["mode_checked"] = len(sure)
    out["pass"] = bool(
        out["length_ok"]
        and wrong == 0
        and out["mode_ok"] == len(sure)
        and (
            not moves
            or (
                out["rho_tempo"] >= 0.9 and out["rho_density"] >= 0.8 and out["rho_velocity"] >= 0.7
            )
        )
    )
    return out


def main() -> int:
    gen = MusicGenerator()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, points in ARCS.items():
            arc = Trajectory.of(points)
            for seed in SEEDS:
                out = Path(tmp) / f"arc_{seed}.mid"
                art = gen.generate(Request("music", out, trajectory=arc, params={}, seed=seed))
                row = {
                    "arc": name,
                    "seed": seed,
                    **judge(arc, analyse(out, arc, art.metadata["music"]["phrases"])),
                }
                results.append(row)
                print(json.dumps(row))
    summary = {
        "runs": len(results),
        "passed": sum(r["pass"] for r in results),
        "length_ok": sum(r["length_ok"] for r in results),
        "max_length_error_s": round(max(abs(r["music_s"] - r["arc_s"]) for r in results), 3),
        "all_pass": all(r["pass"] for r in results),
    }
    print(json.dumps(summary, indent=2))
    return 0 if summary["all_pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
