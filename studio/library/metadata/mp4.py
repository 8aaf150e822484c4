"""MP4 / M4A / M4V / MOV: a freeform atom, plus a readable ``©cmt`` naming the condition."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from studio.library.metadata.codec import Codec
from studio.library.metadata.payload import (
    MP4_KEY,
    Payload,
    condition_name,
    encode_payload,
)


def _mp4_load(path: Path) -> Any:
    from mutagen.mp4 import MP4

    return MP4(path)


def _mp4_extract(media: Any) -> str | None:
    values = media.tags.get(MP4_KEY) if media.tags is not None else None
    return bytes(values[0]).decode("utf-8") if values else None


def _mp4_store(media: Any, path: Path, payload: Payload) -> None:
    from mutagen.mp4 import AtomDataType, MP4FreeForm

    if media.tags is None:
        media.add_tags()
    text = encode_payload(payload).encode("utf-8")
    media.tags[MP4_KEY] = [MP4FreeForm(text, dataformat=AtomDataType.UTF8)]
    if name := condition_name(payload):
        media.tags["\xa9cmt"] = [f"Emotion Studio: {name}"]
    media.save(path)


_MP4 = Codec("MP4", _mp4_load, _mp4_extract, _mp4_store)
CODECS = {".mp4": _MP4, ".m4a": _MP4, ".m4v": _MP4, ".mov": _MP4}
