"""Emotional fidelity of the speech generator, measured with Praat (praat-parselmouth).

The same six sentences are spoken neutral and as joy, sadness, anger and fear at the
intensity ``--emotion X`` gives (0.6). Per utterance Praat measures: median F0 and F0 SD
in semitones (``To Pitch``, 60–500 Hz), duration, and mean intensity (``To Intensity``,
energy average). Criteria (the speech issue): median F0 of anger, joy, fear >= +2 st and
sadness <= -1.5 st vs neutral; F0 SD joy, anger > neutral > sadness; duration sadness
>= +10 %, anger and fear <= -5 %; mean intensity anger > neutral > sadness; joy at
intensity 0.25 / 0.5 / 1.0 gives rising median F0; an arousal sweep -0.8 … 0.8 at valence 0
gives rising F0 and speaking rate.

Identity: Praat formants F1–F3 (Burg) of neutral vs the strongest emotions (intensity 1.0),
median over voiced frames, and the long-term average spectrum correlation: the speaker is
kept when formants move by a few percent while F0 moves by semitones.

Writes the utterances to benchmarks/out/speech_*.wav and a spectrogram + pitch-track PNG
(neutral / anger / sadness) to benchmarks/out/speech_pitch.png.

Run: python benchmarks/speech_fidelity.py   (needs the dev extra: praat-parselmouth)
"""

from __future__ import annotations

import itertools
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import parselmouth
from parselmouth.praat import call

from generators.speech import SpeechGenerator
from studio.emotion import Condition
from studio.plugins.contract import Request

SENTENCES = (
    "The meeting has been moved to Thursday afternoon.",
    "I found the letter on the kitchen table this morning.",
    "We are going to drive to the coast next weekend.",
    "Nobody told me that the shop would be closed today.",
    "She opened the door and looked out at the garden.",
    "You will have to call them again before noon.",
)
EMOTIONS = ("neutral", "joy", "sadness", "anger", "fear")
OUT = Path(__file__).with_name("out")


def condition(name: str, intensity: float = 0.6) -> Condition:
    if name == "neutral":
        return Condition.neutral()
    return Condition.from_mixture({name: 1.0}, intensity)


def speak(cond: Condition, text: str, path: Path, seed: int = 0) -> dict[str, Any]:
    req = Request("speech", path, condition=cond, params={"text": text}, seed=seed)
    art = SpeechGenerator().generate(req)
    phonemes = [p for p in art.metadata["speech"]["phonemes"] if p["phoneme"] != "_"]
    return {"path": path, "phonemes": len(phonemes)}


def praat(path: Path) -> dict[str, float]:
    snd = parselmouth.Sound(str(path))
    pitch = snd.to_pitch(pitch_floor=60.0, pitch_ceiling=500.0)
    f0 = pitch.selected_array["frequency"]
    f0 = f0[f0 > 0]
    intensity = snd.to_intensity(minimum_pitch=60.0)
    return {
        "median_f0": float(np.median(f0)),
        "f0_sd_st": float(np.std(12.0 * np.log2(f0 / np.median(f0)))),
        "duration": float(snd.duration),
        "intensity_db": float(call(intensity, "Get mean", 0, 0, "energy")),
    }


def formants(path: Path) -> dict[str, float]:
    snd = parselmouth.Sound(str(path))
    pitch = snd.to_pitch(pitch_floor=60.0, pitch_ceiling=500.0)
    form = snd.to_formant_burg(time_step=0.01, max_number_of_formants=5, maximum_formant=5000)
    out: dict[str, list[float]] = {"F1": [], "F2": [], "F3": []}
    for t in np.arange(0.02, snd.duration - 0.02, 0.01):
        if pitch.get_value_at_time(t) > 0:  # voiced frames only
            for k in (1, 2, 3):
                v = form.get_value_at_time(k, t)
                if np.isfinite(v):
                    out[f"F{k}"].append(v)
    ltas = call(snd, "To Ltas", 100.0)
    levels = np.array([call(ltas, "Get value in bin", b) for b in range(1, 56)])  # 0–5.5 kHz
    return {**{k: float(np.median(v)) for k, v in out.items()}, "ltas": levels}  # type: ignore[dict-item]


def st(a: float, b: float) -> float:
    return float(12.0 * np.log2(a / b))


def pitch_png(paths: dict[str, Path], target: Path) -> None:
    """Spectrograms (0–5 kHz, grey) with Praat's pitch track (red, 50–400 Hz scale)."""
    from PIL import Image, ImageDraw

    rows = []
    for name, path in paths.items():
        snd = parselmouth.Sound(str(path))
        spec = snd.to_spectrogram(window_length=0.005, maximum_frequency=5000)
        db = 10 * np.log10(np.maximum(spec.values, 1e-12))
        db = np.clip((db - (db.max() - 70)) / 70, 0, 1)
        img = Image.fromarray((255 * (1 - db[::-1])).astype(np.uint8)).resize((900, 200))
        img = img.convert("RGB")
        draw = ImageDraw.Draw(img)
        pitch = snd.to_pitch(pitch_floor=60.0, pitch_ceiling=500.0)
        for t, f in zip(pitch.xs(), pitch.selected_array["frequency"], strict=True):
            if f > 0:
                x, y = int(900 * t / snd.duration), int(200 - 200 * (f - 50) / 350)
                draw.ellipse((x - 1, y - 1, x + 1, y + 1), fill=(220, 0, 0))
        draw.text((5, 5), f"{name}  {snd.duration:.2f} s", fill=(0, 0, 200))
        rows.append(img)
    sheet = Image.new("RGB", (900, 200 * len(rows)), "white")
    for i, img in enumerate(rows):
        sheet.paste(img, (0, 200 * i))
    sheet.save(target)


