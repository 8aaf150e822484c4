"""A third-party generator: a strip of colour swatches for an emotion, with a caption.

It uses only the plugin surface (``studio.sdk``) and the emotion schema, declares its
command options and form roles on its params, and ships no manifest (the studio imports it
to learn its facts), as the smallest honest plugin would.
"""

from __future__ import annotations

import colorsys
from typing import Annotated, ClassVar

import numpy as np
from PIL import Image
from pydantic import Field

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
    atomic_path,
    check_cancel,
)


class PaletteParams(Params):
    swatches: Annotated[int, Role.OPTION] = Field(5, ge=2, le=12, description="how many colours")
    gaps: Annotated[bool, Role.OPTION] = Field(False, description="a dark line between swatches")
    caption: Annotated[str, Role.OPTION, Role.MULTILINE] = Field(
        "", max_length=200, description="words printed into the metadata beside the palette"
    )


class PaletteGenerator(Generator[PaletteParams]):
    id: ClassVar[str] = "palette"
    display_name: ClassVar[str] = "Palette"
    media_type: ClassVar[MediaType] = MediaType.IMAGE
    params_model: ClassVar[type[Params]] = PaletteParams
    extensions: ClassVar[tuple[str, ...]] = (".png",)
    preview: ClassVar[PreviewMode] = PreviewMode.LIVE
    order: ClassVar[int] = 90

    def backends(self) -> list[Backend]:
        return [Backend("swatches", "HSV swatches from valence and arousal", default=True)]

    def render(
        self,
        request: Request,
        params: PaletteParams,
        backend: Backend,
        progress: ProgressCallback,
        cancel: CancelToken,
    ) -> Rendered:
        c = request.condition_at(0.0)
        rng = np.random.default_rng(request.seed)
        # Pleasant states warm and light, aroused ones saturated (Valdez & Mehrabian 1994).
        hue = (0.12 if c.valence >= 0 else 0.62) + rng.uniform(-0.04, 0.04, params.swatches)
        sat = np.clip(0.45 + 0.45 * c.arousal + rng.uniform(-0.05, 0.05, params.swatches), 0, 1)
        val = np.clip(0.6 + 0.3 * c.valence + np.linspace(-0.1, 0.1, params.swatches), 0, 1)
        strip = np.zeros((64, 64 * params.swatches, 3), np.uint8)
        colours = []
        for i in range(params.swatches):
            check_cancel(cancel)
            rgb = colorsys.hsv_to_rgb(float(hue[i] % 1.0), float(sat[i]), float(val[i]))
            strip[:, 64 * i : 64 * (i + 1)] = np.round(np.array(rgb) * 255).astype(np.uint8)
            if params.gaps and i:
                strip[:, 64 * i : 64 * i + 2] = 24
            colours.append("#" + "".join(f"{int(v):02x}" for v in strip[0, 64 * i]))
            progress((i + 1) / params.swatches, "swatch")
        with atomic_path(request.output) as tmp:
            Image.fromarray(strip).save(tmp, format="PNG")
        return Rendered(
            files=[request.output],
            features={"colours": colours, "mean_value": float(val.mean())},
            extra={"palette": {"caption": params.caption}},
        )
