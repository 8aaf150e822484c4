"""The ``image`` generator plugin: emotion → a mood piece, a colour grade, or a
diffusion image."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from generators.image import models
from generators.image.params import ImageParams
from studio.sdk import (
    Backend,
    CancelToken,
    Generator,
    InputError,
    MediaType,
    Params,
    PreviewMode,
    ProgressCallback,
    Rendered,
    Request,
    check_cancel,
)

PROCEDURAL = "procedural"
DIFFUSERS = "diffusers"


class ImageGenerator(Generator[ImageParams]):
    id: ClassVar[str] = "image"
    display_name: ClassVar[str] = "Image"
    media_type: ClassVar[MediaType] = MediaType.IMAGE
    params_model: ClassVar[type[Params]] = ImageParams
    extensions: ClassVar[tuple[str, ...]] = (".png", ".jpg", ".jpeg", ".webp")
    version: ClassVar[str] = "1"
    preview: ClassVar[PreviewMode] = PreviewMode.LIVE  # cheap procedural drafts
    order: ClassVar[int] = 10

    def backends(self) -> list[Backend]:
        return [_procedural_backend(), self._diffusers_backend(None)]

    def _pick_backend(self, name: str | None) -> Backend:
        # The procedural renderer is always there and is the default: naming it, or no
        # backend, needs no probe of the diffusers one (a scan of the model folders and the
        # Hugging Face cache, ~2 ms of every live draft).
        if name in (None, PROCEDURAL):
            return _procedural_backend()
        return super()._pick_backend(name)

    def _diffusers_backend(self, model: str | None) -> Backend:
        reason = models.unavailable_reason(model)
        return Backend(
            DIFFUSERS,
            "Stable Diffusion 1.x / 2.x / XL / Turbo / LCM: single-file .safetensors "
            "checkpoints, pipeline folders or the local Hugging Face cache, with the emotion "
            f"injected into the prompt embeddings; {models.describe_folder()}",
            available=not reason,
            reason=reason,
            needs_gpu=True,  # it runs on a CPU too, but batches give it a GPU where one is
            devices=("cuda", "mps", "cpu"),
        )

    def check_request(self, request: Request) -> tuple[ImageParams, Backend]:
        """As the base class, but a ``model`` param makes the diffusers backend available
        for this request (and picks it when no backend is named)."""
        model = request.params.get("model")
        if not model or request.backend not in (None, DIFFUSERS):
            return super().check_request(request)
        params, _ = super().check_request(dataclasses.replace(request, backend=PROCEDURAL))
        assert isinstance(params, ImageParams)
        if params.input is not None:  # the photo would be ignored by a diffusion run
            raise ValueError("input: grade mode runs on the procedural backend; drop model")
        backend = self._diffusers_backend(params.model)
        if not backend.available:
            raise ValueError(f"backend: {DIFFUSERS!r} is not available: {backend.reason}")
        return params, backend

    def check_params(self, params: ImageParams, request: Request) -> None:
        assert isinstance(params, ImageParams)
        if params.input is not None and request.backend == DIFFUSERS:
            raise ValueError("input: grade mode runs on the procedural backend")

    def render(
        self,
        request: Request,
        params: ImageParams,
        backend: Backend,
        progress: ProgressCallback,
        cancel: CancelToken,
    ) -> Rendered:
        from generators.image import attributes, features, output, vocabulary

        check_cancel(cancel)
        condition = request.condition_at(0.0)
        look = attributes.look(condition)

        def stage(fraction: float, message: str) -> None:
            check_cancel(cancel)
            progress(fraction, message)
            check_cancel(cancel)

        width, height = params.dimensions
        extra: dict[str, Any]
        if backend.name == DIFFUSERS:
            from generators.image import checkpoints, diffusion

            model = params.model
            quick = models.preview_model() if params.draft else None
            if quick is not None:  # a draft: the few-step model, at its own settings
                model = str(quick)
            pipe = models.load_pipeline(model)
            steps, guidance = params.steps, params.guidance
            kind = models.few_step(models.resolve(model))
            if kind:  # a few-step model: its own step count and guidance unless set
                default_steps, default_guidance = checkpoints.few_step_defaults(kind)
                if quick is not None or "steps" not in params.model_fields_set:
                    steps = default_steps
                if quick is not None or "guidance" not in params.model_fields_set:
                    guidance = default_guidance
            stage(0.05, "encoding the prompt")
            rgb, extra = diffusion.run(
                pipe,
                params.prompt,
                condition,
                look,
                width=width,
                height=height,
                steps=steps,
                guidance=guidance,
                negative_prompt=params.negative_prompt,
                seed=request.seed,
                progress=lambda f, m: stage(0.05 + 0.85 * f, m),
                cancel=cancel,
            )
            extra["model"] = model
        elif params.input is not None:
            from generators.image import grade

            fit = (width, height) if "size" in params.model_fields_set else None
            photo = output.read(params.input, fit)  # decoded at reduced scale when it can
            if fit is not None:
                photo = _fit(photo, width, height)
            stage(0.1, "reading the photo")
            rgb, extra = grade.grade(photo, look, params.strength, request.seed, stage)
            extra["input"] = params.input
        else:
            from generators.image import render

            motif = vocabulary.parse(params.prompt)
            rgb, extra = render.compose(
                look, motif, params.style, width, height, request.seed, stage, draft=params.draft
            )
        # A draft (a live preview while the pointer moves) is shown, never kept or judged:
        # measuring it would cost a fifth of its render, so only a full render is measured.
        drafting = params.draft and backend.name != DIFFUSERS
        stage(0.92, "measuring")
        measured = {} if drafting else features.measure(rgb)
        stage(0.95, "writing")
        try:
            output.write(request.output, rgb, fast=drafting)
        except ValueError as exc:  # Pillow refuses odd encoder settings for the file
            raise InputError(f"output: {exc}") from None
        extra["look"] = look.to_dict()
        return Rendered(files=[request.output], features=measured, extra={"image": extra})


def _procedural_backend() -> Backend:
    return Backend(
        PROCEDURAL,
        "embedded procedural renderer (skia): colour, light, form and texture from "
        "the emotion; grade mode recolours a photo given as input",
        default=True,
    )


def _fit(photo: Any, width: int, height: int) -> Any:
    """Scale a photo to fit inside width × height, keeping its aspect ratio."""
    import numpy as np
    from PIL import Image

    h, w = photo.shape[:2]
    scale = min(width / w, height / h)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return np.asarray(Image.fromarray(photo).resize(size, Image.Resampling.LANCZOS))
