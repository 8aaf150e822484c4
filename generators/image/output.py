"""Reading the user's photo and writing the result atomically (PNG, JPEG, WebP)."""

from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path
from typing import Final

import numpy as np
from numpy.typing import NDArray

from studio.sdk import InputError, atomic_write, check_regular

MAX_INPUT_PIXELS: Final = 8192 * 8192  # decoded at most once, at 3-4 bytes a pixel
# Grading holds several float32 planes of the photo: ~85 bytes a pixel at peak (measured:
# 437 MB for a 2000x2000 photo), so 4096x3072 (a 12 Mpx camera) stays near 1.1 GB.
MAX_GRADE_PIXELS: Final = 4096 * 3072
MAX_INPUT_BYTES: Final = 512 * 2**20  # no PNG, JPEG or WebP within the pixel cap is larger
FORMATS: Final = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}


def stored_png(rgb: NDArray[np.uint8]) -> bytes:
    """An uncompressed PNG (deflate "stored" blocks, no row filters) of (H, W, 3) bytes:
    0.3 ms for a 256² draft where Pillow's encoder takes 5 ms even at level 0 (it still
    tries a filter per row). Any PNG reader opens it (ISO/IEC 15948: IHDR, IDAT, IEND)."""
    h, w = rgb.shape[:2]
    rows = np.empty((h, w * 3 + 1), dtype=np.uint8)
    rows[:, 0] = 0  # filter type None
    rows[:, 1:] = rgb.reshape(h, w * 3)

    def chunk(tag: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(tag + body)
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows.tobytes(), 0))
        + chunk(b"IEND", b"")
    )


def write(path: Path, rgb: NDArray[np.uint8], *, fast: bool = False) -> None:
    """Encode and write atomically; the format follows the extension. ``fast``: a draft
    shown once and deleted, so a PNG is stored uncompressed (:func:`stored_png`, also
    quicker for the window to decode) and not flushed to the disk (two fsyncs cost ~12 ms
    a draft here); it still appears whole, by one rename. A kept file is flushed anyway
    when the session moves it onto the output."""
    from PIL import Image

    fmt = FORMATS[path.suffix.lower()]
    if fast and fmt == "PNG":
        _replace_whole(path, stored_png(np.ascontiguousarray(rgb)))
        return
    options: dict[str, object] = {}
    if fmt == "PNG":
        # A fast level: smooth art compresses well anyway.
        options["compress_level"] = 0 if fast else 3
    elif fmt == "JPEG":
        options.update(quality=93, subsampling=0)
    else:
        options.update(quality=92, method=4)
    image = Image.fromarray(np.ascontiguousarray(rgb), "RGB")
    if fast:
        buffer = io.BytesIO()
        image.save(buffer, fmt, **options)
        _replace_whole(path, buffer.getvalue())
        return
    with atomic_write(path, "wb") as fh:
        image.save(fh, fmt, **options)


def _replace_whole(path: Path, data: bytes) -> None:
    """Write ``data`` beside ``path`` and rename it over ``path`` (no flush: a draft)."""
    part = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        part.write_bytes(data)
        os.replace(part, path)
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def read(path: str, fit: tuple[int, int] | None = None) -> NDArray[np.uint8]:
    """The user's photo as (H, W, 3) uint8 sRGB; one-line ``InputError`` when it cannot be
    read (missing, not a regular file, not an image, truncated, too large).

    The size is read from the header before any pixel is decoded. With ``fit`` (the
    requested output size) a large photo is decoded at reduced scale (JPEG draft mode) and
    shrunk to fit; without it, grading works at the photo's own size, so that is capped.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    name = Path(path).name
    try:
        check_regular(path, "input", MAX_INPUT_BYTES)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    try:
        with Image.open(path) as im:  # lazy: only the header is parsed here
            pixels = im.width * im.height
            if pixels > MAX_INPUT_PIXELS:
                raise InputError(
                    f"input: {name} is {im.width}x{im.height}; at most {MAX_INPUT_PIXELS} pixels"
                )
            if fit is None and pixels > MAX_GRADE_PIXELS:
                raise InputError(
                    f"input: {name} is {im.width}x{im.height} ({pixels / 1e6:.1f} Mpx); "
                    f"grading works on at most {MAX_GRADE_PIXELS / 1e6:.1f} Mpx: "
                    "pass --size to scale it down"
                )
            if fit is not None:
                im.draft("RGB", fit)  # JPEG: decode at 1/2, 1/4 or 1/8 scale, >= fit
            upright = ImageOps.exif_transpose(im)
            if fit is not None:
                upright.thumbnail(fit, Image.Resampling.LANCZOS)
            mode = upright.mode
            if mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in upright.info):
                # Transparent areas over white, as an image viewer shows them.
                rgba = upright.convert("RGBA")
                flat = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
                upright = Image.alpha_composite(flat, rgba)
            rgb = np.asarray(upright.convert("RGB"), dtype=np.uint8)
    except FileNotFoundError:
        raise InputError(f"input: no such file {path!r}") from None
    except UnidentifiedImageError:
        raise InputError(f"input: {name} is not an image this studio can read") from None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"input: {name} could not be read ({exc})") from None
    if rgb.ndim != 3 or min(rgb.shape[:2]) < 1:
        raise InputError(f"input: {name} has no pixels")
    return rgb
