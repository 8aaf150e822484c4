"""``--text``: the voice comes from the ``speech`` plugin, found through the registry (so
any speech plugin honouring the contract can stand in), with the same emotional state."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.emotion import Condition
from studio.sdk import (
    CancelToken,
    InputError,
    ProgressCallback,
    Request,
)

Anchors = tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Tagged:
    """A stretch of the voice (output seconds) whose emotion an inline tag set."""

    start: float
    end: float
    condition: Condition

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "condition": self.condition.to_dict(),
            "tagged": True,
        }


def synthesize(
    text: str,
    voice: str | None,
    request: Request,
    folder: Path,
    progress: ProgressCallback,
    cancel: CancelToken,
    share: float,
) -> tuple[Path, list[Mapping[str, Any]], list[Tagged], Anchors]:
    """Speak ``text`` into ``folder/speech.wav``; return the file, its phoneme timings,
    the stretches an inline tag (``[joy] …``) gave their own emotion and, under an arc,
    how the voice laid the arc onto the line (``arc_mapping`` anchors: output second, arc
    second), so the face follows the arc exactly as the voice does."""
    from studio.sdk import PluginNotFound, Registry

    try:
        speech = Registry().get("speech")
    except (PluginNotFound, RuntimeError) as exc:
        raise RuntimeError(f"--text needs the speech generator: {exc}") from None
    params: dict[str, Any] = {"text": text}
    if voice is not None:
        params["voice"] = voice
    inner = Request(
        generator=speech.id,
        output=folder / "speech.wav",
        condition=request.condition,
        trajectory=request.trajectory,
        params=params,
        seed=request.seed,
    )

    def scaled(fraction: float, message: str = "", preview: Path | None = None) -> None:
        progress(share * fraction, f"voice: {message}" if message else "voice")

    try:
        artifact = speech.generate(inner, scaled, cancel)
    except InputError:
        raise
    except ValueError as exc:  # the speech plugin rejected text or voice: bad input
        raise InputError(f"speech: {exc}") from None
    info = artifact.metadata.get("speech") or {}
    phonemes: Sequence[Mapping[str, Any]] = info.get("phonemes") or []
    tagged = [
        Tagged(float(seg["start"]), float(seg["end"]), Condition.from_dict(seg["condition"]))
        for seg in info.get("segments") or []
        if isinstance(seg, Mapping) and seg.get("tagged")
    ]
    spoken = [p for p in phonemes if isinstance(p, Mapping)]
    return artifact.path, spoken, tagged, anchors(artifact.metadata.get("arc_mapping"))


def anchors(entry: Any) -> Anchors:
    """(output second, arc second) pairs of a speech plugin's ``arc_mapping``, in time
    order; empty when there is none or it is malformed (the face then stretches the arc
    evenly over the voice)."""
    if not isinstance(entry, Mapping) or not isinstance(entry.get("anchors"), list):
        return ()
    try:
        pairs = tuple((float(m), float(a)) for m, a in entry["anchors"])
    except (TypeError, ValueError):
        return ()
    times = [m for m, _ in pairs]
    return pairs if len(pairs) >= 2 and times == sorted(times) else ()


def embedded_timings(path: Path) -> tuple[list[Mapping[str, Any]] | None, list[Tagged]]:
    """A voice file the ``speech`` generator made carries its phoneme timings and tagged
    stretches in its embedded state: lip-sync from those rather than from the sound.
    Timings that run past the file's end (the file was edited since) are not used."""
    from studio.sdk import read_embedded

    try:
        payload = read_embedded(path)
    except (OSError, ValueError):
        return None, []
    info = payload.get("speech") if isinstance(payload, Mapping) else None
    if not isinstance(info, Mapping):
        return None, []
    phonemes = [p for p in info.get("phonemes") or [] if isinstance(p, Mapping)]
    try:
        import soundfile

        seconds = float(soundfile.info(str(path)).duration)
        last = max((float(p["end"]) for p in phonemes), default=0.0)
        tagged = [
            Tagged(float(seg["start"]), float(seg["end"]), Condition.from_dict(seg["condition"]))
            for seg in info.get("segments") or []
            if isinstance(seg, Mapping) and seg.get("tagged")
        ]
    except (KeyError, TypeError, ValueError, RuntimeError):
        return None, []
    if last > seconds + 0.05:
        return None, []
    return phonemes or None, tagged
