"""Foundation figures: condition from a pad position, job round trip, `studio list` start.

Prints one JSON object. Goals (issue "Foundation"): condition <= 20 µs per call,
warm no-op job round trip <= 30 ms, `studio list` cold start <= 0.5 s.

    python benchmarks/foundation.py
"""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def condition_from_pad(calls: int = 50_000) -> dict[str, float]:
    from studio.emotion import Condition

    rng = random.Random(1)
    points = [(rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1)) for _ in range(calls)]
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        for v, a, d in points:
            Condition.from_vad(v, a, d)
        runs.append((time.perf_counter() - start) / calls * 1e6)
    return {
        "condition_from_pad_us": round(min(runs), 2),
        "condition_from_pad_us_median": round(statistics.median(runs), 2),
    }


def job_round_trip(jobs: int = 40) -> dict[str, float]:
    from studio.emotion import Condition
    from studio.jobs import JobQueue
    from studio.plugins import Request

    spec = "studio.plugins.fakes:EchoGenerator"
    folder = Path(tempfile.mkdtemp())
    times = []
    try:
        with JobQueue(workers=1) as queue:
            for i in range(jobs + 3):  # the first few warm the worker up
                request = Request(
                    "echo", folder / f"{i}.json", Condition.from_vad(0.1, 0.2), params={"steps": 1}
                )
                start = time.perf_counter()
                job = queue.submit(request, spec)
                state = job.wait(30)
                elapsed = time.perf_counter() - start
                if str(state) != "finished":
                    raise RuntimeError(f"no-op job ended {state}: {job.error}")
                if i >= 3:
                    times.append(elapsed * 1e3)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {
        "job_round_trip_ms_median": round(statistics.median(times), 2),
        "job_round_trip_ms_p90": round(sorted(times)[int(0.9 * len(times))], 2),
    }


def studio_list_cold_start(runs: int = 5) -> dict[str, float]:
    exe = shutil.which("studio", path=str(Path(sys.executable).parent)) or shutil.which("studio")
    cmd = [exe, "list"] if exe else [sys.executable, "-m", "studio.cli", "list"]
    env = {**os.environ, "STUDIO_HOME": tempfile.mkdtemp()}
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - start)
    return {
        "studio_list_cold_s_median": round(statistics.median(times), 3),
        "studio_list_cold_s_max": round(max(times), 3),
    }


def main() -> None:
    figures: dict[str, float | str] = {}
    figures.update(condition_from_pad())
    figures.update(job_round_trip())
    figures.update(studio_list_cold_start())
    figures["goals"] = "condition <= 20 us; job round trip <= 30 ms; studio list <= 0.5 s"
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
