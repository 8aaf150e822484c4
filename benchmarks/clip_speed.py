"""Clip benchmark: a ~30 s clip at 1280x720, 25 fps, made by the whole `studio generate
clip` command on two cores; prints JSON figures:

- render speed vs real time (clip seconds / wall seconds; goal >= 1),
- audio-video offset: container start times, and the lag between the face's mouth track
  and the voice's level in the decoded MP4 (cross-correlation, in frames; goal <= 1),
- music bed level while the voice speaks vs between phrases (dB; goal >= 8),
- integrated loudness (pyloudnorm, BS.1770-4) and true peak (4x oversampled) of the
  decoded MP4 audio (goal: target +-1 LU, <= -1 dBTP),
- peak memory of the command (max RSS; goal <= 2 GB), and the machine's load average.

    nice python benchmarks/clip_speed.py [--cores 0,1] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import av
import numpy as np
import pyloudnorm
import soundfile
from scipy.signal import resample_poly

SCRIPT = (
    "The morning was bright and full of promise. We walked down to the harbour together, "
    "talking about everything and nothing at all. The boats were coming in, and the "
    "air smelled of salt.\n\n"
    "Then the phone rang, and the news was terrible. I was so scared that I could hardly "
    "breathe. Nobody knew what would happen next.\n\n"
    "But we held on to each other, and slowly the fear passed. Tonight I am calm, and I "
    "am truly grateful for every single day we have."
)
FPS = 25
HOP = 0.01
# The command as `studio` runs it; where this checkout's plugin is not installed yet (an
# older install's entry points), the same main() with the clip added to the registry.
RUNNER = """
import sys
from importlib.metadata import EntryPoint, entry_points
from studio.cli import main
from studio.plugins.registry import GROUP, Registry
eps = list(entry_points(group=GROUP))
if not any(ep.name == "clip" for ep in eps):
    eps.append(EntryPoint("clip", "generators.clip:ClipGenerator", GROUP))
