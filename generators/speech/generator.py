"""The ``speech`` generator plugin: text → Piper → prosody stage (PSOLA, spectral gains) → WAV/FLAC.

Emotion comes from the request (a condition, or a trajectory whose time axis is the
output time; after its last keyframe the last state holds) and from inline tags, which
override it for the text after them. Phoneme timings (output seconds, after every time
scaling and pause) go into the metadata for lip sync.
"""

from __future__ import annotations

import dataclasses
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

    def check_request(self, request: Request) -> tuple[SpeechParams, Backend]:
        """As the base class, but a ``model`` param picks the coqui backend when no backend
        is named (a Coqui model folder means nothing to Piper)."""
        if request.backend is None and request.params.get("model"):
            request = dataclasses.replace(request, backend=coqui.NAME)
        params, backend = super().check_request(request)
        assert isinstance(params, SpeechParams)
        return params, backend

    def check_params(self, params: SpeechParams, request: Request) -> None:
        fields = ("model", "speaker", "speaker_wav", "language", "vocoder")
        if request.backend == coqui.NAME:
            if params.voice != self.params_model.model_fields["voice"].default:
                raise ValueError("voice: the coqui backend speaks with --param model=NAME")
            coqui.check(
                params.model, params.speaker, params.speaker_wav, params.language, params.vocoder
            )
            return
        given = [f for f in fields if getattr(params, f) is not None]
        if given:
            raise ValueError(f"{given[0]}: only the coqui backend takes it (--backend coqui)")

    def render(
        self,
        request: Request,
        params: SpeechParams,
        backend: Backend,
        progress: ProgressCallback,
        cancel: CancelToken,
    ) -> Rendered:
        check_cancel(cancel)
        if backend.name == coqui.NAME:
            from generators.speech import coqui_speak

            return coqui_speak.speak(request, params, progress, cancel)
        from generators.speech.pipeline import speak

        progress(0.02, "loading the voice")
        take = speak(request, params, progress, cancel)
        return take
