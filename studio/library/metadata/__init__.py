"""Embed the emotional state that made a media file into the file, and read it back.

The payload is a JSON object stored as compact JSON text under the key
``emotion-studio``, in each format's own metadata:

========================  ==================================================
PNG                       iTXt chunk ``emotion-studio`` (pixels re-saved
                          losslessly, other text chunks kept)
MP4 / M4A / M4V / MOV     freeform atom ``----:org.emotionstudio:state``, plus
                          a readable ``©cmt`` naming the condition
FLAC, Ogg Vorbis / Opus   Vorbis comment ``EMOTION_STUDIO``
WAV, AIFF, MP3            ID3 ``TXXX`` frame, description ``emotion-studio``
MIDI                      text meta event ``emotion-studio:<json>`` at time 0
                          in the first track (JSON kept ASCII: MIDI text is
                          Latin-1 by convention)
========================  ==================================================

Any other extension cannot carry the payload (:func:`supports_embedding` is false);
the caller then relies on the JSON sidecar alone.

Media libraries are imported inside the functions that use them so that importing
``studio.library`` stays fast.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from studio.errors import BadInput
from studio.library.atomic import atomic_copy_with
from studio.library.inputs import check_regular
from studio.library.metadata import id3, midi, mp4, png, vorbis
from studio.library.metadata.codec import Codec
from studio.library.metadata.payload import (
    KEY,
    MIDI_PREFIX,
    MP4_KEY,
    VORBIS_KEY,
    Payload,
    decode_payload,
    encode_payload,
)

__all__ = [
    "KEY",
    "MIDI_PREFIX",
    "MP4_KEY",
    "VORBIS_KEY",
    "decode_payload",
    "embed",
    "embed_copy",
    "embed_here",
    "encode_payload",
    "read_embedded",
    "supports_embedding",
]


# The codec table: one module per container format.
_CODECS: dict[str, Codec] = {
    **png.CODECS,
    **mp4.CODECS,
    **vorbis.CODECS,
    **id3.CODECS,
    **midi.CODECS,
}


def _codec_for(path: Path) -> Codec | None:
    return _CODECS.get(path.suffix.lower())


def supports_embedding(path: Path | str) -> bool:
    """Whether a file with this name can carry the payload inside itself."""
    return _codec_for(Path(path)) is not None


def _system_error(exc: BaseException) -> OSError | None:
    """A real OS failure (disk full, permissions) behind a library's exception, if any.

    Libraries report short reads as ``OSError`` without an errno; those mean a damaged
    file, not a failing disk.
    """
    seen: BaseException | None = exc
    for _ in range(10):  # bounded: exception chains can be cyclic
        if seen is None:
            break
        if isinstance(seen, OSError) and seen.errno is not None:
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _brief(exc: BaseException, alias: Path | None, label: Path) -> str:
    """First line of ``exc``'s message, naming ``label`` rather than a temp copy."""
    lines = str(exc).strip().splitlines()
    if lines:
        text = lines[0]
    else:
        text = "unexpected end of data" if isinstance(exc, EOFError) else type(exc).__name__
    if alias is not None:
        text = text.replace(str(alias), str(label))
    return text if len(text) <= 160 else text[:157] + "..."


def _reraise_system_error(exc: Exception, label: Path) -> None:
    """Let a real OS failure through as itself, naming ``label``."""
    system = _system_error(exc)
    if system is exc:
        raise exc
    if system is not None:
        # OSError(errno, ...) picks the matching subclass (PermissionError, ...) itself.
        raise OSError(system.errno, f"{label}: {system.strerror}") from exc


@contextlib.contextmanager
def _decoding(label: Path, kind: str, alias: Path | None = None) -> Iterator[None]:
    """Turn whatever a media library raises on a bad file into a one-line ``ValueError``.

    Decoders fed damaged input raise a zoo of types (struct.error, EOFError, KeyError,
    library-specific errors, ...); callers should see one. ``alias`` is the temp copy
    actually being read, reported as ``label``.
    """
    try:
        yield
    except BadInput:
        raise  # already one line naming the file (too large, not a regular file)
    except Exception as exc:
        _reraise_system_error(exc, label)
        detail = _brief(exc, alias, label)
        raise ValueError(f"{label}: not a valid {kind} file ({detail})") from exc


