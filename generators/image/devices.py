"""Device and precision for the diffusers backend, and the out-of-memory message.

Half precision halves weight and activation memory and runs on the tensor cores: measured
on an H200 with SD 1.5 at 512², 25 steps, 0.91 s (bf16) and 1.25 s (fp16) at 2.6 GiB peak
against 1.38 s and 5.2 GiB in fp32 (``benchmarks/diffusion_speed.py``). bf16 keeps fp32's
exponent range, so it is preferred where the GPU supports it (Ampere and newer); MPS runs
fp16; CPUs have no fast half-precision matmul in torch, so they keep fp32.
"""

from __future__ import annotations

import os
from typing import Any, Final

from studio.sdk import InputError

ENV_PRECISION: Final = "EMOTION_STUDIO_PRECISION"
PRECISIONS: Final = ("float32", "float16", "bfloat16")
# Above this many pixels the VAE decodes in overlapping tiles: a full 2048² decode holds
# several GiB of activations at once (diffusers' tiled-VAE notes).
TILE_PIXELS: Final = 1024 * 1024


def precision_for(device: str, bf16_supported: bool) -> str:
    """The default precision for a device type ("cuda", "mps", "cpu")."""
    if device == "cuda":
        return "bfloat16" if bf16_supported else "float16"
    if device == "mps":
        return "float16"
    return "float32"


def pick_device() -> str:
    import torch

    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


def choose(precision: str | None = None) -> tuple[str, Any]:
    """(device, torch dtype): an explicit precision, ``$EMOTION_STUDIO_PRECISION``, or the
    device's default."""
    import torch

    device = pick_device()
    name = precision or os.environ.get(ENV_PRECISION) or None
    if name is None:
        bf16 = device == "cuda" and torch.cuda.is_bf16_supported()
        name = precision_for(device, bf16)
    if name not in PRECISIONS:
        raise InputError(f"precision: {name!r} is not one of {', '.join(PRECISIONS)}")
    return device, getattr(torch, name)


def smaller_size(width: int, height: int) -> tuple[int, int]:
    """Half the pixels, same aspect, sides on multiples of 64 (at least 256)."""
    scale = 0.5**0.5
    return tuple(max(256, int(side * scale) // 64 * 64) for side in (width, height))  # type: ignore[return-value]


def is_out_of_memory(exc: BaseException) -> bool:
    import torch

    oom = getattr(torch, "OutOfMemoryError", torch.cuda.OutOfMemoryError)
    return isinstance(exc, oom) or (
        isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower()
    )


def out_of_memory(width: int, height: int, device: str) -> InputError:
    w, h = smaller_size(width, height)
    return InputError(
        f"size: out of {device.upper()} memory at {width}x{height}; try a smaller size such "
        f"as {w}x{h}"
    )


def fit_vae(pipe: Any, width: int, height: int) -> None:
    """Tile the VAE decode for large images; slice it always (one image at a time)."""
    vae = getattr(pipe, "vae", None)
    if vae is None:
        return
    if hasattr(vae, "enable_slicing"):
        vae.enable_slicing()
    if width * height > TILE_PIXELS:
        vae.enable_tiling()
    elif hasattr(vae, "disable_tiling"):
        vae.disable_tiling()
