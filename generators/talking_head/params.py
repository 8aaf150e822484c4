"""The talking-head generator's params model: what is said (text or a recording), the
character, frame size and rate, and how strongly the face and head move.

Its own module so the clip pipeline can take a typed ``TalkingHeadParams`` without
importing the plugin class (no import cycle).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Final

from pydantic import Field, field_validator, model_validator

from generators.talking_head.character import character_ids
from studio.sdk import Params, Role, input_file

MAX_TEXT: Final = 5000
FPS_CHOICES: Final = (24, 25, 30)
PORTRAIT_TYPES: Final = (".jpg", ".jpeg", ".png", ".webp")  # what photo.read decodes


class TalkingHeadParams(Params):
    text: Annotated[str | None, Role.OPTION, Role.MULTILINE, Role.SCRIPT] = Field(
        None, max_length=MAX_TEXT, description="what the character says (spoken by `speech`)"
    )
    audio: Annotated[str | None, Role.OPTION, Role.INPUT_FILE] = Field(
        None, description="a recording to lip-sync instead (WAV, FLAC, OGG, MP3, ...)"
    )
    size: Annotated[int, Role.OPTION, Role.FRAME_SIZE] = Field(
        512, ge=256, le=1080, description="frame width = height in pixels"
    )
    fps: Annotated[int, Role.OPTION] = Field(
        25,
        description="frames per second: 24, 25 or 30",
        json_schema_extra={"choices": list(FPS_CHOICES)},
    )
    # The window offers portraits in the Character menu ("Use a portrait…"): a portrait
    # stands in for a drawn character.
    portrait: Annotated[str | None, Role.OPTION, Role.INPUT_FILE, Role.CHOICE_FILE] = Field(
        None,
        description="a photo or painted portrait to animate instead of the drawn character "
        "(JPEG, PNG or WebP with one face, at least 64 px from forehead to chin)",
        json_schema_extra={"choice_of": "character", "extensions": list(PORTRAIT_TYPES)},
    )
    character: Annotated[str, Role.OPTION] = Field(
        "ava",
        description="character id (assets/talking_head)",
        json_schema_extra={"choices": list(character_ids())},  # a menu in the window
    )
    voice: Annotated[str | None, Role.OPTION] = Field(
        None, description="voice for --text (passed to `speech`)"
    )
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
        return input_file(value, "audio")

    @field_validator("portrait")
    @classmethod
    def _portrait(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from generators.talking_head.portrait.landmarks import require_model

        path = Path(value).expanduser()
        if path.is_dir():
            raise ValueError(f"portrait {value!r} is a folder, not a file")
        if not path.is_file():
            raise ValueError(f"portrait file {value!r} does not exist")
        require_model()  # says how to install the face-landmark model when it is missing
        return str(path.resolve())

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
