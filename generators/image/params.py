"""``ImageParams``: the image generator's validated parameters.

Kind options arrive from the command line as strings, so ``size`` parses "1024",
"1024x768" or an integer, and the numeric fields rely on pydantic's lax coercion.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Final

from pydantic import Field, JsonValue, field_validator
from pydantic.json_schema import JsonDict

from generators.image.models import model_choices
from studio.sdk import Params, Role, not_a_file

MIN_SIDE: Final = 64
MAX_SIDE: Final = 2048
BASE_STYLES: Final = ("flow", "wash", "shards", "landscape")
_SIZE = re.compile(r"^\s*(\d{1,5})\s*(?:[x×*]\s*(\d{1,5}))?\s*$", re.IGNORECASE)


def parse_size(value: object) -> tuple[int, int]:
    """(width, height) from 1024, "1024", "1024x768" or a 2-item list."""
    if isinstance(value, bool):
        raise ValueError("size must be a number of pixels or WIDTHxHEIGHT")
    if isinstance(value, int):
        w = h = value
    elif isinstance(value, list | tuple) and len(value) == 2:
        w, h = (_side(v) for v in value)
    elif isinstance(value, str) and (m := _SIZE.match(value)):
        w = int(m.group(1))
        h = int(m.group(2)) if m.group(2) else w
    else:
        raise ValueError("size must be a number of pixels or WIDTHxHEIGHT, e.g. 1024x768")
    for side in (w, h):
        if not MIN_SIDE <= side <= MAX_SIDE:
            raise ValueError(f"each side must be {MIN_SIDE}–{MAX_SIDE} pixels")
    return w, h


def _side(value: object) -> int:
    """One side from a [width, height] pair: a whole number of pixels (int or digits)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise ValueError("size must be a number of pixels or WIDTHxHEIGHT, e.g. 1024x768")


def _model_menu(schema: JsonDict) -> None:
    """The models folder's checkpoints, offered as a menu in the window: filled in each
    time the schema is asked for, never when the plugin is imported (a damaged file there
    must not keep the generator from loading, and ``studio list`` stays a header read)."""
    choices: list[JsonValue] = list(model_choices())
    if choices:
        schema["choices"] = choices


class ImageParams(Params):
    prompt: Annotated[str | None, Role.OPTION, Role.MULTILINE] = Field(
        None, max_length=1000, description="what the picture shows; known words steer motif"
    )
    style: Annotated[str, Role.OPTION] = Field(
        "auto",
        description="auto | flow | wash | shards | landscape, or two joined by '+' to mix "
        "(e.g. landscape+flow)",
    )
    size: Annotated[str, Role.OPTION, Role.FRAME_SIZE] = Field(
        "1024", description="pixels: 1024 (square) or WIDTHxHEIGHT; each side 64–2048"
    )
    input: Annotated[str | None, Role.OPTION, Role.INPUT_FILE] = Field(
        None, description="a photo to grade toward the emotion (PNG, JPEG, WebP, …)"
    )
    strength: Annotated[float, Role.OPTION] = Field(
        1.0, ge=0.0, le=1.0, allow_inf_nan=False, description="grade mode: how far to move"
    )
    model: Annotated[str | None, Role.OPTION, Role.MODEL_REF] = Field(
        None,
        max_length=500,
        description="diffusers: a .safetensors checkpoint (a path, or a name in the models "
        "folder), a local pipeline folder, or a Hugging Face repo id already in the local cache",
        json_schema_extra=_model_menu,
    )
    draft: Annotated[bool, Role.DRAFT] = Field(
        False,
        description="a quick draft, as the window's live previews ask while the pointer "
        "moves: diffusers draws with a few-step (Turbo/LCM) checkpoint from the models "
        "folder when there is one; the procedural renderer draws at 3/4 of the size and "
        "scales up, fits its tone on a smaller thumbnail and skips measuring the picture",
    )
    steps: Annotated[int, Role.OPTION] = Field(
        25, ge=1, le=150, description="diffusers: denoising steps"
    )
    guidance: Annotated[float, Role.OPTION] = Field(
        7.0, ge=0.0, le=30.0, allow_inf_nan=False, description="diffusers: guidance scale"
    )
    negative_prompt: Annotated[str | None, Role.MULTILINE] = Field(
        None, max_length=1000, description="diffusers: what to keep out of the picture"
    )

    @field_validator("size", mode="before")
    @classmethod
    def _size(cls, value: object) -> str:
        w, h = parse_size(value)
        return str(w) if w == h else f"{w}x{h}"

    @field_validator("style")
    @classmethod
    def _style(cls, value: str) -> str:
        name = value.strip().lower()
        if name == "auto":
            return name
        parts = [p.strip() for p in name.split("+")]
        bad = [p for p in parts if p not in BASE_STYLES]
        if bad or not 1 <= len(parts) <= 2 or len(set(parts)) != len(parts):
            raise ValueError(
                f"style must be auto, one of {', '.join(BASE_STYLES)}, or two joined by '+'"
            )
        return "+".join(parts)

    @field_validator("prompt", "negative_prompt")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if "\x00" in value:
            raise ValueError("text must not contain NUL characters")
        return value.strip() or None

    @field_validator("input")
    @classmethod
    def _input(cls, value: str | None) -> str | None:
        if value is None:
            return None
        path = Path(value).expanduser()
        kind = not_a_file(path)  # stat only: a pipe is never opened here
        if kind == "missing":
            raise ValueError("no such file")
        if kind is not None:
            raise ValueError(f"{kind}, not a regular file")
        return str(path.resolve())  # absolute: a job or a re-open may run in another folder

    @field_validator("model")
    @classmethod
    def _model(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @property
    def dimensions(self) -> tuple[int, int]:
        return parse_size(self.size)
