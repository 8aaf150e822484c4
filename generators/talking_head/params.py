"""The talking-head generator's params model: what is said (text or a recording), the
character, frame size and rate, and how strongly the face and head move.

Its own module so the clip pipeline can take a typed ``TalkingHeadParams`` without
importing the plugin class (no import cycle).
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from pydantic import Field, field_validator, model_validator

from generators.talking_head.character import character_ids
from studio.emotion.quoting import quote
from studio.library.inputs import not_a_file
from studio.plugins.contract import Params

MAX_TEXT: Final = 5000
FPS_CHOICES: Final = (24, 25, 30)


class TalkingHeadParams(Params):
    text: str | None = Field(
        None, max_length=MAX_TEXT, description="what the character says (spoken by `speech`)"
    )
    audio: str | None = Field(
        None, description="a recording to lip-sync instead (WAV, FLAC, OGG, MP3, ...)"
    )
    size: int = Field(512, ge=256, le=1080, description="frame width = height in pixels")
    fps: int = Field(
        25,
        description="frames per second: 24, 25 or 30",
        json_schema_extra={"choices": list(FPS_CHOICES)},
    )
    character: str = Field(
        "ava",
        description="character id (assets/talking_head)",
        json_schema_extra={"choices": list(character_ids())},  # a menu in the window
    )
    voice: str | None = Field(None, description="voice for --text (passed to `speech`)")
    expression: float = Field(
        1.0, ge=0.0, le=2.0, allow_inf_nan=False, description="expression strength (0–2)"
    )
    head_motion: float = Field(
        1.0, ge=0.0, le=2.0, allow_inf_nan=False, description="head movement scale (0–2)"
    )

    @field_validator("text")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("text is empty")
        return value

    @field_validator("audio")
    @classmethod
    def _audio(cls, value: str | None) -> str | None:
        if value is None:
            return None
        path = Path(value).expanduser()
        kind = not_a_file(path)  # stat only: a pipe is never opened here
        if kind == "missing":
            raise ValueError(f"audio file {quote(value)} does not exist")
        if kind is not None:
            raise ValueError(f"audio {quote(value)} is {kind}, not a file")
        return str(path.resolve())  # absolute: a job may run in another working folder

    @field_validator("size")
    @classmethod
    def _size(cls, value: int) -> int:
        if value % 2:
            raise ValueError("size must be even (H.264 4:2:0 needs even dimensions)")
        return value

    @field_validator("fps")
    @classmethod
    def _fps(cls, value: int) -> int:
        if value not in FPS_CHOICES:
            raise ValueError(f"fps must be one of {', '.join(map(str, FPS_CHOICES))}")
        return value

    @field_validator("character")
    @classmethod
    def _character(cls, value: str) -> str:
        from generators.talking_head.character import load_character

        load_character(value)  # raises naming the known ids
        return value

    @model_validator(mode="after")
    def _one_source(self) -> TalkingHeadParams:
        if self.text is None and self.audio is None:
            raise ValueError("give --text or --audio")
        if self.text is not None and self.audio is not None:
            raise ValueError("give --text or --audio, not both")
        return self
