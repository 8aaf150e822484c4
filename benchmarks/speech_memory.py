"""Bounded work for long text: peak memory and time of 5,000 characters without punctuation.

Each text is generated in a fresh child process (so the voice load is included and nothing
is shared); the child's peak resident set size comes from ``resource.getrusage``
(RUSAGE_SELF at its end, ru_maxrss in KiB on Linux). Texts: English words with no punctuation at
all; digits with no space (a single 5,000-character token, cut hard every 200 characters);
and ten-digit numbers between spaces, which expand most when spoken (each is read as
"one billion two hundred thirty-four million ...", ~90 phonemes).
Criterion (the speech issue): peak RSS <= 1 GB for each; the 1,000-character row shows that
the peak does not grow with the length of the text.

Run: nice python benchmarks/speech_memory.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHARS = 5000
LIMIT_MB = 1024.0
WORDS = (
    "the old road runs along the river past the mill and the quiet farms where we walked "
    "every summer when the days were long and nobody was in a hurry to be anywhere else "
)
CHILD = """
import resource
import sys
from pathlib import Path
from generators.speech import SpeechGenerator
from studio.emotion import Condition
from studio.plugins.contract import Request
text = Path(sys.argv[1]).read_text()
groups = []
req = Request("speech", Path(sys.argv[2]), condition=Condition.from_mixture({"sadness": 1.0}, 0.8),
              params={"text": text}, seed=0)
art = SpeechGenerator().generate(req, progress=lambda f, m: groups.append(m))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(art.features["duration_s"], art.features["breath_groups"], len(groups), peak)
"""


def texts() -> dict[str, str]:
    words = (WORDS * (CHARS // len(WORDS) + 1))[:CHARS]
    words = words[: words.rfind(" ")] + " end"
    digits = ("1234567890" * (CHARS // 10 + 1))[:CHARS]
    numbers = ("1234567890 " * (CHARS // 11 + 1))[:CHARS].strip()
    short = words[: words.rfind(" ", 0, CHARS // 5)]  # flat in length: compare with 1/5
    return {
        "words_1000_no_punctuation": short,
        "words_no_punctuation": words,
        "digits_no_space": digits,
        "numbers_spaced": numbers,
    }


def run(text: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "text.txt"
        src.write_text(text)
        t0 = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(src), str(Path(tmp) / "out.wav")],
            capture_output=True,
            text=True,
            check=True,
        )
        seconds = time.perf_counter() - t0
    audio_s, groups, events, peak = done.stdout.split()[-4:]
    return {
        "chars": len(text),
        "peak_rss_mb": round(int(peak) / 1024.0, 1),
        "seconds": round(seconds, 1),
        "audio_s": float(audio_s),
        "breath_groups": int(groups),
        "progress_events": int(events),
    }


def main() -> int:
    rows = {name: run(text) for name, text in texts().items()}
    ok = all(r["peak_rss_mb"] <= LIMIT_MB for r in rows.values())
    print(json.dumps({"rows": rows, "limit_mb": LIMIT_MB, "pass": ok}, indent=1))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
