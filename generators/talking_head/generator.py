"""The ``talking-head`` generator plugin: a 2D character that speaks with emotion → MP4."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import ClassVar, Final

from pydantic import Field, field_validator, model_validator

from generators.talking_head.character import character_ids
from studio.plugins.contract import (
    Backend,
    CancelToken,
    Generator,
    MediaType,
    Params,
    ProgressCallback,
    Rendered,
    Request,
    check_cancel,
)

MAX_TEXT: Final = 5000
FPS_CHOICES: Final = (24, 25, 30)
SPEECH_SHARE: Final = 0.3  # progress share of voice synthesis in --text mode


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
        if path.is_dir():
            raise ValueError(f"audio {value!r} is a folder, not a file")
        if not path.is_file():
            raise ValueError(f"audio file {value!r} does not exist")
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


class TalkingHeadGenerator(Generator[TalkingHeadParams]):
    id: ClassVar[str] = "talking-head"
    display_name: ClassVar[str] = "Talking head"
    media_type: ClassVar[MediaType] = MediaType.VIDEO
    params_model: ClassVar[type[Params]] = TalkingHeadParams
    extensions: ClassVar[tuple[str, ...]] = (".mp4",)
    supports_trajectory: ClassVar[bool] = True
    version: ClassVar[str] = "1"

    def backends(self) -> list[Backend]:
        return [
            Backend(
                "rig",
                "stylised 2D character rig (skia) driven by FACS action units, visemes, "
                "blinks, gaze and head motion; H.264/AAC via PyAV",
                default=True,
            ),
        ]

    def render(
        self,
        request: Request,
        params: TalkingHeadParams,
        backend: Backend,
        progress: ProgressCallback,
        cancel: CancelToken,
    ) -> Rendered:
        from generators.talking_head import clip

        with tempfile.TemporaryDirectory(prefix="talking-head-") as tmp:
            if params.text is not None:
                from generators.talking_head.speech import synthesize

                wav, phonemes = synthesize(
                    params.text, params.voice, request, Path(tmp), progress, cancel, SPEECH_SHARE
                )
                source = clip.load_source(wav, phonemes)
                start = SPEECH_SHARE
            else:
                assert params.audio is not None  # the model validator requires one of the two
                source = clip.load_source(Path(params.audio), None)
                start = 0.0
        check_cancel(cancel)
        return clip.make(request, params, source, progress, cancel, start)
