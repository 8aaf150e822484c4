"""Fidelity of the music generator, measured with analysis this project did not write.

A 5×5 valence–arousal grid × 3 seeds (20 s pieces). Per piece: tempo as pretty-midi reads
it back from the file (time-weighted ``get_tempo_changes``; ``estimate_tempo`` is printed
too), note density and mean velocity from pretty-midi's parsed notes, and key/mode from
music21's key analysis (``Stream.analyze("key")``, Krumhansl–Schmuckler via music21).
Criteria (the issue): Spearman ρ(tempo, arousal) >= 0.9, ρ(density, arousal) >= 0.8,
ρ(velocity, arousal) >= 0.7; major in >= 90 % of pieces with valence >= 0.4 and minor in
>= 90 % with valence <= −0.4. Prints a table and a JSON summary.

Run: python benchmarks/music_fidelity.py   (needs the dev extra: music21, scipy)
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import pretty_midi
from music21 import converter
from scipy.stats import spearmanr

from generators.music import MusicGenerator
from studio.emotion import Condition
from studio.plugins.contract import Request

GRID = np.linspace(-1.0, 1.0, 5)
SEEDS = (0, 1, 2)
DURATION = 20.0


def analyse(path: Path) -> dict[str, float | str]:
    pm = pretty_midi.PrettyMIDI(str(path))
    end = pm.get_end_time()
    times, tempi = pm.get_tempo_changes()
    spans = np.diff(np.append(times, end))
    notes = [n for inst in pm.instruments for n in inst.notes]
    key = converter.parse(str(path)).analyze("key")
    try:
        estimate = float(pm.estimate_tempo())
    except ValueError:  # too few onset intervals for pretty_midi's estimate
        estimate = float("nan")
    return {
        "tempo": float(np.average(tempi, weights=spans)),
        "tempo_estimate": estimate,
        "density": len(notes) / end,
        "velocity": float(np.mean([n.velocity for n in notes])),
        "key": f"{key.tonic.name} {key.mode}",
        "mode": key.mode,
    }


def main() -> int:
    gen = MusicGenerator()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for v in GRID:
            for a in GRID:
                for seed in SEEDS:
                    out = Path(tmp) / f"v{v:+.1f}_a{a:+.1f}_s{seed}.mid"
                    cond = Condition.from_vad(float(v), float(a))
                    gen.generate(
                        Request(
                            "music", out, condition=cond, params={"duration": DURATION}, seed=seed
                        )
                    )
                    rows.append(
                        {"valence": float(v), "arousal": float(a), "seed": seed, **analyse(out)}
                    )
    print(f"{'val':>5} {'aro':>5} {'seed':>4} {'tempo':>7} {'est':>7} {'dens':>6} {'vel':>6}  key")
    for r in rows:
        print(
            f"{r['valence']:+5.1f} {r['arousal']:+5.1f} {r['seed']:4d} {r['tempo']:7.1f} "
            f"{r['tempo_estimate']:7.1f} {r['density']:6.2f} {r['velocity']:6.1f}  {r['key']}"
        )
    aro = [r["arousal"] for r in rows]
    rho = {
        k: float(spearmanr([r[k] for r in rows], aro, nan_policy="omit").statistic)
        for k in ("tempo", "tempo_estimate", "density", "velocity")
    }
    pos = [r for r in rows if r["valence"] >= 0.4]
    neg = [r for r in rows if r["valence"] <= -0.4]
    major = sum(r["mode"] == "major" for r in pos) / len(pos)
    minor = sum(r["mode"] == "minor" for r in neg) / len(neg)
    criteria = {
        "rho_tempo_arousal": {"value": rho["tempo"], "threshold": 0.9},
        "rho_density_arousal": {"value": rho["density"], "threshold": 0.8},
        "rho_velocity_arousal": {"value": rho["velocity"], "threshold": 0.7},
        "major_share_valence_ge_0.4": {"value": major, "threshold": 0.9},
        "minor_share_valence_le_-0.4": {"value": minor, "threshold": 0.9},
    }
    for c in criteria.values():
        c["pass"] = c["value"] >= c["threshold"]
    summary = {
        "pieces": len(rows),
        "criteria": criteria,
        "info": {"rho_estimate_tempo_arousal (pretty_midi.estimate_tempo)": rho["tempo_estimate"]},
        "all_pass": all(c["pass"] for c in criteria.values()),
    }
    print(json.dumps(summary, indent=2))
    return 0 if summary["all_pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