def main() -> int:
    OUT.mkdir(exist_ok=True)
    results: dict[str, list[dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for emo in EMOTIONS:
            results[emo] = []
            for i, text in enumerate(SENTENCES):
                path = Path(tmp) / f"{emo}_{i}.wav"
                speak(condition(emo), text, path)
                results[emo].append(praat(path))
            speak(condition(emo), " ".join(SENTENCES[:3]), OUT / f"speech_{emo}.wav")
        joy_levels = []
        for level in (0.25, 0.5, 1.0):
            f0 = [
                praat(speak(condition("joy", level), t, Path(tmp) / f"j{i}.wav")["path"])
                for i, t in enumerate(SENTENCES)
            ]
            joy_levels.append(float(np.median([r["median_f0"] for r in f0])))
        sweep = []
        for a in (-0.8, -0.4, 0.0, 0.4, 0.8):
            meds, rates = [], []
            for i, text in enumerate(SENTENCES):
                info = speak(Condition.from_vad(0.0, a), text, Path(tmp) / f"a{i}.wav")
                r = praat(info["path"])
                meds.append(r["median_f0"])
                rates.append(info["phonemes"] / r["duration"])
            sweep.append((a, float(np.median(meds)), float(np.mean(rates))))
        identity = {}
        ref = formants(OUT / "speech_neutral.wav")
        for emo in ("joy", "sadness", "anger", "fear"):
            path = OUT / f"speech_{emo}_full.wav"
            speak(condition(emo, 1.0), " ".join(SENTENCES[:3]), path)
            f = formants(path)
            identity[emo] = {
                **{k: round(100 * (f[k] / ref[k] - 1), 1) for k in ("F1", "F2", "F3")},
                "ltas_r": round(float(np.corrcoef(f["ltas"], ref["ltas"])[0, 1]), 3),
                "f0_st": round(
                    st(praat(path)["median_f0"], praat(OUT / "speech_neutral.wav")["median_f0"]), 2
                ),
            }
    pitch_png(
        {e: OUT / f"speech_{e}.wav" for e in ("neutral", "anger", "sadness")},
        OUT / "speech_pitch.png",
    )

    def agg(emo: str, key: str) -> float:
        return float(np.median([r[key] for r in results[emo]]))

    def rel_dur(emo: str) -> float:
        return (
            sum(r["duration"] for r in results[emo])
            / sum(r["duration"] for r in results["neutral"])
            - 1.0
        )

    def d_st(emo: str) -> float:  # per-sentence F0 difference, then the median
        pairs = zip(results[emo], results["neutral"], strict=True)
        return float(np.median([st(a["median_f0"], b["median_f0"]) for a, b in pairs]))

    print(f"{'emotion':<9} {'medF0 Hz':>9} {'F0 SD st':>9} {'dur s':>7} {'int dB':>7}")
    for emo in EMOTIONS:
        print(
            f"{emo:<9} {agg(emo, 'median_f0'):9.1f} {agg(emo, 'f0_sd_st'):9.2f} "
            f"{sum(r['duration'] for r in results[emo]):7.2f} {agg(emo, 'intensity_db'):7.1f}"
        )
    sd = {e: agg(e, "f0_sd_st") for e in EMOTIONS}
    inten = {e: agg(e, "intensity_db") for e in EMOTIONS}
    criteria: list[tuple[str, str, str, bool]] = []

    def check(name: str, value: str, need: str, ok: bool) -> None:
        criteria.append((name, value, need, bool(ok)))

    for emo in ("anger", "joy", "fear"):
        check(f"median F0 {emo} - neutral", f"{d_st(emo):+.2f} st", ">= +2 st", d_st(emo) >= 2)
    check(
        "median F0 sadness - neutral",
        f"{d_st('sadness'):+.2f} st",
        "<= -1.5 st",
        d_st("sadness") <= -1.5,
    )
    check(
        "F0 SD joy, anger > neutral > sadness",
        f"{sd['joy']:.2f}, {sd['anger']:.2f} > {sd['neutral']:.2f} > {sd['sadness']:.2f}",
        "ordered",
        min(sd["joy"], sd["anger"]) > sd["neutral"] > sd["sadness"],
    )
    check(
        "duration sadness",
        f"{100 * rel_dur('sadness'):+.1f} %",
        ">= +10 %",
        rel_dur("sadness") >= 0.10,
    )
    for emo in ("anger", "fear"):
        check(f"duration {emo}", f"{100 * rel_dur(emo):+.1f} %", "<= -5 %", rel_dur(emo) <= -0.05)
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
    print()
    print(f"{'criterion':<42} {'measured':<36} {'needed':<11} result")
    for name, value, need, ok in criteria:
        print(f"{name:<42} {value:<36} {need:<11} {'PASS' if ok else 'FAIL'}")
    print()
    print("identity vs neutral at intensity 1.0 (formant change %, LTAS correlation, F0 st):")
    print(json.dumps(identity, indent=1))
    summary = {
        "criteria": [
            {"name": n, "measured": v, "needed": d, "pass": ok} for n, v, d, ok in criteria
        ],
        "identity": identity,
        "all_pass": all(ok for *_, ok in criteria),
    }
    print(json.dumps({"all_pass": summary["all_pass"]}))
    (OUT / "speech_fidelity.json").write_text(json.dumps(summary, indent=2))
    return 0 if summary["all_pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
