"""Speed of the speech generator: voice load time, then the real-time factor
(synthesis time / audio duration) with the prosody stage, model already loaded.

Texts of 1, 3 and 8 sentences, neutral and anger at intensity 0.9, best of three runs
each (the machine is shared; the minimum is the least disturbed). Criterion: RTF <= 0.25.

Run: python benchmarks/speech_speed.py
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from generators.speech import SpeechGenerator
from generators.speech import voice as speech_voice
from studio.emotion import Condition
from studio.plugins.contract import Request

SENTENCES = (
    "The meeting has been moved to Thursday afternoon.",
    "I found the letter on the kitchen table this morning.",
    "We are going to drive to the coast next weekend.",
    "Nobody told me that the shop would be closed today.",
    "She opened the door and looked out at the garden.",
    "You will have to call them again before noon.",
    "The train was late again, so we walked the last mile.",
    "Tell me honestly what you think of the new plan.",
)
RUNS = 3
LIMIT = 0.25


def main() -> int:
    started = time.perf_counter()
    speech_voice.load(speech_voice.resolve_voice("joe"))
    load_s = time.perf_counter() - started
    gen = SpeechGenerator()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "x.wav"
        for n in (1, 3, 8):
            text = " ".join(SENTENCES[:n])
            for name, cond in (
                ("neutral", Condition.neutral()),
                ("anger", Condition.from_mixture({"anger": 1.0}, 0.9)),
            ):
                times, audio = [], 0.0
                for _ in range(RUNS):
                    t0 = time.perf_counter()
                    art = gen.generate(
                        Request("speech", out, condition=cond, params={"text": text})
                    )
                    times.append(time.perf_counter() - t0)
                    audio = art.features["duration_s"]
                best = min(times)
                rows.append(
                    {
                        "sentences": n,
                        "emotion": name,
                        "audio_s": round(audio, 2),
                        "synthesis_s": round(best, 3),
                        "rtf": round(best / audio, 3),
                    }
                )
    print(f"voice load: {load_s:.2f} s")
    print(f"{'sentences':>9} {'emotion':<8} {'audio s':>8} {'synth s':>8} {'RTF':>6}")
    for r in rows:
        print(
            f"{r['sentences']:9d} {r['emotion']:<8} {r['audio_s']:8.2f} "
            f"{r['synthesis_s']:8.3f} {r['rtf']:6.3f}"
        )
    worst = max(r["rtf"] for r in rows)
    summary = {"load_s": round(load_s, 2), "rows": rows, "worst_rtf": worst, "pass": worst <= LIMIT}
    print(json.dumps(summary))
    return 0 if summary["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
