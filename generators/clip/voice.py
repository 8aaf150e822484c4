"""The voice track on the clip's clock: a recording probed and read (any format PyAV
reads), padded to the clip's length, and written as a WAV that keeps the speech plugin's
phoneme timings and tagged stretches, moved onto the clip's clock."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from studio.sdk import InputError

MAX_VOICE_S: Final = 590.0  # the bed is at most 600 s long (music's own limit)
MIN_VOICE_S: Final = 0.3


def probe(path: Path) -> float:
    """The recording's length in seconds (header only); ``InputError`` if it is not audio."""
    import soundfile

    try:
        return float(soundfile.info(str(path)).duration)
    except (RuntimeError, OSError, ValueError):
        pass
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise InputError(f"audio: {path.name} has no sound in it")
            stream = container.streams.audio[0]
            if stream.duration is not None and stream.time_base is not None:
                return float(stream.duration * stream.time_base)
            if container.duration is not None:
                return float(container.duration) / 1_000_000
    except InputError:
        raise
    except Exception as exc:  # PyAV raises its own error family for unreadable input
        raise InputError(f"audio: {path.name} is not a sound file PyAV can read ({exc})") from None
    raise InputError(f"audio: {path.name} does not say how long it is")


def check_length(seconds: float, what: str) -> None:
    if seconds > MAX_VOICE_S:
        raise InputError(
            f"{what} lasts {seconds / 60:.1f} minutes; a clip takes at most "
            f"{MAX_VOICE_S / 60:.1f} minutes of voice"
        )
    if seconds < MIN_VOICE_S:
        raise InputError(f"{what} lasts {seconds:.2f} s; a clip needs at least {MIN_VOICE_S} s")


def read(path: Path) -> tuple[NDArray[np.float32], int]:
    """Mono float32 samples and their rate."""
    import soundfile

    try:
        data, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
        return data.mean(axis=1).astype(np.float32), int(rate)
    except (RuntimeError, OSError, ValueError):
        pass
    import av

    chunks: list[NDArray[np.float32]] = []
    try:
        with av.open(str(path)) as container:
            stream = container.streams.audio[0]
            rate = int(stream.rate)
            resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1).astype(np.float32))
    except Exception as exc:  # PyAV's error family
        raise InputError(f"audio: cannot read {path.name}: {exc}") from None
    if not chunks:
        raise InputError(f"audio: {path.name} has no sound in it")
    return np.concatenate(chunks), rate


def shifted_payload(payload: Mapping[str, Any], lead: float) -> dict[str, Any]:
    """The speech plugin's embedded state with its timings ``lead`` seconds later."""
    out = copy.deepcopy(dict(payload))
    info = out.get("speech")
    if isinstance(info, dict):
        for key in ("phonemes", "segments"):
            for item in info.get(key) or []:
                if isinstance(item, dict):
                    for edge in ("start", "end"):
                        if isinstance(item.get(edge), int | float):
                            item[edge] = round(float(item[edge]) + lead, 4)
    return out


def write(
    path: Path, samples: NDArray[np.float32], rate: int, payload: Mapping[str, Any] | None
) -> None:
    """A 16-bit WAV, written atomically, carrying ``payload`` when there is one."""
    import soundfile

    from studio.sdk import atomic_path, embed

    with atomic_path(path) as tmp:
        soundfile.write(str(tmp), np.clip(samples, -1.0, 1.0), rate, format="WAV", subtype="PCM_16")
    if payload:
        embed(path, dict(payload))


def join(
    takes: Sequence[tuple[NDArray[np.float32], Mapping[str, Any]]], rate: int, pause: float
) -> tuple[NDArray[np.float32], dict[str, Any]]:
    """Paragraphs spoken one by one, joined with ``pause`` seconds between them; their
    phoneme timings and segments moved onto the joined clock (the first take's state)."""
    gap = np.zeros(round(pause * rate), dtype=np.float32)
    pieces: list[NDArray[np.float32]] = []
    merged = copy.deepcopy(dict(takes[0][1]))
    info: dict[str, Any] = merged.setdefault("speech", {})
    info["phonemes"], info["segments"] = [], []
    at = 0.0
    for k, (samples, payload) in enumerate(takes):
        if k:
            pieces.append(gap)
            at += pause
        moved = shifted_payload(payload, at).get("speech") or {}
        info["phonemes"] += list(moved.get("phonemes") or [])
        info["segments"] += list(moved.get("segments") or [])
        pieces.append(samples)
        at += len(samples) / rate
    return np.concatenate(pieces), merged
