"""The clip's parts written beside it (``--stems DIR``), each tagged with what made it and
the clip it belongs to."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from generators.clip import mix
from generators.clip import voice as voices
from generators.clip.parts import Part
from studio.sdk import METADATA_SCHEMA, Request, atomic_path, embed


def _stem_payload(base: Mapping[str, Any] | None, role: str, request: Request) -> dict[str, Any]:
    """A stem's embedded state: what made the part, plus which clip it belongs to."""
    out = {k: v for k, v in (base or {}).items() if k != "timings"}
    if "schema" not in out:
        out.update({"schema": METADATA_SCHEMA, "generator": "clip", **request.state_dict()})
    out["stem"] = {"role": role, "clip": request.output.name}
    return out


def write_stems(
    folder: Path,
    made: list[Part],
    mixed: mix.Mix,
    voice_payload: Mapping[str, Any] | None,
    request: Request,
    portrait: str | None = None,
) -> list[Path]:
    """The parts beside the clip, each tagged: the voice and the bed as they sit in the
    mix (WAV), the bed's MIDI, the backdrops (PNG), the face (with alpha: MOV; a portrait:
    MP4) and the portrait it animates (as given: the clip did not make it)."""
    folder.mkdir(exist_ok=True)
    written: list[Path] = []
    spoken = next((p for p in made if p.role == "voice"), None)
    voice_base = voice_payload if spoken is not None else None
    voices.write(
        folder / "voice.wav", mixed.voice, mix.RATE, _stem_payload(voice_base, "voice", request)
    )
    written.append(folder / "voice.wav")
    music = next((p for p in made if p.role == "music" and p.path.suffix == ".wav"), None)
    if music is not None:
        import soundfile

        target = folder / "music.wav"
        with atomic_path(target) as tmp:
            soundfile.write(
                str(tmp), np.clip(mixed.bed, -1, 1), mix.RATE, format="WAV", subtype="PCM_16"
            )
        embed(target, _stem_payload(music.clean_metadata(), "music", request))
        written.append(target)
    for part in made:
        if part.role == "voice" or (part.role == "music" and part.path.suffix == ".wav"):
            continue
        target = folder / part.path.name
        with atomic_path(target) as tmp:
            shutil.copyfile(part.path, tmp)
        embed(target, _stem_payload(part.clean_metadata(), part.role, request))
        written.append(target)
    if portrait is not None:
        target = folder / f"portrait{Path(portrait).suffix.lower()}"
        with atomic_path(target) as tmp:
            shutil.copyfile(portrait, tmp)
        written.append(target)
    return written
