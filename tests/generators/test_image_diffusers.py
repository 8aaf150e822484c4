"""The diffusers backend on a tiny random Stable Diffusion pipeline built in code.

Runs offline on CPU torch in well under a second per generation; never skipped when torch
and diffusers are installed (the ``neural`` extra, installed in CI).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from generators.image import ImageGenerator, checkpoints, diffusion, models
from generators.image.attributes import look
from studio.emotion import Condition
from studio.plugins.contract import Cancelled, NeverCancel, Request
from studio.plugins.testing import CancelAfter, RecordingProgress


def shipped_tokenizer(pad: str = "<|endoftext|>") -> Any:
    """The CLIP tokenizer from the repo's own vocabulary files (no download)."""
    from transformers import CLIPTokenizer

    files = checkpoints.tokenizer_files()
    return CLIPTokenizer(
        str(files / "vocab.json"), str(files / "merges.txt"), pad_token=pad, model_max_length=77
    )


def tiny_pipeline(tmp: Path) -> Any:
    import torch
    from diffusers import (
        AutoencoderKL,
        DDIMScheduler,
        StableDiffusionPipeline,
        UNet2DConditionModel,
    )
    from transformers import CLIPTextConfig, CLIPTextModel

    torch.manual_seed(0)
    unet = UNet2DConditionModel(
        block_out_channels=(4, 8),
        layers_per_block=1,
        sample_size=16,
        in_channels=4,
        out_channels=4,
        attention_head_dim=(2, 4),
        cross_attention_dim=8,
        norm_num_groups=2,
        down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"),
    )
    vae = AutoencoderKL(
        block_out_channels=(4, 8),
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D", "DownEncoderBlock2D"),
        up_block_types=("UpDecoderBlock2D", "UpDecoderBlock2D"),
        latent_channels=4,
        norm_num_groups=2,
        layers_per_block=1,
    )
    tokenizer = shipped_tokenizer()
    text_encoder = CLIPTextModel(
        CLIPTextConfig(
            vocab_size=len(tokenizer),
            hidden_size=8,
            intermediate_size=16,
            num_hidden_layers=2,
            num_attention_heads=2,
            max_position_embeddings=77,
            bos_token_id=49406,
            eos_token_id=49407,
            pad_token_id=49407,
        )
    )
    scheduler = DDIMScheduler(steps_offset=1, clip_sample=False)
    pipe = StableDiffusionPipeline(
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        unet=unet,
        scheduler=scheduler,
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    pipe.set_progress_bar_config(disable=True)
    return pipe


ANGRY = Condition.from_vad(-0.6, 0.7)
SERENE = Condition.from_vad(0.7, -0.5)


@pytest.fixture(scope="module")
def pipe(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return tiny_pipeline(tmp_path_factory.mktemp("tiny"))


@pytest.fixture(scope="module")
def saved(pipe: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("saved") / "tiny-sd"
    pipe.save_pretrained(folder)
    return folder


def _run(pipe: Any, cond: Condition, seed: int = 0, **kw: Any) -> np.ndarray:
    rgb, _ = diffusion.run(
        pipe,
        "a lighthouse",
        cond,
        look(cond),
        width=64,
        height=64,
        steps=2,
        guidance=kw.pop("guidance", 5.0),
        seed=seed,
        progress=kw.pop("progress", lambda f, m: None),
        cancel=kw.pop("cancel", NeverCancel()),
    )
    return rgb


def test_emotion_offset_changes_embeddings(pipe: Any) -> None:
    import torch

    text = "a lighthouse"
    neutral = diffusion.emotion_embeddings(pipe, text, "", Condition.neutral())
    angry = diffusion.emotion_embeddings(pipe, text, "", ANGRY)
    serene = diffusion.emotion_embeddings(pipe, text, "", SERENE)
    base = neutral["prompt_embeds"]
    assert angry["prompt_embeds"].shape == base.shape
    assert not torch.allclose(angry["prompt_embeds"], base)
    assert not torch.allclose(angry["prompt_embeds"], serene["prompt_embeds"])
    # The negative branch is left as encoded; only the prompt side carries the emotion.
    assert torch.allclose(angry["negative_prompt_embeds"], neutral["negative_prompt_embeds"])
    # Intensity scales the offset linearly.
    half = Condition.from_mixture(ANGRY.mixture, ANGRY.intensity / 2)
    half_off = diffusion.emotion_embeddings(pipe, text, "", half)["prompt_embeds"] - base
    full_off = angry["prompt_embeds"] - base
    assert torch.allclose(half_off * 2, full_off, atol=1e-5)


def test_prompt_rewrite_carries_colour_light_and_form() -> None:
    def words(text: str) -> int:
        return len(text.split())

    dark, cut = diffusion.fit_prompt(
        words, "a lighthouse", look(Condition.from_vad(-0.8, -0.7)), 0, 10_000
    )
    bright, _ = diffusion.fit_prompt(words, None, look(Condition.from_vad(0.8, 0.8)), 0, 10_000)
    assert not cut and bright.startswith("an atmospheric scene, ")
    assert dark.startswith("a lighthouse, ") and "dark low-key lighting" in dark
    assert "muted desaturated colours" in dark
    assert "bright high-key lighting" in bright and "vivid saturated colours" in bright


def test_emotion_changes_output_and_seed_repeats(pipe: Any) -> None:
    a = _run(pipe, ANGRY)
    b = _run(pipe, ANGRY)
    c = _run(pipe, SERENE)
    assert a.shape == (64, 64, 3) and a.dtype == np.uint8
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_progress_per_step_and_cancel_interrupts(pipe: Any) -> None:
    seen: list[float] = []
    _run(pipe, ANGRY, progress=lambda f, m: seen.append(f))
    assert seen == [0.5, 1.0]
    token = CancelAfter(1)
    with pytest.raises(Cancelled):
        _run(pipe, ANGRY, progress=token.progress, cancel=token)
    assert pipe.interrupt  # the pipeline's own interrupt flag was raised


def test_progress_stays_in_range_with_a_second_order_scheduler(tmp_path: Path) -> None:
    from diffusers import HeunDiscreteScheduler

    heun = tiny_pipeline(tmp_path)
    heun.scheduler = HeunDiscreteScheduler.from_config(heun.scheduler.config)
    seen: list[tuple[float, str]] = []
    _run(heun, ANGRY, progress=lambda f, m: seen.append((f, m)))
    fractions = [f for f, _ in seen]
    assert len(seen) > 2 and fractions == sorted(fractions) and fractions[-1] == 1.0
    assert seen[-1][1] == f"denoising step {len(seen)} of {len(seen)}"


def test_generator_loads_a_saved_pipeline_folder(saved: Path, tmp_path: Path) -> None:
    gen = ImageGenerator()
    out = tmp_path / "x.png"
    params = {"model": str(saved), "steps": 2, "size": "64x80", "prompt": "a lighthouse"}
    progress = RecordingProgress()
    art = gen.generate(Request("image", out, condition=ANGRY, params=params, seed=3), progress)
    assert art.metadata["backend"] == "diffusers"
    assert art.metadata["image"]["pipeline"] == "StableDiffusionPipeline"
    assert "lighthouse" in art.metadata["image"]["prompt"]
    assert art.features["width"] == 64 and art.features["height"] == 80
    assert any("denoising step 2 of 2" in m for _, m in progress.reports)
    token = CancelAfter(3)
    cancelled = tmp_path / "cancelled.png"
    with pytest.raises(Cancelled):
        gen.generate(
            Request("image", cancelled, condition=ANGRY, params=params, seed=3),
            token.progress,
            token,
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.png"]


def test_photo_with_a_model_is_refused_not_ignored(saved: Path, tmp_path: Path) -> None:
    photo = tmp_path / "photo.png"
    from PIL import Image

    Image.new("RGB", (64, 48), (90, 120, 160)).save(photo)
    out = tmp_path / "x.png"
    for backend in (None, "diffusers"):
        req = Request(
            "image",
            out,
            condition=ANGRY,
            params={"model": str(saved), "steps": 1, "input": str(photo)},
            backend=backend,
        )
        with pytest.raises(ValueError, match="input: grade mode"):
            ImageGenerator().generate(req)
        assert not out.exists()


def test_model_folder_without_index_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "not-a-model"
    empty.mkdir()
    assert "model_index.json" in models.unavailable_reason(str(empty))
    req = Request(
        "image",
        tmp_path / "x.png",
        condition=ANGRY,
        params={"model": str(empty)},
        backend="diffusers",
    )
    with pytest.raises(ValueError, match=r"model_index\.json"):
        ImageGenerator().generate(req)


def test_repo_id_found_in_local_cache(
    saved: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "hub"
    snap = cache / "models--someone--tiny-sd" / "snapshots" / "abc123"
    snap.parent.mkdir(parents=True)
    snap.symlink_to(saved, target_is_directory=True)
    (cache / "models--someone--tiny-sd" / "refs").mkdir()
    (cache / "models--someone--tiny-sd" / "refs" / "main").write_text("abc123")
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    assert models.resolve("someone/tiny-sd") == snap
    assert models.unavailable_reason("someone/tiny-sd") == ""
    assert models.unavailable_reason("someone/other") != ""


def test_long_prompt_keeps_the_look_words_and_the_cue() -> None:
    """The user's words are shortened so cue + prompt + look fit CLIP's 75-token window."""
    tok = shipped_tokenizer()

    def count(text: str) -> int:
        return len(tok(text, truncation=False).input_ids) - 2

    cond = ANGRY
    words = " ".join(f"a tower number {i} beside a harbour" for i in range(20))
    reserve = diffusion.cue_reserve(count, cond)
    text, shortened = diffusion.fit_prompt(count, words, look(cond), reserve, 75)
    assert shortened and text.endswith(diffusion.describe(look(cond)))
    assert text.startswith("a tower number 0 beside a harbour")
    cued = f"{diffusion.CUES['anger']}, {text}"
    assert count(cued) <= 75  # nothing the emotion put in is past the window
    assert reserve >= count(f"{diffusion.CUES['anger']},")
    short, cut = diffusion.fit_prompt(count, "a lighthouse", look(cond), reserve, 75)
    assert short == f"a lighthouse, {diffusion.describe(look(cond))}" and not cut


def test_run_reports_a_shortened_prompt(pipe: Any) -> None:
    long = "a lighthouse " + "with many little windows and doors " * 20
    _, info = diffusion.run(pipe, long, ANGRY, look(ANGRY), width=64, height=64, steps=1,
                            guidance=5.0, seed=0, progress=lambda f, m: None,
                            cancel=NeverCancel())  # fmt: skip
    assert info["prompt_shortened"] and "sharp angular forms" in info["prompt"]
    assert info["precision"] == "float32"  # CPU keeps full precision
