"""The clip generator's params: the script or a recording, the frame, the parts to include
and the mix's loudness target."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Final, Literal

from pydantic import Field, field_validator, model_validator

from studio.sdk import Params, Role, input_file

MAX_TEXT: Final = 5000
PRESETS: Final = {
    "1280x720": (1280, 720),
    "1920x1080": (1920, 1080),
    "1080x1080": (1080, 1080),
    "1080x1920": (1080, 1920),
}
FPS_CHOICES: Final = (25, 30)
# The portrait's picker offers what the talking head decodes (its check says the rest).
PORTRAIT_TYPES: Final = (".jpg", ".jpeg", ".png", ".webp")


def _character_menu(schema: dict[str, Any]) -> None:
    """The window's Character menu: the choices the installed face plugin offers, asked
    when the form is built (never at import)."""
    from studio.sdk import PluginLoadError, PluginNotFound, Registry

    try:
        face = Registry().get("talking-head").params_model.model_json_schema()
    except (PluginNotFound, PluginLoadError):
        return
    choices = face.get("properties", {}).get("character", {}).get("choices")
    if isinstance(choices, list) and choices:
        schema["choices"] = list(choices)


class ClipParams(Params):
    text: Annotated[str | None, Role.OPTION, Role.MULTILINE] = Field(
        None,
        max_length=MAX_TEXT,
        description="the script the character speaks; inline tags such as [joy] set the "
        "emotion of the text after them",
    )
    audio: Annotated[str | None, Role.OPTION, Role.INPUT_FILE] = Field(
        None, description="the artist's own recording to lip-sync instead of a script"
    )
    preset: Annotated[str, Role.OPTION] = Field(
        "1280x720",
        description="frame: 1280x720, 1920x1080, 1080x1080 or 1080x1920 (vertical)",
        json_schema_extra={"choices": list(PRESETS)},
    )
    fps: Annotated[int, Role.OPTION] = Field(
        25, description="frames per second: 25 or 30", json_schema_extra={"choices": [25, 30]}
    )
    portrait: Annotated[str | None, Role.OPTION, Role.INPUT_FILE, Role.CHOICE_FILE] = Field(
        None,
        description="a photo or painted portrait to animate instead of the drawn character "
        "(JPEG, PNG or WebP with one face; passed to `talking-head`)",
        json_schema_extra={"choice_of": "character", "extensions": list(PORTRAIT_TYPES)},
    )
    character: Annotated[str, Role.OPTION] = Field(
        "ava",
        description="the character (one the talking-head plugin offers)",
        json_schema_extra=_character_menu,
    )
    voice: Annotated[str | None, Role.OPTION] = Field(
        None, description="voice for the script (passed to `speech`)"
    )
    music: Annotated[bool, Role.OPTION] = Field(
        True, description="a music bed along the arc, ducked under the voice"
    )
    backdrop: Annotated[bool, Role.OPTION] = Field(
        True, description="a backdrop per arc section, cross-fading"
    )
    backdrop_prompt: Annotated[str | None, Role.OPTION] = Field(
        None, max_length=1000, description="what the backdrop shows (passed to `image`)"
    )
    loudness: Annotated[float, Role.OPTION] = Field(
        -16.0,
        ge=-36.0,
        le=-9.0,
        allow_inf_nan=False,
        description="integrated loudness of the mix in LUFS: -16 online video, -23 broadcast",
    )
    duck: float = Field(
        12.0,
        ge=8.0,
        le=30.0,
        allow_inf_nan=False,
        description="how far the music bed dips under the voice, in dB (8–30)",
    )
    arc: Annotated[Literal["auto", "given"] | None, Role.ARC_MODE] = Field(
        None,
        description="auto: an emotion per sentence proposed from the script; given: the "
        "emotion options only (default: auto when the script has no tags and no emotion "
        "is given)",
    )
    stems: Annotated[str | None, Role.OPTION] = Field(
        None, description="a folder for the parts: voice, music (MIDI+WAV), backdrops, face"
    )

    @field_validator("text")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("text is empty: there is nothing to say")
        return value

    @field_validator("audio")
    @classmethod
    def _audio(cls, value: str | None) -> str | None:
        return input_file(value, "audio")

    @field_validator("portrait")
    @classmethod
    def _portrait(cls, value: str | None) -> str | None:
        return input_file(value, "portrait")

    @field_validator("preset", mode="before")
    @classmethod
    def _preset(cls, value: object) -> str:
        text = str(value).strip().lower().replace("×", "x") if isinstance(value, str) else ""
        if text not in PRESETS:
            raise ValueError(f"preset must be one of {', '.join(PRESETS)}")
        return text

    @field_validator("fps")
    @classmethod
    def _fps(cls, value: int) -> int:
        if value not in FPS_CHOICES:
            raise ValueError("fps must be 25 or 30")
        return value

    @field_validator("stems")
    @classmethod
    def _stems(cls, value: str | None) -> str | None:
        if value is None:
            return None
        path = Path(value).expanduser()
        if path.exists() and not path.is_dir():
            raise ValueError(f"stems {value!r} is a file, not a folder")
        if not path.exists() and not path.parent.is_dir():
            raise ValueError(f"stems: folder {str(path.parent)!r} does not exist")
        return str(path.resolve())

    @model_validator(mode="after")
    def _one_source(self) -> ClipParams:
        if self.text is None and self.audio is None:
            raise ValueError("give --text (a script) or --audio (a recording)")
        if self.text is not None and self.audio is not None:
            raise ValueError("give --text or --audio, not both")
        if self.audio is not None and self.arc == "auto":
            raise ValueError("arc: auto needs a script (--text), not a recording")
        return self

    @property
    def frame(self) -> tuple[int, int]:
        return PRESETS[self.preset]
