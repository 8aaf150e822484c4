"""One speech generation on the coqui backend, from validated params to a written file.

The same path as ``pipeline.speak`` for Piper, with the Coqui model in Piper's place:
inline tags and breath groups cut the text, each group is said neutrally but for the
model's native knobs, ``shape.transform`` applies the emotion (pitch, spectrum, pauses,
loudness), and ``assemble`` writes the take atomically with its phoneme timings.
Everything the model's folder can refuse (language, speaker, text it has no symbols for)
is checked after loading and before the output is opened, so a refusal writes nothing.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from generators.speech import arc, assemble, breath, coqui, features, pipeline, shape, tags
from generators.speech.params import SpeechParams
from studio.sdk import CancelToken, InputError, ProgressCallback, Rendered, Request, check_cancel


def speak(
    request: Request, params: SpeechParams, progress: ProgressCallback, cancel: CancelToken
) -> Rendered:
    try:
        choice = coqui.check(
            params.model, params.speaker, params.speaker_wav, params.language, params.vocoder
        )
    except ValueError as exc:
        raise InputError(str(exc)) from None
    progress(0.03, f"loading {choice.model.name}")
    model = coqui.load(choice)
    check_cancel(cancel)
    language = _language(model, choice)
    _speaker(model, choice)
    limit = model.char_limit(language) or breath.MAX_CHARS
    plan = [
        (part, breath.groups(part.text, min(breath.MAX_CHARS, limit)))
        for part in tags.parse(params.text)
    ]
    _speakable(model, [g for _, groups in plan for g in groups], language)
    total = sum(len(g) for _, g in plan)
    # An arc is stretched over the line as on the Piper path (arc.py), each breath group
    # taking the share of it that its letters are of the line's (phonemes are known only
    # once the model has spoken).
    weights = [max(1, sum(ch.isalnum() for ch in g)) for _, groups in plan for g in groups]
    clock = arc.ArcClock(request.trajectory, weights) if request.trajectory else None
    segments: list[dict[str, Any]] = []
    prosody_log: list[dict[str, Any]] = []
    done = 0
    with assemble.streamed(request.output, model.sample_rate, params.sample_rate) as take:
        for part, groups in plan:
            fixed = pipeline.controls_for(request, part)
            seg_start, first = take.seconds, done
            for group in groups:
                check_cancel(cancel)
                timing = pipeline.Timing(fixed, clock, done)
                _say(model, choice, language, group, timing, take, prosody_log, request.seed)
                done += 1
                progress(0.05 + 0.9 * done / total, f"breath group {done} of {total}")
            if part.condition is not None or clock is None:
                condition = part.condition or request.condition_at(seg_start)
            else:  # where the arc stood when the part began
                condition = clock.arc.at(clock.arc_time(min(first, len(weights) - 1)))
            segments.append(
                {
                    "text": part.text,
                    "start": round(seg_start, 4),
                    "end": round(take.seconds, 4),
                    "condition": condition.to_dict(),
                    "tagged": part.condition is not None,
                }
            )
        if done == 0:
            raise InputError("text: the model found nothing to say in it")
        check_cancel(cancel)
        progress(0.96, "finishing the file")
    measured = features.measure(take)
    measured["sentences"] = done
    measured["breath_groups"] = total
    extra = {
        "speech": {
            "phonemes": take.phonemes,
            "segments": segments,
            "sample_rate": params.sample_rate,
            "voice": choice.model.name,
        },
        "prosody": prosody_log,
        "coqui": {
            "model": choice.model.name,
            "architecture": choice.model.kind,
            "licence": choice.model.licence or "see the model's folder",
            "speaker": choice.speaker,
            "speaker_wav": choice.speaker_wav.name if choice.speaker_wav else None,
            "language": language,
            "vocoder": choice.vocoder.name
            if choice.vocoder
            else ("griffin-lim" if choice.model.kind.startswith("tacotron") else None),
            # Where the phoneme timings come from: the model's durations, its attention,
            # or spread over the characters (XTTS gives neither).
            "timing": model.timing,
            "model_rate": model.sample_rate,
        },
    }
    if clock is not None:
        extra["arc_mapping"] = clock.metadata(take.seconds)
    return Rendered(files=[request.output], features=measured, extra=extra)


def knobs(kind: str, c0: dict[str, float]) -> dict[str, float]:
    """The model's own controls for the emotion at a group's start (neutral → defaults)."""
    if kind == "vits":  # the same architecture as Piper: the same three scales
        return {
            "length_scale": pipeline.length_scale(c0["rate"]),
            "noise_scale": c0["noise_scale"],
            "noise_w": c0["noise_w"],
        }
    if kind == "xtts":
        lo, hi = coqui.XTTS_SPEED
        t_lo, t_hi = coqui.XTTS_TEMPERATURE
        # Piper's neutral noise_scale is 0.667; XTTS's neutral temperature 0.75.
        return {
            "speed": float(np.clip(c0["rate"], lo, hi)),
            "temperature": float(np.clip(0.75 * c0["noise_scale"] / 0.667, t_lo, t_hi)),
        }
    return {}  # Tacotron2 has no knob that means the same; the prosody stage does it all


def _say(
    model: coqui.Loaded,
    choice: coqui.Choice,
    language: str | None,
    text: str,
    timing: pipeline.Timing,
    take: assemble.Take,
    log: list[dict[str, Any]],
    seed: int,
) -> None:
    start, index = take.seconds, timing.index
    c0 = timing.at_start(start)
    rng = np.random.default_rng([seed, index])
    used = knobs(model.kind, c0)
    said = model.say(text, choice, language, used, int(rng.integers(2**31)))
    fs = model.sample_rate
    controls_at = timing.over(start, len(said.audio) / fs)
    shaped = shape.transform(said.audio, fs, said.alignments, controls_at, start, rng)
    # The group's last mark decides the pause after it, as for Piper's sentences.
    gap = assemble.gap_after([*said.alignments[:-1], (text.rstrip()[-1:], 0)], c0["pause"])
    take.add(shaped.audio, said.alignments, shaped.boundaries, gap)
    if timing.clock is not None:
        timing.clock.spoken(index, start, start + len(shaped.audio) / fs)
    log.append(
        {
            "start": round(start, 4),
            **{k: round(v, 4) for k, v in shaped.controls.items()},
            "knobs": {k: round(v, 4) for k, v in used.items()},
            "stages": list(shaped.stages),
        }
    )


def _language(model: coqui.Loaded, choice: coqui.Choice) -> str | None:
    """The language to pass the model (None for a monolingual one); InputError if the
    model does not speak the one asked for."""
    asked, name = choice.language, choice.model.name
    offered = model.languages()
    if len(offered) == 1 and asked in (None, offered[0]):
        return offered[0]  # Coqui gives every model a language table, often of one
    if len(offered) > 1:
        if asked is None:
            raise InputError(
                f"language: {name} speaks several languages; give --param language=XX "
                f"({', '.join(offered[:20])})"
            )
        if asked not in offered:
            raise InputError(
                f"language: {name} does not speak {asked!r} (it has {', '.join(offered[:20])})"
            )
        return asked
    if asked is None:
        return None
    own = str(model.synth.tts_config.get("phoneme_language") or "")
    if own and (asked == own or own.split("-")[0] == asked.split("-")[0]):
        return None
    if own:
        raise InputError(f"language: {name} speaks only {own!r}, not {asked!r}")
    raise InputError(f"language: {name} is not multilingual; drop --param language")


def _speaker(model: coqui.Loaded, choice: coqui.Choice) -> None:
    voices, name = model.speakers(), choice.model.name
    if choice.speaker is None:
        if voices and choice.speaker_wav is None and model.kind != "xtts":
            raise InputError(
                f"speaker: {name} has {len(voices)} speakers; give --param speaker=ID "
                f"({', '.join(voices[:12])}{' …' if len(voices) > 12 else ''})"
            )
        return
    if not voices:
        raise InputError(f"speaker: {name} has a single voice; drop --param speaker")
    if choice.speaker not in voices:
        raise InputError(
            f"speaker: {name} has no speaker {choice.speaker!r} "
            f"({', '.join(voices[:12])}{' …' if len(voices) > 12 else ''})"
        )


def _speakable(model: coqui.Loaded, groups: list[str], language: str | None) -> None:
    """Every group has symbols the model knows (Coqui drops unknown ones silently)."""
    tokenizer = getattr(model.tts, "tokenizer", None)
    if model.kind == "xtts" or tokenizer is None or not hasattr(tokenizer, "text_to_ids"):
        return
    for group in groups:
        if not tokenizer.text_to_ids(group, language=language):
            raise InputError(
                f"text: {model.model.name} has no symbols for {group[:40]!r} "
                "(another script or language?)"
            )
