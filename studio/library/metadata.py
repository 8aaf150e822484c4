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
import io
import json
import os
import struct
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.errors import BadInput
from studio.library.atomic import atomic_copy_with
from studio.library.inputs import MAX_JSON_BYTES, check_regular, loads_json, open_regular

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

KEY = "emotion-studio"
MP4_KEY = "----:org.emotionstudio:state"
VORBIS_KEY = "EMOTION_STUDIO"
MIDI_PREFIX = "emotion-studio:"

Payload = dict[str, Any]


# --- payload text ------------------------------------------------------------------------


def encode_payload(payload: Payload, *, ascii_only: bool = False) -> str:
    """Compact JSON text of ``payload``.

    Raises
    ------
    ValueError
        ``payload`` is not a dict, or holds values JSON cannot represent (NaN included:
        strict JSON readers reject it).
    """
    if not isinstance(payload, dict):
        raise ValueError(f"emotion state must be a JSON object, not {type(payload).__name__}")
    try:
        return json.dumps(payload, ensure_ascii=ascii_only, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"emotion state is not JSON-serialisable: {exc}") from exc


def decode_payload(text: str | bytes, source: Path | str) -> Payload:
    """Parse payload text found in ``source``; a non-object or bad JSON is a ``ValueError``."""
    value = loads_json(text, f"{source}: emotion-studio data")
    if not isinstance(value, dict):
        raise ValueError(f"{source}: emotion-studio data is not a JSON object")
    return value


def _condition_name(payload: Payload) -> str | None:
    """The condition's display name, if the payload has one."""
    condition = payload.get("condition")
    name = condition.get("name") if isinstance(condition, dict) else payload.get("name")
    return name if isinstance(name, str) and name else None


# Each format below has three small functions: load (parse the file; anything raised there
# means a damaged file), extract (the stored text, if any) and store (tag what was loaded,
# save it to the given path).

# --- PNG -----------------------------------------------------------------------------------


def _png_colour_chunks(info: dict[str, Any]) -> list[tuple[bytes, bytes]]:
    """gAMA / cHRM / sRGB chunks rebuilt from what Pillow parsed (it won't write them back)."""
    chunks: list[tuple[bytes, bytes]] = []
    if "gamma" in info:
        chunks.append((b"gAMA", struct.pack(">I", round(info["gamma"] * 100_000))))
    if "chromaticity" in info:
        values = [round(v * 100_000) for v in info["chromaticity"]]
        chunks.append((b"cHRM", struct.pack(">8I", *values)))
    if "srgb" in info:
        chunks.append((b"sRGB", bytes([info["srgb"]])))
    return chunks


def _png_load(path: Path) -> Any:
    from PIL import Image, UnidentifiedImageError

    # From memory: an animated PNG re-reads its frames while being saved over itself.
    try:
        im: Any = Image.open(io.BytesIO(path.read_bytes()), formats=["PNG"])
    except UnidentifiedImageError:
        raise ValueError("no PNG signature") from None
    im.text  # noqa: B018 -- decodes every frame and text chunk, so damage shows up here
    im.seek(0)
    return im


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_TEXT = (b"tEXt", b"zTXt", b"iTXt")


def _inflate(data: bytes, limit: int) -> bytes:
    """zlib data inflated to at most ``limit`` bytes (a zip bomb stops there)."""
    inflater = zlib.decompressobj()
    out = inflater.decompress(data, limit + 1)
    if len(out) > limit:
        raise ValueError(f"compressed text inflates past {limit} bytes")
    return out


def _png_text_value(ctype: bytes, data: bytes) -> tuple[bytes, str]:
    """(keyword, text) of one tEXt / zTXt / iTXt chunk (PNG spec §11.3.4)."""
    keyword, _, rest = data.partition(b"\0")
    if ctype == b"tEXt":
        return keyword, rest.decode("latin-1")
    if ctype == b"zTXt":
        return keyword, _inflate(rest[1:], MAX_JSON_BYTES).decode("latin-1")
    compressed, rest = rest[:1] == b"\1", rest[2:]
    _lang, _, rest = rest.partition(b"\0")
    _tkey, _, text = rest.partition(b"\0")
    return keyword, (_inflate(text, MAX_JSON_BYTES) if compressed else text).decode("utf-8")


