"""The diffusers backend: emotion in the prompt embeddings and in the prompt's words.

Two channels, both training-free:

1. Embedding offset, after EmotiCrafter (2025), whose training target is
   neutral + α·(emotional − neutral) prompt embedding with α = 1.5. Here the offset is
   computed directly from the text encoder:
   ``E = E(p) + α · intensity · Σᵢ wᵢ · (E(cueᵢ + p) − E(p))`` for the mixture weights wᵢ of
   the Plutchik primaries (pooled embeddings too, for SDXL).
2. Prompt rewriting with colour, light and composition attributes taken from the same
   ``Look`` the procedural renderer uses, not only emotion words — Emotion-Director (2025)
   warns that emotion words alone take an "affective shortcut" to semantics.

Progress is reported per denoising step through ``callback_on_step_end``; cancelling sets
the pipeline's ``_interrupt`` flag there and raises ``Cancelled`` (nothing is written).
torch is imported inside the functions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from generators.image import devices
from generators.image.attributes import Look
from studio.emotion import Condition
from studio.sdk import Cancelled, CancelToken

ALPHA: Final = 1.5  # EmotiCrafter's emotional-target scale (emotion-facts §6)
DEFAULT_NEGATIVE: Final = "blurry, low quality, text, watermark, signature"
# Per-primary cues: the emotion word plus the colour, light and form that carry it
# (same directions as attributes.csv).
CUES: Final = {
    "joy": "joyful, radiant warm golden light, bright cheerful colours, soft rounded forms",
    "trust": "serene and trusting, calm blue-green tones, gentle even light, balanced forms",
    "fear": "fearful and ominous, deep violet shadows, dim night light, sharp looming shapes",
    "surprise": "astonishing, sudden bright yellow flashes, dynamic bursting composition",
    "sadness": "sad and melancholic, muted grey-blue, overcast dim light, empty space",
    "disgust": "repulsive, sickly green-yellow tones, murky light, decaying textures",
    "anger": "furious, intense red and black, harsh contrast, jagged angular shapes",
    "anticipation": "expectant, warm orange dawn light, leading lines toward the horizon",
}
_HUE_NAMES: Final = (
    (20, "crimson"), (50, "red-orange"), (75, "orange"), (100, "golden yellow"),
    (135, "yellow-green"), (170, "green"), (210, "teal"), (245, "cyan-blue"),
    (285, "blue"), (320, "violet"), (350, "magenta"), (361, "crimson"),
)  # fmt: skip


def hue_name(hue: float) -> str:
    return next(name for limit, name in _HUE_NAMES if hue % 360 < limit)


def describe(look: Look) -> str:
    """Colour, light and composition words for a look (the prompt rewrite)."""
    words = [
        "bright high-key lighting" if look.lightness > 60
        else "dark low-key lighting" if look.lightness < 40 else "balanced exposure",
        "vivid saturated colours" if look.chroma > 32
        else "muted desaturated colours" if look.chroma < 14 else "natural colours",
        f"{hue_name(look.hue)} colour palette",
        "strong contrast" if look.contrast > 0.55 else "soft contrast",
        "at night" if look.daylight < -0.4 else "at dusk" if look.daylight < 0.2 else "in daylight",
        "rounded flowing forms" if look.curvature > 0.6
        else "sharp angular forms" if look.curvature < 0.35 else "",
        "busy dense detail, turbulent motion" if look.density > 0.65
        else "sparse minimal composition, stillness" if look.density < 0.3 else "",
        "large imposing central subject" if look.mass_scale > 0.45
        else "small distant subject" if look.mass_scale < 0.25 else "",
        "luminous glow" if look.glow > 0.45 else "",
        "heavy vignette" if look.vignette > 0.5 else "",
    ]  # fmt: skip
    return ", ".join(w for w in words if w)


def fit_prompt(
    count: Callable[[str], int], prompt: str | None, look: Look, reserve: int, limit: int
) -> tuple[str, bool]:
    """The rewritten prompt, with the user's words shortened (from their end) until the
    emotion cue (``reserve`` tokens, put in front) and the look words fit in ``limit``.

    A token budget rather than chunked embeddings (compel, A1111's 75-token chunks): CLIP
    was trained on single 77-token windows, the pooled embedding SDXL conditions on sees
    only the first chunk, and the same rule works for every pipeline without another
    dependency. The user's words go first to be cut because the look words and the cue
    carry the emotion that the rest of the pipeline was asked to express.
    Returns (text, shortened).
    """
    words = (prompt or "an atmospheric scene").split()
    tail = describe(look)
    for keep in range(len(words), -1, -1):
        text = ", ".join(p for p in (" ".join(words[:keep]).rstrip(","), tail) if p)
        if reserve + count(text) <= limit:
            return text, keep < len(words)
    return tail, True


def token_counter(pipe: Any) -> tuple[Callable[[str], int], int]:
    """Token count of a text (no start/end tokens) and the room in one window."""
    tokenizer = pipe.tokenizer

    def count(text: str) -> int:
        return len(tokenizer(text, truncation=False).input_ids) - 2

    return count, int(tokenizer.model_max_length) - 2


def cue_reserve(count: Callable[[str], int], condition: Condition) -> int:
    """Tokens the longest active cue takes in front of the prompt (with its comma)."""
    active = [p for p, w in condition.mixture.items() if w > 1e-3]
    if condition.intensity <= 0 or not active:
        return 0
    return max(count(f"{CUES[p]},") for p in active)


def _encode(pipe: Any, text: str, negative: str, cfg: bool) -> dict[str, Any]:
    out = pipe.encode_prompt(
        prompt=text,
        device=pipe._execution_device,
        num_images_per_prompt=1,
        do_classifier_free_guidance=cfg,
        negative_prompt=negative if cfg else None,
    )
    names: tuple[str, ...] = ("prompt_embeds", "negative_prompt_embeds")
    if len(out) == 4:  # SDXL: two text encoders with pooled embeddings
        names += ("pooled_prompt_embeds", "negative_pooled_prompt_embeds")
    return {n: t for n, t in zip(names, out, strict=True) if t is not None}


def emotion_embeddings(
    pipe: Any, text: str, negative: str, condition: Condition, cfg: bool = True
) -> dict[str, Any]:
    """Prompt-embedding kwargs for the pipeline with the emotion offset added."""
    import torch

    with torch.no_grad():
        base = _encode(pipe, text, negative, cfg)
        gain = ALPHA * condition.intensity
        weights = {p: w for p, w in condition.mixture.items() if w > 1e-3}
        if gain <= 0 or not weights:
            return base
        out = dict(base)
        for key in ("prompt_embeds", "pooled_prompt_embeds"):
            if key in base:
                out[key] = base[key].clone()
        for primary, weight in weights.items():
            # The cue goes first so a long prompt cannot push it past the token limit.
            cued = _encode(pipe, f"{CUES[primary]}, {text}", negative, False)
            for key in ("prompt_embeds", "pooled_prompt_embeds"):
                if key in base:
                    out[key] += gain * weight * (cued[key] - base[key])
        return out


def run(
    pipe: Any,
    prompt: str | None,
    condition: Condition,
    look: Look,
    *,
    width: int,
    height: int,
    steps: int,
    guidance: float,
    seed: int,
    progress: Callable[[float, str], None],
    cancel: CancelToken,
    negative_prompt: str | None = None,
) -> tuple[NDArray[np.uint8], dict[str, Any]]:
    """Generate one image with any loaded text-to-image pipeline (SD 1.5, SDXL, Turbo)."""
    import torch

    count, limit = token_counter(pipe)
    text, shortened = fit_prompt(count, prompt, look, cue_reserve(count, condition), limit)
    negative = negative_prompt or DEFAULT_NEGATIVE
    cfg = guidance > 1.0
    device = pipe._execution_device
    # Pipelines need sides divisible by 8; render at the nearest such size and resize.
    w8, h8 = max(8, round(width / 8) * 8), max(8, round(height / 8) * 8)
    devices.fit_vae(pipe, w8, h8)
    try:
        rgb = _denoise(pipe, text, negative, condition, cfg, w8, h8, steps, guidance, seed,
                       progress, cancel)  # fmt: skip
    except Exception as exc:
        if devices.is_out_of_memory(exc):
            if device.type == "cuda":
                torch.cuda.empty_cache()
            raise devices.out_of_memory(width, height, device.type) from None
        raise
    if (w8, h8) != (width, height):
        from PIL import Image

        rgb = np.asarray(Image.fromarray(rgb).resize((width, height), Image.Resampling.LANCZOS))
    info = {
        "mode": "diffusion",
        "prompt": text,
        "prompt_shortened": shortened,
        "negative_prompt": negative,
        "pipeline": type(pipe).__name__,
        "precision": str(pipe.dtype).removeprefix("torch."),
        "embedding_offset": {"alpha": ALPHA, "intensity": condition.intensity},
        "steps": steps,
        "guidance": guidance,
    }
    return rgb, info


def _denoise(
    pipe: Any,
    text: str,
    negative: str,
    condition: Condition,
    cfg: bool,
    w8: int,
    h8: int,
    steps: int,
    guidance: float,
    seed: int,
    progress: Callable[[float, str], None],
    cancel: CancelToken,
) -> NDArray[np.uint8]:
    import torch

    kwargs = emotion_embeddings(pipe, text, negative, condition, cfg)
    device = pipe._execution_device
    generator = torch.Generator(device="cpu" if device.type == "mps" else device)
    generator.manual_seed(seed)

    def on_step(p: Any, index: int, timestep: Any, tensors: dict[str, Any]) -> dict[str, Any]:
        if cancel.is_set():
            p._interrupt = True
        else:
            # Second-order schedulers (Heun, KDPM2) run more model steps than asked for;
            # the pipeline knows the real count.
            total = max(int(getattr(p, "num_timesteps", 0) or 0), index + 1, 1)
            progress((index + 1) / total, f"denoising step {index + 1} of {total}")
        return tensors

    with torch.no_grad():
        result = pipe(
            **kwargs,
            width=w8,
            height=h8,
            num_inference_steps=steps,
            guidance_scale=guidance,
            generator=generator,
            output_type="np",
            callback_on_step_end=on_step,
        )
    if cancel.is_set():
        raise Cancelled("cancelled")
    image = np.asarray(result.images[0], dtype=np.float32)
    return np.round(np.clip(np.nan_to_num(image), 0.0, 1.0) * 255).astype(np.uint8)
