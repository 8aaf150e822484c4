"""Lines per minute of ``studio batch``: 1 and 2 local workers, and a two-node Ray cluster
on this machine; then a rerun of the finished batch, which must take < 5 % of the first run.

The batch is ``--lines`` speech lines (short game-dialogue sentences, one emotion each)
and as many 256² procedural images. Each configuration runs the same file into a fresh
folder through the command itself (``--json --no-history``), so the figures include
worker start-up, staging, embedding and ``batch.json``. Prints one JSON document.

    nice -n 10 python benchmarks/batch_speed.py              # 200 + 200 lines
    nice -n 10 python benchmarks/batch_speed.py --lines 20   # a quick look

On a machine with few cores the 2-worker and Ray figures share the same cores with the
driver (which embeds and records every line) and, for Ray, with the cluster's own
processes, so the scaling ratio is bounded by the cores, not by the batch. ``cores_busy``
(CPU seconds over wall seconds of the command and its workers) shows how much of the
machine a run got; on a machine shared with other work, more processes also win a larger
share of it, so compare ratios only from runs at a similar load (printed at the end).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RAY = Path(sys.executable).parent / "ray"
ENV = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}

SENTENCES = (
    "Who goes there? Show yourself!",
    "Oh, it's only you. You scared me half to death.",
    "The king is dead. Long live the queen.",
    "You lied to me, and I believed you.",
    "We did it! The gate is open!",
    "Keep your voice down, they are listening.",
    "I have waited a long time for this day.",
    "Take the left path and do not look back.",
)
EMOTIONS = ("joy", "trust", "fear", "surprise", "sadness", "disgust", "anger", "anticipation")


def batch_file(folder: Path, n: int) -> Path:
    records: list[dict[str, Any]] = []
    for i in range(n):
        records.append(
            {
                "kind": "speech",
                "text": SENTENCES[i % len(SENTENCES)],
                "emotion": f"{EMOTIONS[i % len(EMOTIONS)]}:0.7",
                "seed": i,
                "out": f"voice/line_{i:04d}.wav",
            }
        )
        records.append(
            {
                "kind": "image",
                "valence": round(-1 + 2 * (i % 20) / 19, 3),
                "arousal": round(-1 + 2 * (i // 20 % 10) / 9, 3),
                "seed": i,
                "size": 256,
                "out": f"boards/mood_{i:04d}.png",
            }
        )
    path = folder / "batch.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def run(src: Path, out: Path, *extra: str) -> dict[str, Any]:
    """One ``studio batch`` run: wall seconds, lines per minute, mean seconds per kind."""
    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "studio.cli",
            "batch",
            str(src),
            "-o",
            str(out),
            "--json",
            "--no-history",
            *extra,
        ],
        env=ENV,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise SystemExit(f"batch failed ({done.returncode}): {done.stderr[-2000:]}")
    end = json.loads(done.stdout.splitlines()[-1])
    rows = json.loads((out / "batch.json").read_text(encoding="utf-8"))["rows"]
    per_kind: dict[str, list[float]] = {}
    for row in rows:
        if row["status"] == "done":
            per_kind.setdefault(row["kind"], []).append(row["seconds"])
    made = end["done"]
    return {
        "seconds": round(seconds, 2),
        "made": made,
        "skipped": end["skipped"],
        "lines_per_min": round(60 * made / seconds, 1) if made else None,
        "mean_line_s": {k: round(sum(v) / len(v), 3) for k, v in sorted(per_kind.items())},
        # CPU seconds of the command and its worker processes (for Ray: the driver only,
        # the actors belong to the cluster), and how many cores that kept busy on average.
        "cpu_s": round(cpu, 1),
        "cores_busy": round(cpu / seconds, 2),
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ray_run(src: Path, out: Path) -> dict[str, Any]:
    """The batch on a head and a second node started here (one CPU each), then stopped."""
    temp = Path(tempfile.mkdtemp(prefix="ray", dir="/tmp"))
    address = f"127.0.0.1:{_free_port()}"
    common = [
        "--node-ip-address=127.0.0.1",
        "--num-cpus=1",
        "--object-store-memory=300000000",
        "--disable-usage-stats",
    ]
    second: subprocess.Popen[bytes] | None = None
    try:
        subprocess.run(
            [
                str(RAY),
                "start",
                "--head",
                f"--port={address.split(':')[1]}",
                "--include-dashboard=false",
                f"--temp-dir={temp}",
                *common,
            ],
            env=ENV,
            check=True,
            capture_output=True,
            timeout=180,
        )
        second = subprocess.Popen(
            [str(RAY), "start", f"--address={address}", "--block", *common],
            env=ENV,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 180
        while True:
            status = subprocess.run(
                [str(RAY), "status", f"--address={address}"],
                env=ENV,
                capture_output=True,
                text=True,
                timeout=60,
            ).stdout
            if status.split("Pending:")[0].count("node_") >= 2:
                break
            if time.monotonic() > deadline:
                raise SystemExit("the second Ray node did not join")
            time.sleep(1)
        return run(src, out, "--ray", address)
    finally:
        if second is not None and second.poll() is None:
            os.killpg(second.pid, signal.SIGKILL)
        subprocess.run([str(RAY), "stop", "--force"], env=ENV, capture_output=True, timeout=120)
        shutil.rmtree(temp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=200, help="speech lines (and as many images)")
    parser.add_argument("--no-ray", action="store_true", help="skip the Ray cluster run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="batch-speed-") as tmp:
        folder = Path(tmp)
        src = batch_file(folder, args.lines)
        runs = {"1 worker": run(src, folder / "one", "--jobs", "1")}
        rerun = run(src, folder / "one", "--jobs", "1")
        runs["2 workers"] = run(src, folder / "two", "--jobs", "2")
        if not args.no_ray:
            runs["ray, 2 nodes x 1 CPU"] = ray_run(src, folder / "ray")
    base = runs["1 worker"]["lines_per_min"]
    print(
        json.dumps(
            {
                "lines": 2 * args.lines,
                "cores": len(os.sched_getaffinity(0)),
                "runs": runs,
                "scaling_vs_1_worker": {
                    k: round(v["lines_per_min"] / base, 2) for k, v in runs.items()
                },
                "rerun_of_finished_batch": {
                    "seconds": rerun["seconds"],
                    "skipped": rerun["skipped"],
                    "fraction_of_first_run": round(
                        rerun["seconds"] / runs["1 worker"]["seconds"], 4
                    ),
                },
                "load_average_after": [round(x, 2) for x in os.getloadavg()],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