sys.exit(main(sys.argv[1:], Registry(eps)))
"""


def decoded_audio(path: Path) -> tuple[np.ndarray, int]:
    with av.open(str(path)) as c:
        rate = c.streams.audio[0].rate
        chunks = [f.to_ndarray() for f in c.decode(audio=0)]
    return np.concatenate(chunks, axis=1).T.astype(np.float64), int(rate)


def true_peak_db(x: np.ndarray) -> float:
    up = resample_poly(x, 4, 1, axis=0)
    return float(20 * np.log10(np.abs(up).max()))


def hop_db(x: np.ndarray, rate: int) -> np.ndarray:
    x = x.mean(axis=1) if x.ndim == 2 else x
    hop = round(HOP * rate)
    n = len(x) // hop
    return 10 * np.log10((x[: n * hop].reshape(n, hop) ** 2).mean(axis=1) + 1e-12)


def ducking(voice: np.ndarray, bed: np.ndarray, rate: int) -> dict[str, float]:
    """Bed level (mean power) in hops well inside speech vs in pauses of >= 0.8 s, the
    fades at the ends left out."""
    v, b = hop_db(voice, rate), hop_db(bed, rate)
    n = min(len(v), len(b))
    v, b = v[:n], b[:n]
    speaking = v > np.percentile(v, 95) - 30
    # runs of silence at least 0.8 s long, trimmed by 0.3 s at each side (the release)
    quiet = np.zeros(n, bool)
    k = 0
    while k < n:
        if speaking[k]:
            k += 1
            continue
        j = k
        while j < n and not speaking[j]:
            j += 1
        if (j - k) * HOP >= 0.8 and k > 0 and j < n:
            quiet[k + 30 : j - 30] = True
        k = j
    # speech: hops within runs where the voice speaks, away from pauses by 0.3 s
    near_quiet = np.convolve(~speaking, np.ones(61), "same") > 0
    inside = speaking & ~near_quiet
    edge = np.zeros(n, bool)
    edge[50 : n - 160] = True
    power = lambda x: float(10 * np.log10(np.mean(10 ** (x / 10))))  # noqa: E731
    under = power(b[inside & edge])
    between = power(b[quiet & edge]) if (quiet & edge).any() else float("nan")
    return {
        "bed_under_speech_db": round(under, 2),
        "bed_between_phrases_db": round(between, 2),
        "ducking_db": round(between - under, 2),
        "pause_seconds_measured": round(float((quiet & edge).sum() * HOP), 2),
    }


def av_offset(out: Path, face_mov: Path) -> dict[str, float]:
    from studio.library.metadata import read_embedded

    with av.open(str(out)) as c:
        v, a = c.streams.video[0], c.streams.audio[0]
        start_v = float((v.start_time or 0) * v.time_base)
        start_a = float((a.start_time or 0) * a.time_base)
    mouth = np.asarray(read_embedded(face_mov)["talking_head"]["tracks"]["mouth_open"])
    audio, rate = decoded_audio(out)
    hop = rate // FPS
    n = min(len(mouth), len(audio) // hop)
    level = np.sqrt((audio[: n * hop, 0].reshape(n, hop) ** 2).mean(axis=1))
    x, y = mouth[:n] - mouth[:n].mean(), level - level.mean()
    lags = list(range(-6, 7))
    corr = [float(np.dot(np.roll(x, k), y)) for k in lags]
    return {
        "container_start_offset_frames": round((start_a - start_v) * FPS, 3),
        "mouth_to_voice_lag_frames": lags[int(np.argmax(corr))],
    }


def stage_seconds(out: Path) -> dict[str, float]:
    """The same clip rendered in this process, timed per stage (the prefix of each
    progress message: voice, face, music and backdrops, mix, encode)."""
    from studio import session
    from studio.emotion import Condition
    from studio.plugins import Request
    from studio.plugins.registry import Registry

    registry = Registry([*_entry_points()])
    seconds: dict[str, float] = {}
    last = [time.perf_counter(), "start"]

    def progress(fraction: float, message: str = "", preview: object = None) -> None:
        stage = message.split(":")[0] if message else last[1]
        if stage != last[1]:
            now = time.perf_counter()
            seconds[str(last[1])] = round(seconds.get(str(last[1]), 0.0) + now - last[0], 2)
            last[:] = [now, stage]

    request = Request(
        generator="clip",
        output=out,
        condition=Condition.neutral(),
        params={"text": SCRIPT, "fps": FPS},
    )
    session.generate(registry, request, progress=progress)
    progress(1.0, "end")
    return seconds


def _entry_points() -> list:
    from importlib.metadata import EntryPoint, entry_points

    from studio.plugins.registry import GROUP

    eps = list(entry_points(group=GROUP))
    if not any(ep.name == "clip" for ep in eps):
        eps.append(EntryPoint("clip", "generators.clip:ClipGenerator", GROUP))
    return eps


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--cores", default="0,1", help="CPU list for taskset (two cores)")
    p.add_argument("--preset", default="1280x720")
    p.add_argument("--keep", type=Path, help="keep the clip and stems here")
    p.add_argument("--stages", action="store_true", help="also time each stage in-process")
    a = p.parse_args()
    work = Path(tempfile.mkdtemp(prefix="clip-bench-"))
    try:
        script = work / "script.txt"
        script.write_text(SCRIPT)
        out, stems = work / "clip.mp4", work / "stems"
        env = {**os.environ, "STUDIO_HOME": str(work / "home")}
        cmd = [
            sys.executable,
            "-c",
            RUNNER,
            "generate",
            "clip",
            "-o",
            str(out),
            "--text",
            SCRIPT,
            "--preset",
            a.preset,
            "--fps",
            str(FPS),
            "--stems",
            str(stems),
            "--no-history",
            "--json",
        ]
        if shutil.which("taskset") and a.cores:
            cmd = ["taskset", "-c", a.cores, *cmd]
        load_before = os.getloadavg()[0]
        started = time.perf_counter()
        done = subprocess.run(cmd, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"clip failed: {done.stderr.strip()}")
        record = json.loads(done.stdout)
        features = record["features"]
        peak_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        audio, rate = decoded_audio(out)
        voice, vr = soundfile.read(stems / "voice.wav")
        bed, _ = soundfile.read(stems / "music.wav")
        result = {
            "preset": a.preset,
            "fps": FPS,
            "cores": a.cores,
            "clip_seconds": features["duration_s"],
            "wall_seconds": round(wall, 2),
            "speed_x_realtime": round(features["duration_s"] / wall, 3),
            **av_offset(out, stems / "face.mov"),
            **ducking(voice, bed, vr),
            "integrated_lufs": round(float(pyloudnorm.Meter(rate).integrated_loudness(audio)), 2),
            "target_lufs": features["loudness_target_lufs"],
            "true_peak_dbtp": round(true_peak_db(audio), 2),
            "peak_memory_mb": round(peak_rss_mb, 1),
            "load_average_before": round(load_before, 2),
            "load_average_after": round(os.getloadavg()[0], 2),
            "sections": features["sections"],
        }
        if a.stages:
            result["stage_seconds_in_process"] = stage_seconds(work / "staged.mp4")
        print(json.dumps(result, indent=1))
        if a.keep:
            a.keep.mkdir(parents=True, exist_ok=True)
            shutil.copy(out, a.keep / out.name)
            shutil.copytree(stems, a.keep / "stems", dirs_exist_ok=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
