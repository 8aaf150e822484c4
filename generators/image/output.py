"""Reading the user's photo and writing the result atomically (PNG, JPEG, WebP)."""

from __future__ import annotations

from pathlib import Path
from typing import Final

import numpy as np
from numpy.typing import NDArray

from studio.library.atomic import atomic_write
from studio.plugins.contract import InputError

MAX_INPUT_PIXELS: Final = 8192 * 8192
FORMATS: Final = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}


def write(path: Path, rgb: NDArray[np.uint8]) -> None:
    """Encode and write atomically; the format follows the extension."""
    from PIL import Image

    fmt = FORMATS[path.suffix.lower()]
    options: dict[str, object] = {}
    if fmt == "PNG":
        options["compress_level"] = 3  # a fast level: smooth art compresses well anyway
    elif fmt == "JPEG":
        options.update(quality=93, subsampling=0)
    else:
        options.update(quality=92, method=4)
    image = Image.fromarray(np.ascontiguousarray(rgb), "RGB")
    with atomic_write(path, "wb") as fh:
        image.save(fh, fmt, **options)


def read(path: str) -> NDArray[np.uint8]:
    """The user's photo as (H, W, 3) uint8 sRGB; one-line ``InputError`` when it cannot be
    read (missing, not an image, truncated, too large)."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    name = Path(path).name
    try:
        with Image.open(path) as im:
            if im.width * im.height > MAX_INPUT_PIXELS:
                raise InputError(
                    f"input: {name} is {im.width}x{im.height}; at most {MAX_INPUT_PIXELS} pixels"
                )
            upright = ImageOps.exif_transpose(im)
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
