"""Image drafts for live previews: cheaper (no measuring, a smaller tone fit, a quicker PNG)
yet the same picture to the eye; the full render at rest is untouched."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from skimage.color import rgb2lab

from generators.image.generator import ImageGenerator
from studio.emotion import Condition
from studio.plugins.contract import Request


def _make(tmp_path: Path, name: str, style: str, draft: bool) -> tuple[np.ndarray, dict]:
    out = tmp_path / f"{name}.png"
    request = Request(
        "image",
        out,
        condition=Condition.from_vad(-0.6, 0.5),
        params={"size": "256", "style": style, "draft": draft},
        seed=11,
    )
    artifact = ImageGenerator().generate(request)
    return np.asarray(Image.open(out).convert("RGB")), dict(artifact.metadata)


@pytest.mark.parametrize("style", ["flow", "wash"])
def test_a_draft_looks_like_the_full_render_and_skips_the_measuring(
    tmp_path: Path, style: str
) -> None:
    draft, draft_meta = _make(tmp_path, "draft", style, True)
    full, full_meta = _make(tmp_path, "full", style, False)
    assert draft.shape == full.shape == (256, 256, 3)
    assert draft_meta["features"] == {}  # a preview is shown, never judged
    assert full_meta["features"]  # the full render is measured as before
    lab_d, lab_f = rgb2lab(draft), rgb2lab(full)
    assert abs(lab_d[..., 0].mean() - lab_f[..., 0].mean()) < 1.0  # the same brightness
    chroma = [float(np.hypot(x[..., 1], x[..., 2]).mean()) for x in (lab_d, lab_f)]
    assert abs(chroma[0] - chroma[1]) < 1.0  # and colourfulness
    # the same drawing: drawn at 3/4 of the side and scaled up, every form in its place
    # (the same elements from the same random numbers), the fine detail a little softer
    assert float(np.abs(draft.astype(int) - full.astype(int)).mean()) < 4.5
    coarse = [x.reshape(64, 4, 64, 4, 3).mean(axis=(1, 3)) for x in (draft, full)]
    assert float(np.abs(coarse[0] - coarse[1]).mean()) < 2.0
    # the draft's PNG is stored uncompressed (quicker to write and to read)
    assert (tmp_path / "draft.png").stat().st_size >= (tmp_path / "full.png").stat().st_size
    assert sorted(p.name for p in tmp_path.iterdir()) == ["draft.png", "full.png"]