@contextlib.contextmanager
def _tagging(label: Path, kind: str, alias: Path) -> Iterator[None]:
    """Name the file when a parsed file still cannot be tagged (its structure is odd).

    Only the libraries' own error types are translated: anything else is a bug and
    should surface as itself.
    """
    from mutagen import MutagenError

    try:
        yield
    except (ValueError, MutagenError) as exc:
        _reraise_system_error(exc, label)
        detail = _brief(exc, alias, label)
        raise ValueError(f"{label}: cannot add metadata to this {kind} file ({detail})") from exc


def _require_file(path: Path) -> None:
    """A regular file (a FIFO, device or folder is refused without being opened)."""
    try:
        os.stat(path)
    except FileNotFoundError:
        raise FileNotFoundError(f"no such file: {path}") from None
    except (OSError, ValueError):
        pass  # reported by check_regular in one line
    check_regular(path, "input")


def embed_copy(src: Path | str, dst: Path | str, payload: Payload) -> bool:
    """Copy ``src`` to ``dst`` atomically, embedding ``payload`` on the way.

    The copy is made in a temp file beside ``dst`` and tagged there; ``dst`` appears
    (or is replaced) only when that is complete. The format is chosen by ``dst``'s
    extension; for one that cannot carry metadata the copy is plain.

    Returns
    -------
    bool
        Whether the payload was embedded.

    Raises
    ------
    ValueError
        ``src`` is corrupt or not the format ``dst``'s extension names, or the payload
        is not JSON-serialisable.
    FileNotFoundError
        ``src`` does not exist.
    ExportError
        ``dst``'s folder is missing or not writable.
    """
    source, target = Path(src), Path(dst)
    encode_payload(payload)  # fail before touching the disk
    _require_file(source)
    codec = _codec_for(target)

    def tag(tmp: Path) -> None:
        if codec is None:
            return
        with _decoding(source, codec.kind, alias=tmp):
            media = codec.load(tmp)
        with _tagging(source, codec.kind, alias=tmp):
            codec.store(media, tmp, payload)

    atomic_copy_with(source, target, tag)
    return codec is not None


def embed_here(path: Path | str, payload: Payload, *, label: Path | str | None = None) -> bool:
    """Embed ``payload`` into ``path`` itself, without a copy: for a private temp file
    that no one else sees (a failure leaves it damaged; its owner then removes it).
    Messages name ``label`` (the final file) instead. Raises as :func:`embed_copy`."""
    target = Path(path)
    shown = Path(label) if label is not None else target
    encode_payload(payload)
    _require_file(target)
    codec = _codec_for(shown)
    if codec is None:
        return False
    with _decoding(shown, codec.kind, alias=target):
        media = codec.load(target)
    with _tagging(shown, codec.kind, alias=target):
        codec.store(media, target, payload)
    return True


def embed(path: Path | str, payload: Payload) -> bool:
    """Embed ``payload`` into ``path`` in place, atomically.

    Returns ``False`` (leaving the file untouched) when the format cannot carry it.
    Raises as :func:`embed_copy`.
    """
    target = Path(path)
    if not supports_embedding(target):
        encode_payload(payload)
        _require_file(target)
        return False
    return embed_copy(target, target, payload)


def read_embedded(path: Path | str) -> Payload | None:
    """The payload embedded in ``path``, or ``None`` if it has none (or cannot have one).

    Raises
    ------
    ValueError
        The file is corrupt, not the format its extension names, or its embedded data is
        not a JSON object.
    FileNotFoundError
        ``path`` does not exist.
    """
    source = Path(path)
    _require_file(source)
    codec = _codec_for(source)
    if codec is None:
        return None
    with _decoding(source, codec.kind):
        text = codec.peek(source) if codec.peek else codec.extract(codec.load(source))
    return None if text is None else decode_payload(text, source)
