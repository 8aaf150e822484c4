"""One speech generation from validated params to a written file (see generator.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import numpy as np

from generators.speech import assemble, breath, features, prosody, shape, tags, voice
from generators.speech.analysis import ControlsAt
from generators.speech.params import SpeechParams
from studio.emotion import Condition
from studio.sdk import (
    CancelToken,
    InputError,
    ProgressCallback,
    Rendered,
    Request,
    check_cancel,
)

TRAJECTORY_STEP_S: Final = 0.05  # trajectories are sampled this finely, then interpolated
# Piper's length_scale moves the measured speaking rate (phonemes per second, pauses
# included) by about 60 % of its nominal change (1.25 -> +15 %), so the rate control is
# raised to this power (project calibration, benchmarks/speech_fidelity.py) ...
RATE_POWER: Final = 1.6
LENGTH_SCALE: Final = (0.6, 1.8)  # ... within what the voice says cleanly


def length_scale(rate: float) -> float:
    """Piper's length_scale for a speaking-rate factor (> 1: faster)."""
    lo, hi = LENGTH_SCALE
    return float(np.clip(max(rate, 1e-3) ** -RATE_POWER, lo, hi))


def controls_for(request: Request, part: tags.Part) -> ControlsAt:
    """Output time → prosody controls, for a tagged part, a condition or a trajectory."""
    fixed: Condition | None = part.condition or request.condition
    if fixed is not None:
        values = prosody.controls(fixed)
        return lambda times: {k: np.full(len(times), v) for k, v in values.items()}
    arc = request.trajectory
    assert arc is not None

    def at(times: np.ndarray) -> dict[str, np.ndarray]:
        lo, hi = float(np.min(times)), float(np.max(times))
        grid = np.arange(lo, hi + TRAJECTORY_STEP_S, TRAJECTORY_STEP_S)
        table = prosody.controls_over(arc.sample([float(g) for g in grid]))
        return {k: np.interp(times, grid, v) for k, v in table.items()}

    return at


def speak(
    request: Request, params: SpeechParams, progress: ProgressCallback, cancel: CancelToken
) -> Rendered:
    model = voice.resolve_voice(params.voice)
    try:
        spoken = voice.load(model)
    except KeyError as exc:  # a Piper config without a field the voice needs
        raise InputError(f"voice: cannot load {model.name}: its config lacks {exc}") from None
    except Exception as exc:  # a corrupt or foreign model file is the user's input
        raise InputError(f"voice: cannot load {model.name}: {exc}") from None
    check_cancel(cancel)
    parts = tags.parse(params.text)
    plan = [(part, breath.groups(part.text)) for part in parts]
    total = sum(len(g) for _, g in plan)
    fs = spoken.sample_rate
    segments: list[dict[str, Any]] = []
    prosody_log: list[dict[str, Any]] = []
    done = pieces = 0
    # Each breath group is written as soon as it is shaped: nothing of the text's length
    # is held but phoneme timings and per-sentence numbers.
    with assemble.streamed(request.output, fs, params.sample_rate) as take:
        for part, groups in plan:
            controls_at = controls_for(request, part)
            seg_start = take.seconds
            for group in groups:
                for sentence in voice.sentences(spoken, group):
                    for phonemes in breath.split_phonemes(sentence):
                        check_cancel(cancel)
                        _say(spoken, phonemes, controls_at, take, prosody_log, request.seed, pieces)
                        pieces += 1
                done += 1
                progress(0.05 + 0.9 * done / total, f"breath group {done} of {total}")
            condition = part.condition or request.condition_at(seg_start)
            segments.append(
                {
                    "text": part.text,
                    "start": round(seg_start, 4),
                    "end": round(take.seconds, 4),
                    "condition": condition.to_dict(),
                    "tagged": part.condition is not None,  # an inline tag set it
                }
            )
        if pieces == 0:
            raise InputError("text: the voice found nothing to say in it")
        check_cancel(cancel)
        progress(0.96, "finishing the file")
    measured = features.measure(take)
    measured["sentences"] = pieces
    measured["breath_groups"] = total
    name = params.voice if params.voice in voice.builtin_voices() else Path(model).stem
    extra = {
        "speech": {
            "phonemes": take.phonemes,
            "segments": segments,
            "sample_rate": params.sample_rate,
            "voice": name,
        },
        "prosody": prosody_log,
    }
    return Rendered(files=[request.output], features=measured, extra=extra)


def _say(
    spoken: voice.Voice,
    phonemes: list[str],
    controls_at: ControlsAt,
    take: assemble.Take,
    log: list[dict[str, Any]],
    seed: int,
    index: int,
) -> None:
    """Synthesize, shape and append one breath group."""
    start = take.seconds
    c0 = {k: float(v[0]) for k, v in controls_at(np.asarray([start])).items()}
    rng = np.random.default_rng([seed, index])
    sentence = spoken.speak(
        phonemes,
        rng,
        length_scale=length_scale(c0["rate"]),
        noise_scale=c0["noise_scale"],
        noise_w=c0["noise_w"],
    )
    shaped = shape.transform(
        sentence.audio, spoken.sample_rate, sentence.alignments, controls_at, start, rng
    )
    gap = assemble.gap_after(sentence.alignments, c0["pause"])
    take.add(shaped.audio, sentence.alignments, shaped.boundaries, gap)
    log.append(
        {"start": round(start, 4), **_rounded(shaped.controls), "stages": list(shaped.stages)}
    )


def _rounded(values: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 4) for k, v in values.items()}
