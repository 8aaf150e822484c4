"""Composition follows the emotion while one seed stays the same scene."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from generators.image import ImageGenerator, render
from generators.image.attributes import look
from generators.image.features import high_frequency_energy
from generators.image.vocabulary import parse
from studio.emotion import Condition
from studio.plugins.contract import Request

STYLES = ("flow", "wash", "shards", "landscape")


def _image(tmp: Path, cond: Condition, seed: int = 4, **params: Any) -> np.ndarray:
    params.setdefault("size", 160)
    out = tmp / f"{abs(hash((cond.vad, seed, tuple(params.items()))))}.png"
    ImageGenerator().generate(Request("image", out, condition=cond, params=params, seed=seed))
    return np.asarray(Image.open(out).convert("RGB"), dtype=np.float64)


def _grey(rgb: np.ndarray) -> np.ndarray:
    return rgb.mean(axis=2)


def _scene(cond: Condition, seed: int = 4) -> Any:
    rng = np.random.default_rng(seed)
    return render._layout(look(cond), parse("a lighthouse"), 256, 256, rng, seed)


@pytest.mark.parametrize("style", STYLES)
def test_arousal_adds_high_frequency_detail(tmp_path: Path, style: str) -> None:
    energy = [
        high_frequency_energy(_grey(_image(tmp_path, Condition.from_vad(0.0, a), style=style)))
        for a in (-0.9, 0.0, 0.9)
    ]
    assert energy[0] < energy[1] < energy[2]


def test_small_pad_moves_change_the_picture_a_little(tmp_path: Path) -> None:
    """Live preview: a nudge of the pad is a small change, a different seed a large one."""
    for v, a in ((-0.6, 0.6), (0.3, -0.2), (0.7, 0.7)):
        base = _image(tmp_path, Condition.from_vad(v, a))
        nudged = _image(tmp_path, Condition.from_vad(v + 0.03, a + 0.03))
        other_seed = _image(tmp_path, Condition.from_vad(v, a), seed=9)
        small = np.abs(base - nudged).mean()
        assert small < 7.0 and small < 0.4 * np.abs(base - other_seed).mean()


def test_one_seed_stays_the_same_scene_across_the_pad(tmp_path: Path) -> None:
    """Across opposite corners the same seed keeps its layout: the lightness pattern
    (normalised, so colour and tone do not count) correlates more with itself than with
    another seed's."""

    def pattern(rgb: np.ndarray) -> np.ndarray:
        g = _grey(rgb)[::4, ::4]
        return ((g - g.mean()) / (g.std() + 1e-9)).ravel()

    calm = pattern(_image(tmp_path, Condition.from_vad(0.7, -0.7), style="landscape"))
    tense = pattern(_image(tmp_path, Condition.from_vad(-0.4, 0.7), style="landscape"))
    other = pattern(_image(tmp_path, Condition.from_vad(-0.4, 0.7), seed=11, style="landscape"))
    same = float(np.corrcoef(calm, tense)[0, 1])
    assert same > 0.3 and same > float(np.corrcoef(other, tense)[0, 1])


def test_arousal_tilts_the_frame_and_valence_centres_the_subject() -> None:
    assert look(Condition.from_vad(0.0, 0.9)).tilt > 5.0
    assert look(Condition.from_vad(0.0, -0.9)).tilt == 0.0
    offsets = [abs(_scene(Condition.from_vad(v, 0.0)).mass_x - 128) for v in (-0.9, 0.9)]
    assert offsets[1] < 0.6 * offsets[0]  # pleasant: nearer the centre, more symmetric
    assert (
        look(Condition.from_vad(-0.9, 0.0)).enclosure > look(Condition.from_vad(0.9, 0.0)).enclosure
    )  # unpleasant: closed in; pleasant: open


def test_dominance_raises_and_grows_the_subject() -> None:
    low, high = (_scene(Condition.from_vad(0.0, 0.0, d)) for d in (-0.9, 0.9))
    assert high.mass_size > 1.5 * low.mass_size
    # Height of the subject's top above the bottom edge, in pixels.
    assert high.height - (high.mass_y - high.mass_size) > low.height - (low.mass_y - low.mass_size)


def test_anger_fear_and_disgust_differ_in_form(tmp_path: Path) -> None:
    looks = {n: look(Condition.from_mixture({n: 1.0}, 1.0)) for n in ("anger", "fear", "disgust")}
    assert max(looks, key=lambda n: looks[n].fracture) == "anger"
    assert max(looks, key=lambda n: looks[n].enclosure) == "fear"
    assert max(looks, key=lambda n: looks[n].warp) == "disgust"
    assert looks["fear"].mass_scale < looks["anger"].mass_scale  # small subject when afraid
    # Each form is visible: the same look with the effect switched off draws differently.
    from dataclasses import replace

    motif = parse("a lighthouse")
    for name, field in (("anger", "fracture"), ("fear", "enclosure"), ("disgust", "warp")):
        on = render.compose(looks[name], motif, "landscape", 128, 128, 2, lambda f, m: None)[0]
        off_look = replace(looks[name], **{field: 0.0})
        off = render.compose(off_look, motif, "landscape", 128, 128, 2, lambda f, m: None)[0]
        assert np.abs(on.astype(float) - off).mean() > 4.0, name
