"""Fidelity of the talking-head generator, measured on the MP4s it writes.

Clips are ~10 s of the ``speech`` plugin's voice (the ``--text`` path) plus one
audio-only clip (``--audio`` with the same recording). Measured with analysis this
project did not write: loudness is Praat's intensity contour (praat-parselmouth), frames
are decoded from the MP4 with PyAV (FFmpeg's H.264 decoder), correlations are
scipy.stats.pearsonr. Criteria (the issue):

- mouth-open track vs. the audio loudness envelope: Pearson r >= 0.6
- pixel change in the mouth region vs. the mouth-open track: r >= 0.6
- blinks 8–30 per minute, more at high arousal (60 s clips, 5 seeds each; the per-clip
  column counts blinks in ~10 s, too short for a rate)
- mean AU12 >= 0.5 for joy, <= 0.1 for sadness; AU1 + AU4 + AU15 >= 0.4 for sadness

Writes ``benchmarks/out/talking_head_contact.png`` (joy, sadness, anger, fear, surprise,
disgust, neutral for each character) and prints a table and a JSON summary.

Run: python benchmarks/talking_head_fidelity.py   (needs the dev extra: parselmouth, scipy)
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import av
import numpy as np
import parselmouth
import skia
import soundfile
from scipy.stats import pearsonr

from generators.talking_head import TalkingHeadGenerator
from generators.talking_head.rig import FACE_UNITS, HEAD_CENTRE
from studio.emotion import Condition
from studio.plugins.contract import Request

OUT = Path(__file__).with_name("out")
TEXT = (
    "Hello there, and welcome back. Today I want to show you something simple but "
    "powerful: how a small change in the way we speak can change the whole feeling of a "
    "story. Listen closely, and watch my face."
)
EMOTIONS = ("joy", "sadness", "anger", "fear", "surprise", "disgust", "neutral")
SIZE = 512


def condition(name: str) -> Condition:
    return Condition.neutral() if name == "neutral" else Condition.from_mixture({name: 1.0})


def generate(folder: Path, name: str, cond: Condition, **params: Any) -> Any:
    request = Request(
        "talking-head",
        folder / f"{name}.mp4",
        condition=cond,
        params={"size": SIZE, **params},
        seed=11,
    )
    return TalkingHeadGenerator().generate(request)


def decode(path: Path) -> tuple[list[np.ndarray], np.ndarray, int]:
    """RGB frames and the mono audio track decoded back from the MP4."""
    with av.open(str(path)) as c:
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    with av.open(str(path)) as c:
        stream = c.streams.audio[0]
        rate = stream.codec_context.sample_rate
        chunks = [f.to_ndarray().mean(axis=0) for f in c.decode(audio=0)]
    return frames, np.concatenate(chunks), rate


def loudness_at(samples: np.ndarray, rate: int, times: np.ndarray) -> np.ndarray:
    """Loudness envelope at the frame times: Praat's intensity contour (dB, 100 Hz
    minimum pitch) turned back into RMS amplitude, 10^(dB/20)."""
    snd = parselmouth.Sound(samples.astype(np.float64), sampling_frequency=rate)
    intensity = snd.to_intensity(minimum_pitch=100.0, time_step=0.01)
    values = np.array([intensity.get_value(float(t)) for t in times], dtype=float)
    floor = np.nanmin(values) if np.isfinite(values).any() else 0.0
    return 10.0 ** (np.nan_to_num(values, nan=floor) / 20.0)


def mouth_change(frames: list[np.ndarray], mouth_open: np.ndarray) -> np.ndarray:
    """Mean absolute pixel difference in the mouth box from the most closed-mouth frame."""
    k = SIZE / FACE_UNITS
    cx, cy = HEAD_CENTRE[0] * k, (HEAD_CENTRE[1] + 75) * k
    hw, hh = 55 * k, 40 * k
    box = (slice(int(cy - hh), int(cy + hh)), slice(int(cx - hw), int(cx + hw)))
    ref = frames[int(np.argmin(mouth_open))][box].astype(np.float32)
    return np.array([np.abs(f[box].astype(np.float32) - ref).mean() for f in frames])


def video_blinks(path: Path, size: int) -> int:
    """Blinks seen in the decoded video: the white of the eyes (sclera) vanishing from
    both eye boxes, counted independently of the tracks."""
    k = size / FACE_UNITS
    boxes = [
        (
            slice(int((HEAD_CENTRE[1] - 22) * k), int((HEAD_CENTRE[1] + 14) * k)),
            slice(int((HEAD_CENTRE[0] + dx - 26) * k), int((HEAD_CENTRE[0] + dx + 26) * k)),
        )
        for dx in (-40, 40)
    ]
    whites = []
    with av.open(str(path)) as c:
        for frame in c.decode(video=0):
            rgb = frame.to_ndarray(format="rgb24")
            whites.append(sum(int((rgb[b].min(axis=2) > 215).sum()) for b in boxes))
    w = np.asarray(whites, dtype=float)
    shut = w < 0.3 * np.median(w)
    return int(np.sum(shut[1:] & ~shut[:-1]) + shut[0])


def blink_count(au45: list[float]) -> int:
    """Lid closures in the AU45 track (a closure = the lid passing half-closed)."""
    closed = np.asarray(au45) > 0.5
    return int(np.sum(closed[1:] & ~closed[:-1]) + closed[0])


def main() -> int:
    OUT.mkdir(exist_ok=True)
    rows: list[dict[str, Any]] = []
    sheet: list[list[np.ndarray]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for character in ("ava", "milo"):
            strip = []
            for emo in EMOTIONS:
                art = generate(
                    folder, f"{character}_{emo}", condition(emo), text=TEXT, character=character
                )
                meta = art.metadata["talking_head"]
                fps, tracks = meta["fps"], meta["tracks"]
                frames, samples, rate = decode(art.path)
                n = min(len(frames), len(tracks["mouth_open"]))
                mouth = np.asarray(tracks["mouth_open"][:n])
                times = (np.arange(n) + 0.5) / fps
                loud = loudness_at(samples, rate, times)
                change = mouth_change(frames[:n], mouth)
                rows.append(
                    {
                        "clip": f"{character}/{emo}",
                        "seconds": round(n / fps, 2),
                        "r_mouth_loudness": round(float(pearsonr(mouth, loud)[0]), 3),
                        "r_pixels_mouth": round(float(pearsonr(change, mouth)[0]), 3),
                        "AU12": art.features["mean_AU12"],
                        "AU1+AU4+AU15": round(
                            art.features["mean_AU1"]
                            + art.features["mean_AU4"]
                            + art.features["mean_AU15"],
                            3,
                        ),
                        "blinks": blink_count(tracks["AU45"]),
                    }
                )
                au45 = np.asarray(tracks["AU45"])
                pick = int(np.argmax((au45[:n] < 0.05) * (mouth > 0.25) * (times > 2.0)))
                strip.append(frames[pick])
                if character == "ava" and emo == "joy":
                    wav = folder / "voice.wav"
                    soundfile.write(wav, samples, rate)
            sheet.append(strip)
        # Audio-only lip sync on the same recording.
        art = generate(folder, "audio_only", condition("joy"), audio=str(wav))
        meta = art.metadata["talking_head"]
        frames, samples, rate = decode(art.path)
        n = min(len(frames), meta["frames"])
        mouth = np.asarray(meta["tracks"]["mouth_open"][:n])
        times = (np.arange(n) + 0.5) / meta["fps"]
        rows.append(
            {
                "clip": "ava/joy --audio",
                "seconds": round(n / meta["fps"], 2),
                "r_mouth_loudness": round(
                    float(pearsonr(mouth, loudness_at(samples, rate, times))[0]), 3
                ),
                "r_pixels_mouth": round(
                    float(pearsonr(mouth_change(frames[:n], mouth), mouth)[0]), 3
                ),
                "AU12": art.features["mean_AU12"],
                "AU1+AU4+AU15": None,
                "blinks": blink_count(meta["tracks"]["AU45"]),
            }
        )
        # Blink rate over 60 s at three arousal levels (audio looped, tracks only matter).
        long_wav = folder / "long.wav"
        reps = int(np.ceil(60.0 / (len(samples) / rate)))
        soundfile.write(long_wav, np.tile(samples, reps)[: 60 * rate], rate)
        blink_rows = {}
        video_rows = {}
        for label, arousal in (("low", -0.8), ("mid", 0.0), ("high", 0.8)):
            rates, seen = [], []
            for seed in range(5):
                req = Request(
                    "talking-head",
                    folder / f"blink_{label}_{seed}.mp4",
                    condition=Condition.from_vad(0.0, arousal, 0.0),
                    params={"size": 256, "audio": str(long_wav)},
                    seed=seed,
                )
                a = TalkingHeadGenerator().generate(req)
                rates.append(a.features["blinks_per_minute"])
                seen.append(video_blinks(a.path, 256) / (a.features["duration_s"] / 60.0))
            blink_rows[label] = round(float(np.mean(rates)), 1)
            video_rows[label] = round(float(np.mean(seen)), 1)
    contact = np.concatenate([np.concatenate(s, axis=1) for s in sheet], axis=0)
    rgba = np.dstack([contact, np.full(contact.shape[:2], 255, np.uint8)])
    png = OUT / "talking_head_contact.png"
    skia.Image.fromarray(np.ascontiguousarray(rgba), colorType=skia.kRGBA_8888_ColorType).save(
        str(png)
    )

    cols = list(rows[0])
    print(" | ".join(f"{c:>16}" for c in cols))
    for r in rows:
        print(" | ".join(f"{r[c]!s:>16}" for c in cols))
    by = {r["clip"]: r for r in rows}
    checks = {
        "r_mouth_loudness_min": min(r["r_mouth_loudness"] for r in rows),
        "r_pixels_mouth_min": min(r["r_pixels_mouth"] for r in rows),
        "blinks_per_min_by_arousal": blink_rows,
        "blinks_per_min_seen_in_video": video_rows,
        "joy_AU12": [by[f"{c}/joy"]["AU12"] for c in ("ava", "milo")],
        "sadness_AU12": [by[f"{c}/sadness"]["AU12"] for c in ("ava", "milo")],
        "sadness_AU1_4_15": [by[f"{c}/sadness"]["AU1+AU4+AU15"] for c in ("ava", "milo")],
    }
    passed = {
        "mouth_follows_loudness": checks["r_mouth_loudness_min"] >= 0.6,
        "pixels_follow_mouth": checks["r_pixels_mouth_min"] >= 0.6,
        "blink_rate_in_range": all(
            8 <= v <= 30 for v in [*blink_rows.values(), *video_rows.values()]
        ),
        "blinks_rise_with_arousal": video_rows["low"] < video_rows["mid"] < video_rows["high"],
        "joy_smiles": min(checks["joy_AU12"]) >= 0.5,
        "sadness_no_smile": max(checks["sadness_AU12"]) <= 0.1,
        "sadness_brows_and_corners": min(checks["sadness_AU1_4_15"]) >= 0.4,
    }
    print(json.dumps({"checks": checks, "passed": passed, "contact_sheet": str(png)}, indent=2))
    return 0 if all(passed.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
