"""The portrait picture: decoded bounded (size from the header before any pixel) and framed.

Framing: a square around the face (head and shoulders: the face takes about a fifth of the
side), as large as the photo allows, scaled to the clip's frame. A square photo whose face
already takes at least a fifth of it is used whole, so the frame is the photo itself.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
from numpy.typing import NDArray

from studio.sdk import InputError, printable, read_bytes

MAX_BYTES: Final = 256 * 2**20  # no JPEG, PNG or WebP within the pixel cap is larger
MAX_PIXELS: Final = 8192 * 8192  # checked in the header before decoding
WORK_SIDE: Final = 2048  # decoded at most this long a side (JPEG draft decoding scales early)
FACE_SHARE: Final = 0.2  # face height (forehead to chin) / frame side, at most, when cropping


@dataclass(frozen=True)
class Picture:
    rgb: NDArray[np.uint8]  # (H, W, 3) upright sRGB, at most WORK_SIDE a side
    data: bytes  # the file's bytes (the landmark cache key)
    scale: float  # photo pixels per pixel of ``rgb`` (>= 1: large photos decode smaller)


def read(path: str | Path) -> Picture:
    """The portrait as upright RGB; a one-line ``InputError`` for anything unreadable."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    name = printable(Path(path).name, 80)
    try:
        data = read_bytes(path, "portrait", MAX_BYTES)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    try:
        with Image.open(io.BytesIO(data)) as im:  # lazy: only the header so far
            if im.format not in ("JPEG", "PNG", "WEBP", "MPO"):
                raise InputError(f"portrait: {name} is {im.format}; give a JPEG, PNG or WebP")
            if im.width * im.height > MAX_PIXELS:
                raise InputError(
                    f"portrait: {name} is {im.width}x{im.height}; at most {MAX_PIXELS} pixels"
                )
            long_side = max(im.width, im.height)
            im.draft("RGB", (WORK_SIDE, WORK_SIDE))
            upright = ImageOps.exif_transpose(im)
            upright.thumbnail((WORK_SIDE, WORK_SIDE), Image.Resampling.LANCZOS)
            if upright.mode in ("RGBA", "LA", "PA") or (
                upright.mode == "P" and "transparency" in upright.info
            ):
                rgba = upright.convert("RGBA")  # transparent areas over white
                flat = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
                upright = Image.alpha_composite(flat, rgba)
            rgb = np.ascontiguousarray(np.asarray(upright.convert("RGB"), dtype=np.uint8))
    except UnidentifiedImageError:
        raise InputError(f"portrait: {name} is not an image this studio can read") from None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"portrait: {name} could not be read ({exc})") from None
    if rgb.ndim != 3 or min(rgb.shape[:2]) < 16:
        raise InputError(f"portrait: {name} has too few pixels")
    return Picture(rgb, data, long_side / max(rgb.shape[:2]))


def frame_box(shape: tuple[int, int], face: NDArray[np.float64]) -> tuple[int, int, int]:
    """The square (x0, y0, side) in picture pixels to animate: centred on the face
    horizontally, the face a little above the middle, as large as the picture allows
    while the face takes at least FACE_SHARE of it."""
    h, w = shape
    x_lo, y_lo = face.min(axis=0)
    x_hi, y_hi = face.max(axis=0)
    face_h = y_hi - y_lo
    side = int(min(w, h, max(face_h / FACE_SHARE, 1.6 * max(face_h, x_hi - x_lo))))
    cx, cy = 0.5 * (x_lo + x_hi), 0.5 * (y_lo + y_hi)
    x0 = int(np.clip(round(cx - side / 2), 0, w - side))
    y0 = int(np.clip(round(cy - 0.42 * side), 0, h - side))
    return x0, y0, side


def framed(rgb: NDArray[np.uint8], box: tuple[int, int, int], size: int) -> NDArray[np.uint8]:
    """The box cut out and scaled to ``size``×``size`` (Lanczos; untouched when equal)."""
    from PIL import Image

    x0, y0, side = box
    patch = rgb[y0 : y0 + side, x0 : x0 + side]
    if side == size:
        return np.ascontiguousarray(patch)
    img = Image.fromarray(np.ascontiguousarray(patch)).resize(
        (size, size), Image.Resampling.LANCZOS
    )
    return np.asarray(img, dtype=np.uint8)
