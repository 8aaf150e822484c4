"""The ``music`` generator plugin: continuous emotion → MIDI, WAV or FLAC."""

from __future__ import annotations

import io
from typing import Annotated, ClassVar, Literal

from pydantic import Field, field_validator

from generators.music.theory import parse_key
from studio.sdk import (
    Backend,
    CancelToken,
    Generator,
    MediaType,
    Params,
    PreviewMode,
    ProgressCallback,
    Rendered,
    Request,
    Role,
    check_cancel,
)


class MusicParams(Params):
    duration: Annotated[float, Role.OPTION, Role.ARC_LENGTH] = Field(
        30.0,
        ge=5,
        le=600,
        allow_inf_nan=False,
        description=(
            "length in seconds (5–600); along an arc, default the arc's length, and a "
            "given length keeps the arc's clock (its last state holds past its end)"
        ),
    )
    key: Annotated[str | None, Role.OPTION] = Field(
        None, description="tonic such as C, F# or Bb (default: by seed)"
    )
    tempo: Annotated[float | None, Role.OPTION] = Field(
        None,
        ge=40,
        le=220,
        allow_inf_nan=False,
        description="tempo in bpm (default: emotion); along an arc, the opening tempo",
    )
    instrumentation: Annotated[
        Literal["auto", "piano", "strings", "band", "ambient"] | None, Role.OPTION
    ] = Field(None, description="a named ensemble (default: chosen from the emotion)")

    @field_validator("key")
    @classmethod
    def _known_key(cls, value: str | None) -> str | None:
        if value is not None:
            parse_key(value)
        return value


class MusicGenerator(Generator[MusicParams]):
    id: ClassVar[str] = "music"
    display_name: ClassVar[str] = "Music"
    media_type: ClassVar[MediaType] = MediaType.MUSIC
    params_model: ClassVar[type[Params]] = MusicParams
    extensions: ClassVar[tuple[str, ...]] = (".mid", ".wav", ".flac")
    supports_trajectory: ClassVar[bool] = True
    version: ClassVar[str] = "1"
    preview: ClassVar[PreviewMode] = PreviewMode.LIVE  # a draft piece renders in ~0.1 s
    order: ClassVar[int] = 40
    listen_as: ClassVar[str | None] = ".wav"  # Play on a MIDI result renders it as WAV

    def backends(self) -> list[Backend]:
        return [
            Backend(
                "composer",
                "rule-and-probability composer (pretty-midi); audio via the General MIDI "
                "soundfont pretty-midi ships, rendered by midirenderer",
                default=True,
            )
        ]

    def render(
        self,
        request: Request,
        params: MusicParams,
        backend: Backend,
        progress: ProgressCallback,
        cancel: CancelToken,
    ) -> Rendered:
        check_cancel(cancel)
        import numpy as np

        from generators.music import attributes, composer, features, render

        audio = request.output.suffix.lower() in render.FORMATS
        share = 0.3 if audio else 0.8
        rng = np.random.default_rng(request.seed)
        duration = float(params.duration)
        trajectory = request.trajectory
        if trajectory is not None:
            # The arc's times are seconds of the piece: by default the piece is the arc's
            # length; a given duration cuts it short or holds its last state, never
            # stretches it, so a keyframe at 12 s is heard at 12 s.
            if "duration" not in params.model_fields_set and trajectory.end > 0:
                duration = min(600.0, max(5.0, trajectory.end))

            def controls_at(t: float) -> attributes.Controls:
                assert trajectory is not None
                return attributes.controls(trajectory.at(t))

            phrase_bars, follow = 4, True
        else:
            fixed = attributes.controls(request.condition_at(0.0))

            def controls_at(t: float) -> attributes.Controls:
                return fixed

            phrase_bars, follow = 8, False
        phrases = composer.plan(
            duration,
            controls_at,
            rng,
            phrase_bars=phrase_bars,
            tempo_override=params.tempo,
            follow=follow,
        )
        tonic = parse_key(params.key) if params.key else int(rng.integers(12))

        def on_phrase(done: int, total: int) -> None:
            progress(share * done / total, f"composed phrase {done} of {total}")
            check_cancel(cancel)

        pm, summary = composer.compose(
            phrases,
            request.seed,
            tonic=tonic,
            ensemble=params.instrumentation,
            on_phrase=on_phrase,
            duration=duration,
        )
        buf = io.BytesIO()
        pm.write(buf)
        midi_bytes = buf.getvalue()
        measured = features.measure(pm)
        check_cancel(cancel)
        if audio:
            progress(share, "rendering audio")
            data, rate = render.synthesise(midi_bytes)
            check_cancel(cancel)
            data = render.normalise(data)
            progress(0.9, "writing audio")
            render.write_audio(request.output, data, rate)
            measured.update(
                sample_rate=rate,
                channels=int(data.shape[1]),
                audio_seconds=round(data.shape[0] / rate, 4),
                peak_dbfs=render.PEAK_DBFS,
            )
        else:
            from studio.sdk import atomic_write

            progress(share, "writing MIDI")
            with atomic_write(request.output, "wb") as fh:
                fh.write(midi_bytes)
        return Rendered(files=[request.output], features=measured, extra={"music": summary})
