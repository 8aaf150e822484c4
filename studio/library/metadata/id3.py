"""WAV, AIFF and MP3: an ID3 ``TXXX`` frame, description ``emotion-studio``."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

from studio.library.metadata.codec import Codec
from studio.library.metadata.payload import (
    KEY,
    Payload,
    encode_payload,
)


def _check_chunk_bounds(path: Path, byte_order: str) -> None:
    """Reject a RIFF / AIFF file whose top-level chunks run past its end.

    mutagen tolerates a truncated audio chunk, but the ID3 chunk it then appends would
    be read as audio by players that trust the chunk's declared size.
    """
    size = path.stat().st_size
    with path.open("rb") as fh:
        offset = 12  # past "RIFF"/"FORM", the total size and the form type
        while offset + 8 <= size:
            fh.seek(offset)
            cid, length = struct.unpack(byte_order + "4sI", fh.read(8))
            end = offset + 8 + length
            if end > size:
                name = cid.decode("latin-1").strip()
                raise ValueError(f"its {name!r} chunk is truncated ({end - size} bytes missing)")
            offset = end + (length & 1)  # chunks are padded to an even length
        if offset < size:
            raise ValueError("it ends inside a chunk header")


def _wav_load(path: Path) -> Any:
    from mutagen.wave import WAVE

    media = WAVE(path)  # checks the RIFF header before we walk its chunks
    _check_chunk_bounds(path, "<")
    return media


def _aiff_load(path: Path) -> Any:
    from mutagen.aiff import AIFF

    media = AIFF(path)
    _check_chunk_bounds(path, ">")
    return media


def _mp3_load(path: Path) -> Any:
    from mutagen.mp3 import MP3

    return MP3(path)


def _id3_extract(media: Any) -> str | None:
    frames = media.tags.getall(f"TXXX:{KEY}") if media.tags is not None else []
    return str(frames[0].text[0]) if frames and frames[0].text else None


def _id3_store(media: Any, path: Path, payload: Payload) -> None:
    from mutagen.id3 import TXXX, Encoding

    if media.tags is None:
        media.add_tags()
    media.tags.delall(f"TXXX:{KEY}")
    media.tags.add(TXXX(encoding=Encoding.UTF8, desc=KEY, text=[encode_payload(payload)]))
    media.save(path)


_AIFF = Codec("AIFF", _aiff_load, _id3_extract, _id3_store)
CODECS = {
    ".wav": Codec("WAV", _wav_load, _id3_extract, _id3_store),
    ".aif": _AIFF,
    ".aiff": _AIFF,
    ".mp3": Codec("MP3", _mp3_load, _id3_extract, _id3_store),
}
