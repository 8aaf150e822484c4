"""Tests of the image generator: the conformance suite plus colour, form, grade mode."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from generators.image import ImageGenerator, ImageParams
from generators.image.features import (
    colourfulness,
    edge_angularity,
    edge_straightness,
    high_frequency_energy,
)
from generators.image.vocabulary import parse
from studio.emotion import Condition
from studio.plugins.contract import InputError, Request
from studio.plugins.testing import GeneratorConformance

INVALID = [
    {"size": "10"},
    {"size": "4096x512"},
    {"size": "big"},
    {"size": [None, 256]},
    {"size": [float("inf"), 256]},
    {"size": [256.5, 256]},
    {"style": "cubism"},
    {"prompt": "x" * 1001},
    {"input": "/no/such/photo.png"},
    {"strength": 2},
    {"steps": 0},
    {"guidance": float("nan")},
]


class TestImageConformance(GeneratorConformance):
    generator_class = ImageGenerator
    extension = ".png"
    params = {"size": "96", "prompt": "a lighthouse by the sea"}
    invalid_params = INVALID


class TestImageJpegConformance(GeneratorConformance):
    generator_class = ImageGenerator
    extension = ".jpg"
    params = {"size": "80x64", "style": "shards"}
    invalid_params = INVALID[:2]


def _make(tmp: Path, v: float, a: float, seed: int = 0, name: str = "x", **params: Any) -> Any:
    if "input" not in params:
        params.setdefault("size", 128)
    req = Request(
        "image", tmp / f"{name}.png", condition=Condition.from_vad(v, a), params=params, seed=seed
    )
    return ImageGenerator().generate(req)


def _pixels(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


@pytest.mark.parametrize("style", ["flow", "wash", "shards", "landscape", "auto"])
def test_lightness_follows_valence_and_colour_follows_arousal(tmp_path: Path, style: str) -> None:
    for seed in (0, 1):
        light = [
            _make(tmp_path, v, 0.0, seed, style=style).features["mean_lightness"]
            for v in (-0.9, 0.0, 0.9)
        ]
        assert light == sorted(light) and light[2] - light[0] > 20, (style, light)
        colour = [
            _make(tmp_path, 0.0, a, seed, style=style).features["colourfulness"]
            for a in (-0.9, 0.0, 0.9)
        ]
        assert colour == sorted(colour) and colour[2] > 2 * colour[0], (style, colour)


def test_size_forms_and_extremes(tmp_path: Path) -> None:
    assert ImageParams(size="1024x768").dimensions == (1024, 768)
    assert ImageParams(size=512).dimensions == (512, 512)  # type: ignore[arg-type]
    assert ImageParams(size=" 300 X 200 ").dimensions == (300, 200)
    art = _make(tmp_path, 0.3, 0.3, size="2048x64")
    assert Image.open(art.path).size == (2048, 64)
    assert art.features["width"] == 2048 and art.features["height"] == 64


def test_seeds_change_composition_and_same_seed_repeats(tmp_path: Path) -> None:
    a = _pixels(_make(tmp_path, 0.4, 0.2, 1, "a").path).astype(float)
    b = _pixels(_make(tmp_path, 0.4, 0.2, 1, "b").path).astype(float)
    c = _pixels(_make(tmp_path, 0.4, 0.2, 2, "c").path).astype(float)
    assert np.array_equal(a, b)
    assert np.abs(a - c).mean() > 10, "another seed should give another composition"


def test_metadata_describes_look_styles_and_features(tmp_path: Path) -> None:
    art = _make(tmp_path, -0.5, 0.6, 3, prompt="stormy sea at night", style="landscape+flow")
    info = art.metadata["image"]
    assert info["styles"] == ["landscape", "flow"]
    assert set(info["motif"]["words"]) == {"storm", "sea", "night"}
    assert info["look"]["curvature"] < 0.5
    feats = art.features
    assert len(feats["hue_histogram"]) == 12
    assert sum(feats["hue_histogram"]) == pytest.approx(1.0, abs=1e-3)
    keys = ("mean_lightness", "colourfulness", "edge_angularity", "edge_straightness")
    for key in (*keys, "high_frequency_energy"):
        assert isinstance(feats[key], float)


def test_prompt_vocabulary() -> None:
    m = parse("Forests and a lake under the MOON!")
    assert m.words == ("forest", "lake", "moon")
    assert {"trees", "water", "moon"} <= m.elements and m.styles[0] == "landscape"
    assert m.daylight < 0 and m.hue is not None
    assert parse("an unknown thing").words == () and parse(None).elements == frozenset()


def test_prompt_changes_the_picture(tmp_path: Path) -> None:
    a = _pixels(_make(tmp_path, 0.2, 0.2, 4, "a", prompt="city").path).astype(float)
    b = _pixels(_make(tmp_path, 0.2, 0.2, 4, "b", prompt="forest").path).astype(float)
    assert np.abs(a - b).mean() > 5


def _photo(path: Path, size: tuple[int, int] = (160, 120)) -> Path:
    w, h = size
    y, x = np.mgrid[0:h, 0:w]
    rgb = np.stack([x * 255 / w, y * 255 / h, (x + y) * 127 / (w + h) + 60], -1)
    Image.fromarray(rgb.astype(np.uint8)).save(path)
    return path


def test_grade_moves_photo_measures(tmp_path: Path) -> None:
    photo = _photo(tmp_path / "photo.png")
    dark = _make(tmp_path, -0.8, -0.6, name="dark", input=str(photo))
    bright = _make(tmp_path, 0.8, 0.7, name="bright", input=str(photo))
    assert Image.open(dark.path).size == (160, 120)  # the photo's own size
    assert dark.features["mean_lightness"] + 15 < bright.features["mean_lightness"]
    assert dark.features["colourfulness"] < bright.features["colourfulness"]
    assert dark.metadata["image"]["mode"] == "grade"
    fitted = _make(tmp_path, 0.0, 0.0, name="fit", input=str(photo), size=80)
    assert Image.open(fitted.path).size == (80, 60)
    none = _make(tmp_path, 0.8, 0.7, name="none", input=str(photo), strength=0)
    src = _pixels(photo).astype(float)
    assert np.abs(_pixels(none.path).astype(float) - src).mean() < 2.0


def test_grade_bad_photo_is_one_line_input_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    text = tmp_path / "notes.png"
    text.write_text("hello")
    for bad in (broken, text):
        out = tmp_path / "out.png"
        with pytest.raises(InputError, match="input") as info:
            _make(tmp_path, 0.0, 0.0, name="out", input=str(bad))
        assert "\n" not in str(info.value)
        assert not out.exists()
    leftovers = sorted(p.name for p in tmp_path.iterdir())
    assert leftovers == ["broken.png", "notes.png"]


def test_features_measure_what_they_say() -> None:
    grey = np.full((64, 64, 3), 128, np.uint8)
    assert colourfulness(grey) == 0.0
    vivid = np.zeros((64, 64, 3), np.uint8)
    vivid[:, :32] = (255, 0, 0)
    vivid[:, 32:] = (0, 0, 255)
    assert colourfulness(vivid) > 100
    yy, xx = np.mgrid[0:128, 0:128]
    square = ((abs(xx - 64) < 30) & (abs(yy - 64) < 30)).astype(float) * 100
    disc = (np.hypot(xx - 64, yy - 64) < 30).astype(float) * 100
    assert edge_angularity(square) > 2 * edge_angularity(disc)
    assert edge_straightness(square) > edge_straightness(disc) + 0.05
    rng = np.random.default_rng(0)
    smooth = np.sin(xx / 20.0) * 50
    assert high_frequency_energy(smooth + rng.normal(0, 10, smooth.shape)) > 5 * (
        high_frequency_energy(smooth) + 1e-6
    )


def test_unwritable_or_blocked_output(tmp_path: Path) -> None:
    blocker = tmp_path / "art.png"
    blocker.mkdir()
    req = Request("image", blocker, condition=Condition.neutral(), params={"size": 64})
    with pytest.raises(ValueError, match="folder"):
        ImageGenerator().generate(req)


def test_diffusers_backend_says_why_it_is_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.delenv("EMOTION_STUDIO_SD_MODEL", raising=False)
    monkeypatch.setenv("EMOTION_STUDIO_MODELS", str(tmp_path / "no-models"))
    backend = {b.name: b for b in ImageGenerator().backends()}["diffusers"]
    assert not backend.available and "model" in backend.reason
    req = Request(
        "image", tmp_path / "x.png", condition=Condition.neutral(), params={"model": "nobody/none"}
    )
    with pytest.raises(ValueError, match="not available"):
        ImageGenerator().generate(req)
    assert not (tmp_path / "x.png").exists()


def test_dominance_scales_the_central_mass(tmp_path: Path) -> None:
    looks = []
    for d in (-0.9, 0.9):
        req = Request(
            "image",
            tmp_path / f"d{d}.png",
            condition=Condition.from_vad(0.2, 0.2, d),
            params={"size": 96, "style": "landscape"},
            seed=5,
        )
        looks.append(ImageGenerator().generate(req).metadata["image"]["look"])
    assert looks[1]["mass_scale"] > looks[0]["mass_scale"] + 0.2
    assert looks[1]["horizon"] > looks[0]["horizon"]  # dominant: low viewpoint
    assert looks[1]["lightness"] < looks[0]["lightness"]  # Valdez & Mehrabian: D = -.76 B


def test_cancel_mid_render_leaves_nothing(tmp_path: Path) -> None:
    from studio.plugins.contract import Cancelled
    from studio.plugins.testing import CancelAfter

    for n in (3, 5, 7):
        token = CancelAfter(n)
        req = Request(
            "image", tmp_path / "x.png", condition=Condition.neutral(), params={"size": 96}
        )
        with pytest.raises(Cancelled):
            ImageGenerator().generate(req, token.progress, token)
        assert list(tmp_path.iterdir()) == []


def test_angular_moods_measure_more_angular(tmp_path: Path) -> None:
    # Anger-like (low curvature) against serene (high curvature) at equal arousal.
    for style in ("landscape", "wash"):
        angry = _make(tmp_path, -0.8, 0.3, 2, style=style).features["edge_angularity"]
        calm = _make(tmp_path, 0.8, 0.3, 2, style=style).features["edge_angularity"]
        assert angry > calm, (style, angry, calm)
