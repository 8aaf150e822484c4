"""FLAC and Ogg Vorbis / Opus: the Vorbis comment ``EMOTION_STUDIO``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from studio.library.metadata.codec import Codec
from studio.library.metadata.payload import (
    VORBIS_KEY,
    Payload,
    encode_payload,
)


def _flac_load(path: Path) -> Any:
    from mutagen.flac import FLAC

    return FLAC(path)


def _ogg_load(path: Path) -> Any:
    import mutagen
    from mutagen.oggflac import OggFLAC
    from mutagen.oggopus import OggOpus
    from mutagen.oggspeex import OggSpeex
    from mutagen.oggvorbis import OggVorbis

    media = mutagen.File(path, options=[OggVorbis, OggOpus, OggFLAC, OggSpeex])
    if media is None:
        raise ValueError("no Ogg Vorbis, Opus, FLAC or Speex stream found")
    return media


def _vorbis_extract(media: Any) -> str | None:
    values = media.tags.get(VORBIS_KEY) if media.tags is not None else None
    return str(values[0]) if values else None


def _vorbis_store(media: Any, path: Path, payload: Payload) -> None:
    if media.tags is None:
        media.add_tags()
    media.tags[VORBIS_KEY] = [encode_payload(payload)]
    media.save(path)


_OGG = Codec("Ogg", _ogg_load, _vorbis_extract, _vorbis_store)
CODECS = {
    ".flac": Codec("FLAC", _flac_load, _vorbis_extract, _vorbis_store),
    ".ogg": _OGG,
    ".oga": _OGG,
    ".opus": _OGG,
}
