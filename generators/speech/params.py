"""The speech generator's params model: what to say, in which voice, at which rate.

Its own module so the pipeline below the plugin can take a typed ``SpeechParams`` without
importing the plugin class (no import cycle).
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal

from pydantic import Field, field_validator, model_validator

from generators.speech import coqui_models, script, tags
from generators.speech.voice import DEFAULT_VOICE, resolve_voice
from studio.sdk import Params, Role

MAX_TEXT: Final = 5000
SAMPLE_RATES: Final = (22050, 48000)


def check_text(value: str) -> None:
    """Length, tags and content of the text (ValueError naming the problem)."""
    if len(value) > MAX_TEXT:
        raise ValueError(
            f"text is {len(value)} characters; the limit is {MAX_TEXT} — "
            "split it into several files"
        )
    if "\x00" in value:
        raise ValueError("text contains a NUL character")
    try:
        parts = tags.parse(value)  # unknown or malformed tags fail here, before any work
    except ValueError as exc:
        raise ValueError(f"text: {exc}") from None
    if not parts:
        if value.strip():
            raise ValueError("text has nothing to speak: only punctuation, symbols or tags")
        raise ValueError("text is empty: there is nothing to say")


class SpeechParams(Params):
    text: Annotated[str, Role.OPTION, Role.MULTILINE, Role.SCRIPT] = Field(
        description=(
            "what to say, 1–5000 characters counted as typed (tags included); inline tags "
            "such as [joy] or [sadness:0.6] switch the emotion for the text after them"
        )
    )
    voice: Annotated[str, Role.OPTION] = Field(
        DEFAULT_VOICE,
        description="'joe' (the embedded en_US voice) or a path to a local Piper .onnx model",
    )
    sample_rate: Annotated[Literal[22050, 48000], Role.OPTION] = Field(
        22050, description="output sample rate: 22050 or 48000 Hz"
    )
    # The coqui backend's own fields (generators/speech/coqui.py checks them).
    model: str | None = Field(
        None,
        max_length=500,
        description="coqui: a Coqui model folder's name (Coqui's model folder or the studio's "
        "models folder) or a path to one",
        json_schema_extra=coqui_models.model_menu,
    )
    speaker: str | None = Field(
        None, max_length=200, description="coqui: a speaker of a multi-speaker model"
    )
    speaker_wav: Annotated[str | None, Role.INPUT_FILE] = Field(
        None, max_length=1000, description="coqui: a recording of the voice to clone (XTTS)"
    )
    language: str | None = Field(
        None, max_length=20, description="coqui: the language of a multilingual model (e.g. en)"
    )
    vocoder: str | None = Field(
        None,
        max_length=500,
        description="coqui: a vocoder folder for a spectrogram model such as Tacotron2 "
        "(without one, Griffin-Lim)",
    )

    @model_validator(mode="before")
    @classmethod
    def _text(cls, data: Any) -> Any:
        # A model-level check, so the one-line error does not echo a 100k-character input.
        if isinstance(data, dict) and isinstance(data.get("text"), str):
            check_text(data["text"])
        return data

    @field_validator("voice")
    @classmethod
    def _voice(cls, value: str) -> str:
        resolve_voice(value)
        return value

    @model_validator(mode="after")
    def _speakable(self) -> SpeechParams:
        # SSML and letters the voice has no sounds for: refused before any synthesis.
        if self.model is not None:  # a Coqui model: its own languages (checked at load)
            return self
        try:
            script.check(tags.spoken_text(self.text), self.voice, resolve_voice(self.voice))
        except ValueError as exc:
            raise ValueError(f"text: {exc}") from None
        return self

    @field_validator("sample_rate", mode="before")
    @classmethod
    def _rate(cls, value: Any) -> int:
        try:
            rate = int(str(value).strip()) if not isinstance(value, int) else value
        except ValueError:
            rate = -1
        if isinstance(value, bool) or rate not in SAMPLE_RATES:
            # The params error adds ", got <value>" itself.
            raise ValueError("sample_rate must be 22050 or 48000")
        return rate
