"""The ``speech`` generator plugin: text → Piper → prosody stage (PSOLA, spectral gains) → WAV/FLAC.

Emotion comes from the request (a condition, or a trajectory whose time axis is the
output time; after its last keyframe the last state holds) and from inline tags, which
override it for the text after them. Phoneme timings (output seconds, after every time
scaling and pause) go into the metadata for lip sync.
"""

from __future__ import annotations

from typing import ClassVar

from generators.speech import coqui
from generators.speech.params import SpeechParams
from studio.sdk import (
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


class SpeechGenerator(Generator[SpeechParams]):
    id: ClassVar[str] = "speech"
    display_name: ClassVar[str] = "Speech"
    media_type: ClassVar[MediaType] = MediaType.AUDIO
    params_model: ClassVar[type[Params]] = SpeechParams
    extensions: ClassVar[tuple[str, ...]] = (".wav", ".flac")
    supports_trajectory: ClassVar[bool] = True
    version: ClassVar[str] = "1"
    order: ClassVar[int] = 30

    def backends(self) -> list[Backend]:
        return [
            Backend(
                "piper",
                "Piper neural voice (embedded en_US 'joe', CC0); emotion through Piper's own "
                "rate and noise controls plus PSOLA pitch and spectral shaping",
                default=True,
            ),
            coqui.backend(),
        ]

    def render(
        self,
        request: Request,
        params: SpeechParams,
        backend: Backend,
        progress: ProgressCallback,
        cancel: CancelToken,
    ) -> Rendered:
        check_cancel(cancel)
        from generators.speech.pipeline import speak

        progress(0.02, "loading the voice")
        take = speak(request, params, progress, cancel)
        return take