def _png_peek(path: Path) -> str | None:
    """Our text chunk, read by walking the chunk headers and seeking past image data:
    memory stays at one text chunk however large the file (PNG spec §5.3)."""
    key = KEY.encode("latin-1")
    found: str | None = None
    with open_regular(path, "input") as fh:
        if fh.read(8) != _PNG_SIGNATURE:
            raise ValueError("no PNG signature")
        while True:
            header = fh.read(8)
            if len(header) < 8:
                raise ValueError("truncated: it ends before its IEND chunk")
            length, ctype = struct.unpack(">I4s", header)
            if ctype == b"IEND":
                return found
            if ctype in _PNG_TEXT and found is None and length <= MAX_JSON_BYTES + 1024:
                data = fh.read(length)
                crc = fh.read(4)
                if len(data) < length or len(crc) < 4:
                    raise ValueError(f"truncated inside its {ctype.decode()} chunk")
                if struct.unpack(">I", crc)[0] != zlib.crc32(ctype + data):
                    raise ValueError(f"a {ctype.decode()} chunk fails its CRC check")
                if data.partition(b"\0")[0] == key:  # inflate only our own chunk
                    found = _png_text_value(ctype, data)[1]
            else:
                fh.seek(length + 4, io.SEEK_CUR)
                if fh.tell() > os.fstat(fh.fileno()).st_size:
                    raise ValueError(f"truncated inside its {ctype.decode('latin-1')} chunk")


def _png_extract(im: Any) -> str | None:
    value = im.text.get(KEY)
    return None if value is None else str(value)


def _png_store(im: Any, path: Path, payload: Payload) -> None:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    for key, value in im.text.items():
        if key == KEY:
            continue
        if isinstance(value, PngImagePlugin.iTXt):
            info.add_itxt(key, value, value.lang or "", value.tkey or "")
        else:
            info.add_text(key, value)
    info.add_itxt(KEY, encode_payload(payload))
    for cid, data in _png_colour_chunks(im.info):
        info.add(cid, data)
    extra = {k: im.info[k] for k in ("dpi", "exif") if k in im.info}
    animated = bool(getattr(im, "is_animated", False))
    im.save(path, "PNG", pnginfo=info, save_all=animated, **extra)


# --- MP4 family ----------------------------------------------------------------------------


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
    if name := _condition_name(payload):
        media.tags["\xa9cmt"] = [f"Emotion Studio: {name}"]
    media.save(path)


# --- Vorbis comments (FLAC, Ogg) -------------------------------------------------------------


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


# --- ID3 (WAV, AIFF, MP3) ----------------------------------------------------------------


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


# --- MIDI ---------------------------------------------------------------------------------


def _is_state_event(message: Any) -> bool:
    return bool(message.is_meta and message.type == "text" and message.text.startswith(MIDI_PREFIX))


# Real MIDI files are kilobytes; mido parses the whole file into objects (~100 bytes of
# memory per event), so a cap in bytes bounds its memory.
MAX_MIDI_BYTES = 8 * 2**20


def _midi_load(path: Path) -> Any:
    import mido

    with open_regular(path, "input", MAX_MIDI_BYTES) as fh:
        return mido.MidiFile(file=fh)


def _midi_extract(midi: Any) -> str | None:
    for track in midi.tracks:
        for message in track:
            if _is_state_event(message):
                return str(message.text[len(MIDI_PREFIX) :])
    return None


def _midi_store(midi: Any, path: Path, payload: Payload) -> None:
    import mido

    if not midi.tracks:
        midi.add_track()
    track = midi.tracks[0]
    kept: list[Any] = []
    carry = 0
    for message in track:
        if _is_state_event(message):
            carry += message.time  # an old state event goes; later events keep their times
            continue
        kept.append(message.copy(time=message.time + carry) if carry else message)
        carry = 0
    text = MIDI_PREFIX + encode_payload(payload, ascii_only=True)
    track[:] = [mido.MetaMessage("text", text=text, time=0), *kept]
    midi.save(path)


# --- dispatch -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Codec:
    kind: str  # named in error messages
    load: Callable[[Path], Any]
    extract: Callable[[Any], str | None]
    store: Callable[[Any, Path, Payload], None]
    # Reads just the stored text for inspect, when ``load`` would read more than that.
    peek: Callable[[Path], str | None] | None = None


_PNG = _Codec("PNG", _png_load, _png_extract, _png_store, _png_peek)
_MP4 = _Codec("MP4", _mp4_load, _mp4_extract, _mp4_store)
_OGG = _Codec("Ogg", _ogg_load, _vorbis_extract, _vorbis_store)
_AIFF = _Codec("AIFF", _aiff_load, _id3_extract, _id3_store)
_MIDI = _Codec("MIDI", _midi_load, _midi_extract, _midi_store)
_CODECS: dict[str, _Codec] = {
    ".png": _PNG,
    ".mp4": _MP4,
    ".m4a": _MP4,
    ".m4v": _MP4,
    ".mov": _MP4,
    ".flac": _Codec("FLAC", _flac_load, _vorbis_extract, _vorbis_store),
    ".ogg": _OGG,
    ".oga": _OGG,
    ".opus": _OGG,
    ".wav": _Codec("WAV", _wav_load, _id3_extract, _id3_store),
    ".aif": _AIFF,
    ".aiff": _AIFF,
    ".mp3": _Codec("MP3", _mp3_load, _id3_extract, _id3_store),
    ".mid": _MIDI,
    ".midi": _MIDI,
}


def _codec_for(path: Path) -> _Codec | None:
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
