"""PNG: an iTXt chunk ``emotion-studio`` (pixels re-saved losslessly, other text chunks kept)."""

from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path
from typing import Any

from studio.library.inputs import MAX_JSON_BYTES, open_regular
from studio.library.metadata.codec import Codec
from studio.library.metadata.payload import (
    KEY,
    Payload,
    encode_payload,
)


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


CODECS = {".png": Codec("PNG", _png_load, _png_extract, _png_store, _png_peek)}
