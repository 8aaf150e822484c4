"""The ``talking-head`` generator plugin: a 2D character that speaks with emotion → MP4."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import ClassVar, Final

from generators.talking_head.params import TalkingHeadParams
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

SPEECH_SHARE: Final = 0.3  # progress share of voice synthesis in --text mode


class TalkingHeadGenerator(Generator[TalkingHeadParams]):
    id: ClassVar[str] = "talking-head"
    display_name: ClassVar[str] = "Talking head"
    media_type: ClassVar[MediaType] = MediaType.VIDEO
    params_model: ClassVar[type[Params]] = TalkingHeadParams
    # .mov: the character alone on a transparent ground (QuickTime Animation with alpha).
    extensions: ClassVar[tuple[str, ...]] = (".mp4", ".mov")
    supports_trajectory: ClassVar[bool] = True
    version: ClassVar[str] = "1"
    order: ClassVar[int] = 20

    def backends(self) -> list[Backend]:
        return [
            Backend(
                "rig",
                "stylised 2D character rig (skia), or the artist's portrait warped by the "
                "same controls (--portrait), driven by FACS action units, visemes, "
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

        portrait = None
        if params.portrait is not None:  # a bad photo fails before any voice is made
            from generators.talking_head.portrait.load import load

            portrait = load(params.portrait, int(params.size))
            progress(0.0, portrait.note or f"portrait: face found in {portrait.name}")
        with tempfile.TemporaryDirectory(prefix="talking-head-") as tmp:
            if params.text is not None:
                from generators.talking_head.speech import synthesize

                wav, phonemes, tagged, anchors = synthesize(
                    params.text, params.voice, request, Path(tmp), progress, cancel, SPEECH_SHARE
                )
                source = clip.load_source(wav, phonemes, tagged, anchors)
                start = SPEECH_SHARE
            else:
                assert params.audio is not None  # the model validator requires one of the two
                from generators.talking_head.speech import embedded_timings

                timings, marks = embedded_timings(Path(params.audio))
                source = clip.load_source(Path(params.audio), timings, marks)
                start = 0.0
        check_cancel(cancel)
        return clip.make(request, params, source, progress, cancel, start, portrait)
