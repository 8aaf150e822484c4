"""Single-file checkpoints: tiny random SD 1.5 and SDXL pipelines written in the original
(LDM / A1111) layout, loaded offline and generated through ``studio generate``.

diffusers ships only the original → diffusers direction, so the inverse here follows the
mapping of diffusers' ``scripts/convert_diffusers_to_original_stable_diffusion.py`` and
``convert_diffusers_to_original_sdxl.py``, generalised to any block count so tiny configs
work.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from generators.image import ImageGenerator, checkpoints, devices, models
from studio.emotion import Condition
from studio.plugins.contract import InputError, Request

ANGRY = Condition.from_vad(-0.6, 0.7)
_RESNET = (
    ("in_layers.0", "norm1"),
    ("in_layers.2", "conv1"),
    ("out_layers.0", "norm2"),
    ("out_layers.3", "conv2"),
    ("emb_layers.1", "time_emb_proj"),
    ("skip_connection", "conv_shortcut"),
)


def _unet_prefixes(config: dict[str, Any]) -> list[tuple[str, str]]:
    """(diffusers prefix, LDM prefix) for every UNet block."""
    layers = config["layers_per_block"]
    downs, ups = config["down_block_types"], config["up_block_types"]
    pairs = [
        ("time_embedding.linear_1.", "time_embed.0."),
        ("time_embedding.linear_2.", "time_embed.2."),
        ("add_embedding.linear_1.", "label_emb.0.0."),
        ("add_embedding.linear_2.", "label_emb.0.2."),
        ("conv_in.", "input_blocks.0.0."),
        ("conv_norm_out.", "out.0."),
        ("conv_out.", "out.2."),
        ("mid_block.resnets.0.", "middle_block.0."),
        ("mid_block.attentions.0.", "middle_block.1."),
        ("mid_block.resnets.1.", "middle_block.2."),
    ]
    index = 1
    for i, kind in enumerate(downs):
        for j in range(layers):
            pairs.append((f"down_blocks.{i}.resnets.{j}.", f"input_blocks.{index}.0."))
            if kind.startswith("CrossAttn"):
                pairs.append((f"down_blocks.{i}.attentions.{j}.", f"input_blocks.{index}.1."))
            index += 1
        if i < len(downs) - 1:
            pairs.append((f"down_blocks.{i}.downsamplers.0.conv.", f"input_blocks.{index}.0.op."))
            index += 1
    index = 0
    for i, kind in enumerate(ups):
        attn = kind.startswith("CrossAttn")
        for j in range(layers + 1):
            pairs.append((f"up_blocks.{i}.resnets.{j}.", f"output_blocks.{index}.0."))
            if attn:
                pairs.append((f"up_blocks.{i}.attentions.{j}.", f"output_blocks.{index}.1."))
            index += 1
        if i < len(ups) - 1:
            slot = 2 if attn else 1
            pairs.append((f"up_blocks.{i}.upsamplers.0.", f"output_blocks.{index - 1}.{slot}."))
    return pairs


def unet_to_ldm(unet: Any) -> dict[str, Any]:
    prefixes = _unet_prefixes(dict(unet.config))
    out = {}
    for key, value in unet.state_dict().items():
        new = next(ldm + key[len(hf) :] for hf, ldm in prefixes if key.startswith(hf))
        if ".resnets." in key or key.startswith("mid_block.resnets"):
            for ldm_name, hf_name in _RESNET:
                new = new.replace(f".{hf_name}.", f".{ldm_name}.")
        out["model.diffusion_model." + new] = value
    return out


def vae_to_ldm(vae: Any) -> dict[str, Any]:
    n = len(vae.config.block_out_channels)
    pairs = [("mid_block.attentions.0.", "mid.attn_1."), ("conv_norm_out.", "norm_out.")]
    pairs += [(f"mid_block.resnets.{i}.", f"mid.block_{i + 1}.") for i in range(2)]
    for i in range(n):
        pairs.append((f"encoder.down_blocks.{i}.resnets.", f"encoder.down.{i}.block."))
        pairs.append((f"encoder.down_blocks.{i}.downsamplers.0.", f"encoder.down.{i}.downsample."))
        pairs.append((f"decoder.up_blocks.{i}.resnets.", f"decoder.up.{n - 1 - i}.block."))
        pairs.append((f"decoder.up_blocks.{i}.upsamplers.0.", f"decoder.up.{n - 1 - i}.upsample."))
    attn = (("group_norm.", "norm."), ("to_q.", "q."), ("to_k.", "k."), ("to_v.", "v."),
            ("to_out.0.", "proj_out."))  # fmt: skip
    out = {}
    for key, value in vae.state_dict().items():
        new = key
        for hf, ldm in pairs:
            new = new.replace(hf, ldm)
        new = new.replace("conv_shortcut", "nin_shortcut")
        if ".attn_1." in new:
            for hf, ldm in attn:
                new = new.replace(f".attn_1.{hf}", f".attn_1.{ldm}")
            if value.ndim == 2:  # the original attention uses 1×1 convolutions
                value = value[:, :, None, None]
        out["first_stage_model." + new] = value
    return out


def clip_keys(encoder: Any) -> dict[str, Any]:
    """transformers' CLIP state dict with the ``text_model.`` prefix that original
    checkpoints carry (transformers 5.6 flattened ``CLIPTextModel`` and dropped it)."""
    return {
        k if k.startswith(("text_model.", "text_projection")) else f"text_model.{k}": v
        for k, v in encoder.state_dict().items()
    }


def openclip_to_ldm(encoder: Any, prefix: str) -> dict[str, Any]:
    """CLIPTextModelWithProjection → OpenCLIP names (fused q/k/v, transposed projection)."""
    sd = clip_keys(encoder)
    out = {
        prefix + "token_embedding.weight": sd["text_model.embeddings.token_embedding.weight"],
        prefix + "positional_embedding": sd["text_model.embeddings.position_embedding.weight"],
        prefix + "ln_final.weight": sd["text_model.final_layer_norm.weight"],
        prefix + "ln_final.bias": sd["text_model.final_layer_norm.bias"],
        prefix + "text_projection": sd["text_projection.weight"].T.contiguous(),
    }
    import torch

    for i in range(encoder.config.num_hidden_layers):
        hf, ldm = f"text_model.encoder.layers.{i}.", f"{prefix}transformer.resblocks.{i}."
        names = (("layer_norm1", "ln_1"), ("layer_norm2", "ln_2"), ("mlp.fc1", "mlp.c_fc"),
                 ("mlp.fc2", "mlp.c_proj"), ("self_attn.out_proj", "attn.out_proj"))  # fmt: skip
        for a, b in names:
            for p in ("weight", "bias"):
                out[f"{ldm}{b}.{p}"] = sd[f"{hf}{a}.{p}"]
        for p in ("weight", "bias"):
            qkv = [sd[f"{hf}self_attn.{x}_proj.{p}"] for x in "qkv"]
            out[f"{ldm}attn.in_proj_{p}"] = torch.cat(qkv)
    return out


def write_checkpoint(pipe: Any, path: Path) -> Path:
    """The pipeline in one .safetensors file, original layout, plus its ``.config`` folder."""
    from safetensors.torch import save_file

    state = {**unet_to_ldm(pipe.unet), **vae_to_ldm(pipe.vae)}
    if hasattr(pipe, "text_encoder_2"):
        clip = clip_keys(pipe.text_encoder)
        state |= {f"conditioner.embedders.0.transformer.{k}": v for k, v in clip.items()}
        state |= openclip_to_ldm(pipe.text_encoder_2, "conditioner.embedders.1.model.")
    else:
        clip = clip_keys(pipe.text_encoder)
        state |= {f"cond_stage_model.transformer.{k}": v for k, v in clip.items()}
    save_file({k: v.contiguous() for k, v in state.items()}, str(path))
    # A non-standard (tiny) architecture brings its configs, as documented in checkpoints.py.
    config = path.with_name(path.stem + ".config")
    pipe.save_pretrained(config)
    for weights in config.rglob("*.safetensors"):
        weights.unlink()
    return path


def tiny_sdxl(tmp: Path) -> Any:
    import torch
    from diffusers import (
        AutoencoderKL,
        EulerDiscreteScheduler,
        StableDiffusionXLPipeline,
        UNet2DConditionModel,
    )
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

    from tests.generators.test_image_diffusers import shipped_tokenizer

    torch.manual_seed(0)
    unet = UNet2DConditionModel(
        block_out_channels=(8, 16),
        layers_per_block=1,
        sample_size=16,
        in_channels=4,
        out_channels=4,
        attention_head_dim=(2, 4),
        cross_attention_dim=20,  # 8 + 12: both text encoders' hidden states side by side
        norm_num_groups=2,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        transformer_layers_per_block=(1, 2),
        addition_embed_type="text_time",
        addition_time_embed_dim=4,
        projection_class_embeddings_input_dim=12 + 6 * 4,  # pooled text + six size numbers
        use_linear_projection=True,
    )
    vae = AutoencoderKL(
        block_out_channels=(4, 8),
        down_block_types=("DownEncoderBlock2D",) * 2,
        up_block_types=("UpDecoderBlock2D",) * 2,
        latent_channels=4,
        norm_num_groups=2,
        layers_per_block=1,
    )
    tok = shipped_tokenizer()
    text = dict(vocab_size=len(tok), hidden_size=8, intermediate_size=16, num_hidden_layers=2,
                num_attention_heads=2, max_position_embeddings=77, hidden_act="gelu",
                projection_dim=8, bos_token_id=49406, eos_token_id=49407,
                pad_token_id=49407)  # fmt: skip
    pipe = StableDiffusionXLPipeline(
        vae=vae,
        text_encoder=CLIPTextModel(CLIPTextConfig(**text)),
        # Widths differ, as 768 and 1280 do in SDXL: diffusers tells the encoders apart so.
        text_encoder_2=CLIPTextModelWithProjection(
            CLIPTextConfig(
                **text | {"hidden_size": 12, "intermediate_size": 24, "projection_dim": 12}
            )
        ),
        tokenizer=tok,
        tokenizer_2=shipped_tokenizer(pad="!"),
        unet=unet,
        scheduler=EulerDiscreteScheduler(
            beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", steps_offset=1
        ),
    )
    pipe.set_progress_bar_config(disable=True)
    return pipe


@pytest.fixture(scope="module")
def sd15_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.generators.test_image_diffusers import tiny_pipeline

    folder = tmp_path_factory.mktemp("models")
    return write_checkpoint(tiny_pipeline(folder), folder / "tiny-sd15.safetensors")


@pytest.fixture(scope="module")
def sdxl_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("models-xl")
    return write_checkpoint(tiny_sdxl(folder), folder / "tiny-sdxl-turbo.safetensors")


def test_family_read_from_the_header(sd15_file: Path, sdxl_file: Path) -> None:
    a, b = checkpoints.inspect(sd15_file), checkpoints.inspect(sdxl_file)
    assert (a.family, a.pipeline, a.few_step) == ("sd1", "StableDiffusionPipeline", "")
    assert (b.family, b.pipeline, b.few_step) == ("sdxl", "StableDiffusionXLPipeline", "turbo")
    assert a.config == sd15_file.with_name("tiny-sd15.config")


def test_single_file_weights_round_trip(sd15_file: Path, sdxl_file: Path) -> None:
    """Loading the file gives back the very weights that were written."""
    import torch

    from tests.generators.test_image_diffusers import tiny_pipeline

    original = tiny_pipeline(sd15_file.parent / "again")
    loaded = checkpoints.load(checkpoints.inspect(sd15_file), torch.float32)
    for part in ("unet", "vae", "text_encoder"):
        want, got = getattr(original, part).state_dict(), getattr(loaded, part).state_dict()
        assert all(torch.equal(want[k], got[k]) for k in want), part
    xl = checkpoints.load(checkpoints.inspect(sdxl_file), torch.float32)
    ref = tiny_sdxl(sdxl_file.parent / "again")
    for part in ("unet", "vae", "text_encoder", "text_encoder_2"):
        want, got = getattr(ref, part).state_dict(), getattr(xl, part).state_dict()
        assert all(torch.equal(want[k], got[k]) for k in want), part
    assert type(xl.scheduler).__name__ == "EulerAncestralDiscreteScheduler"  # turbo by name


@pytest.mark.parametrize("which", ["sd15_file", "sdxl_file"])
def test_generate_through_the_command_offline(
    which: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    path: Path = request.getfixturevalue(which)
    out = tmp_path / "x.png"
    env = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_CACHE": str(tmp_path),
           "STUDIO_HOME": str(tmp_path / "home")}  # fmt: skip
    cmd = [sys.executable, "-m", "studio.cli", "generate", "image", "--backend", "diffusers",
           "--emotion", "anger", "--seed", "2", "-o", str(out), "--model", str(path),
           "--size", "64", "--steps", "2", "--prompt", "a lighthouse"]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, env=os.environ | env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert out.is_file() and out.stat().st_size > 0
    from PIL import Image

    assert Image.open(out).size == (64, 64)


def test_models_folder_lists_and_resolves_by_name(
    sd15_file: Path, sdxl_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "checkpoints"
    (root / "xl").mkdir(parents=True)
    for src, dst in (
        (sd15_file, root / "a.safetensors"),
        (sdxl_file, root / "xl" / "b-lcm.safetensors"),
    ):
        shutil.copy(src, dst)
        shutil.copytree(src.with_name(src.stem + ".config"), dst.with_name(dst.stem + ".config"))
    (root / "lora.safetensors").write_bytes(_header_only({"lora_unet_x.weight": [4, 4]}))
    (root / "old.ckpt").write_bytes(b"\x80\x02pickle")
    monkeypatch.setenv(models.ENV_MODELS_FOLDER, str(root))
    assert models.model_choices() == ["a.safetensors", "xl/b-lcm.safetensors"]
    assert models.resolve("a") == root / "a.safetensors"
    assert models.resolve("b-lcm.safetensors") == root / "xl" / "b-lcm.safetensors"
    assert models.resolve(None) == root / "a.safetensors"  # a full model before a few-step one
    assert models.preview_model() == root / "xl" / "b-lcm.safetensors"
    assert "a.safetensors, xl/b-lcm.safetensors" in models.describe_folder()
    assert "LoRA" in models.unavailable_reason(str(root / "lora.safetensors"))
    reason = models.unavailable_reason(str(root / "old.ckpt"))
    assert "pickle" in reason and "\n" not in reason
    listed = ImageGenerator().describe()["backends"][1]
    assert "a.safetensors" in listed["description"] and listed["available"]


def test_pickle_checkpoint_refused_with_exit_2(tmp_path: Path) -> None:
    ckpt = tmp_path / "model.ckpt"
    ckpt.write_bytes(b"\x80\x02pickle")
    with pytest.raises(InputError, match=r"pickle checkpoint \(\.ckpt\)"):
        models.load_pipeline(str(ckpt))
    out = tmp_path / "x.png"
    cmd = [sys.executable, "-m", "studio.cli", "generate", "image", "--backend", "diffusers",
           "-o", str(out), "--model", str(ckpt)]  # fmt: skip
    env = os.environ | {"STUDIO_HOME": str(tmp_path / "home")}
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 2 and "pickle" in done.stderr and not out.exists()
    assert len(done.stderr.strip().splitlines()) == 1


def test_shipped_configs_match_the_full_architectures() -> None:
    """Parameter counts of the published models: SD 1.5 UNet 859.5 M, SD 2.1 865.9 M,
    SDXL base 2567.5 M (their model cards); built on the meta device, no memory used."""
    import torch
    from diffusers import UNet2DConditionModel

    counts = {}
    for family in ("sd1", "sd2", "sdxl"):
        folder = checkpoints.shipped_configs() / family
        assert json.loads((folder / "model_index.json").read_text())["unet"][1]
        with torch.device("meta"):
            unet = UNet2DConditionModel.from_config(
                UNet2DConditionModel.load_config(folder / "unet")
            )
        counts[family] = round(sum(p.numel() for p in unet.parameters()) / 1e6, 1)
    assert counts == {"sd1": 859.5, "sd2": 865.9, "sdxl": 2567.5}


def test_shipped_tokenizer_is_clip() -> None:
    from tests.generators.test_image_diffusers import shipped_tokenizer

    ids = shipped_tokenizer()("a photo of a cat").input_ids
    assert ids == [49406, 320, 1125, 539, 320, 2368, 49407]  # openai/clip-vit-large-patch14


def test_precision_per_device(monkeypatch: pytest.MonkeyPatch) -> None:
    assert devices.precision_for("cuda", bf16_supported=True) == "bfloat16"
    assert devices.precision_for("cuda", bf16_supported=False) == "float16"
    assert devices.precision_for("mps", bf16_supported=False) == "float16"
    assert devices.precision_for("cpu", bf16_supported=True) == "float32"
    import torch

    monkeypatch.delenv(devices.ENV_PRECISION, raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: False)
    assert devices.choose() == ("cuda", torch.float16)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)
    assert devices.choose() == ("cuda", torch.bfloat16)
    monkeypatch.setenv(devices.ENV_PRECISION, "float32")
    assert devices.choose() == ("cuda", torch.float32)
    monkeypatch.setenv(devices.ENV_PRECISION, "half")
    with pytest.raises(InputError, match="precision"):
        devices.choose()


def test_out_of_memory_message_suggests_a_smaller_size() -> None:
    import torch

    err = devices.out_of_memory(2048, 1536, "cuda")
    assert str(err) == "size: out of CUDA memory at 2048x1536; try a smaller size such as 1408x1024"
    assert devices.is_out_of_memory(torch.cuda.OutOfMemoryError("CUDA out of memory."))
    assert devices.is_out_of_memory(RuntimeError("MPS backend out of memory"))
    assert not devices.is_out_of_memory(RuntimeError("shape mismatch"))


def test_vae_tiles_only_large_images(sd15_file: Path) -> None:
    import torch

    pipe = checkpoints.load(checkpoints.inspect(sd15_file), torch.float32)
    devices.fit_vae(pipe, 2048, 2048)
    assert pipe.vae.use_tiling and pipe.vae.use_slicing
    devices.fit_vae(pipe, 512, 512)
    assert not pipe.vae.use_tiling


def test_generator_uses_few_step_defaults(
    sdxl_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "x.png"
    req = Request("image", out, condition=ANGRY, params={"model": str(sdxl_file), "size": "64"})
    art = ImageGenerator().generate(req)
    info = art.metadata["image"]
    assert (info["steps"], info["guidance"]) == (4, 0.0)  # turbo: 4 steps, no guidance
    assert info["pipeline"] == "StableDiffusionXLPipeline" and info["precision"] == "float32"


def _header_only(shapes: dict[str, list[int]]) -> bytes:
    """A valid safetensors file of zero-filled float32 tensors."""
    import struct

    header, offset = {}, 0
    for name, shape in shapes.items():
        size = 4 * int(__import__("math").prod(shape))
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + size]}
        offset += size
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + bytes(offset)


def test_sd2_prediction_from_the_yaml_beside_the_file(tmp_path: Path) -> None:
    path = tmp_path / "v2-1_768.safetensors"
    assert checkpoints.prediction(path, "sd2", "") == "v_prediction"
    assert checkpoints.prediction(tmp_path / "sd_turbo.safetensors", "sd2", "turbo") == "epsilon"
    path.with_suffix(".yaml").write_text('model:\n  params:\n    parameterization: "v"\n')
    assert checkpoints.prediction(path, "sd2", "turbo") == "v_prediction"
    path.with_suffix(".yaml").write_text("model:\n  params:\n    linear_start: 0.00085\n")
    assert checkpoints.prediction(path, "sd2", "") == "epsilon"
    assert checkpoints.prediction(path, "sd1", "") == "epsilon"


def test_draft_uses_the_few_step_model_of_the_models_folder(
    sd15_file: Path, sdxl_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Live previews ask for a draft: drawn by the Turbo/LCM checkpoint when there is one."""
    root = tmp_path / "checkpoints"
    root.mkdir()
    for src in (sd15_file, sdxl_file):
        shutil.copy(src, root / src.name)
        shutil.copytree(src.with_name(src.stem + ".config"), root / f"{src.stem}.config")
    monkeypatch.setenv(models.ENV_MODELS_FOLDER, str(root))
    from collections import OrderedDict

    loads: list[str] = []
    real_load = models._load

    def counted(found: Path, dtype: Any) -> Any:
        loads.append(found.name)
        return real_load(found, dtype)

    monkeypatch.setattr(models, "_loaded", OrderedDict())
    monkeypatch.setattr(models, "_load", counted)
    params = {"model": "tiny-sd15", "size": "64", "steps": 2}
    full = ImageGenerator().generate(
        Request("image", tmp_path / "a.png", condition=ANGRY, params=params)
    )
    draft = ImageGenerator().generate(
        Request("image", tmp_path / "b.png", condition=ANGRY, params=params | {"draft": True})
    )
    assert full.metadata["image"]["pipeline"] == "StableDiffusionPipeline"
    assert full.metadata["image"]["steps"] == 2
    assert draft.metadata["image"]["model"] == str(root / "tiny-sdxl-turbo.safetensors")
    assert (draft.metadata["image"]["steps"], draft.metadata["image"]["guidance"]) == (4, 0.0)
    # Without a few-step model a draft is drawn by the chosen model as asked.
    (root / "tiny-sdxl-turbo.safetensors").unlink()
    again = ImageGenerator().generate(
        Request("image", tmp_path / "c.png", condition=ANGRY, params=params | {"draft": True})
    )
    assert again.metadata["image"]["pipeline"] == "StableDiffusionPipeline"
    # The chosen model stayed loaded while the draft model drew: each was loaded once.
    assert loads == ["tiny-sd15.safetensors", "tiny-sdxl-turbo.safetensors"]


_SD1_ATTN = "model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight"


def _raw_header(header: dict[str, Any]) -> bytes:
    """A safetensors file whose header is exactly ``header`` (no tensor data)."""
    import struct

    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw


_ODD_ENTRIES = {
    "empty shape": {"dtype": "F32", "shape": [], "data_offsets": [0, 4]},
    "not an object": 5,
    "a list": [1, 2],
    "shape of strings": {"dtype": "F32", "shape": ["4", "768"], "data_offsets": [0, 4]},
    "shape not a list": {"dtype": "F32", "shape": 768, "data_offsets": [0, 4]},
    "no dtype": {"shape": [4, 768], "data_offsets": [0, 4]},
    "bad offsets": {"dtype": "F32", "shape": [4, 768], "data_offsets": [8]},
    "negative size": {"dtype": "F32", "shape": [-4, 768], "data_offsets": [0, 4]},
}


@pytest.mark.parametrize("entry", list(_ODD_ENTRIES.values()), ids=list(_ODD_ENTRIES))
def test_odd_header_entry_is_an_input_error_naming_the_file(entry: Any, tmp_path: Path) -> None:
    path = tmp_path / "odd.safetensors"
    path.write_bytes(_raw_header({_SD1_ATTN: entry}))
    if entry != _ODD_ENTRIES["empty shape"]:  # a scalar is valid safetensors, not valid SD
        with pytest.raises(InputError, match=r"odd\.safetensors"):
            checkpoints.read_header(path)
    with pytest.raises(InputError, match=r"odd\.safetensors"):
        checkpoints.inspect(path)
    assert not checkpoints.is_checkpoint(path)
    assert "odd.safetensors" in models.unavailable_reason(str(path))


def test_family_ignores_a_cross_attention_entry_of_the_wrong_rank() -> None:
    """A scalar or 1-D tensor where a linear weight belongs is not an SD checkpoint."""
    for shape in ([], [768], [4, 4, 768]):
        header = {_SD1_ATTN: {"dtype": "F32", "shape": shape, "data_offsets": [0, 0]}}
        assert checkpoints.family(header) is None
    assert checkpoints.family({_SD1_ATTN: 5}) is None
    assert checkpoints.family({_SD1_ATTN: {"shape": [4, 1024]}}) == "sd2"


def test_a_fifo_named_like_a_checkpoint_is_not_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.safetensors"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="pipe"):
        checkpoints.read_header(fifo)
    assert not checkpoints.is_checkpoint(fifo)
    assert models.list_models(tmp_path) == []


def _odd_models_folder(root: Path) -> Path:
    root.mkdir()
    (root / "good.safetensors").write_bytes(_header_only({_SD1_ATTN: [4, 768]}))
    (root / "empty-shape.safetensors").write_bytes(
        _raw_header({_SD1_ATTN: {"dtype": "F32", "shape": [], "data_offsets": [0, 0]}})
    )
    (root / "not-a-dict.safetensors").write_bytes(_raw_header({_SD1_ATTN: "x"}))
    (root / "garbage.safetensors").write_bytes(b"\xff" * 64)
    return root / "empty-shape.safetensors"


def test_odd_files_in_the_models_folder_are_not_listed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _odd_models_folder(tmp_path / "models")
    monkeypatch.setenv(models.ENV_MODELS_FOLDER, str(tmp_path / "models"))
    assert models.model_choices() == ["good.safetensors"]
    assert ImageGenerator().describe()["backends"][1]["available"]


def test_importing_the_plugin_does_not_scan_the_models_folder(tmp_path: Path) -> None:
    """The window's Model menu is filled when the schema is asked for, not at import."""
    _odd_models_folder(tmp_path / "models")
    script = (
        "import json\n"
        "import generators.image.models as m\n"
        "calls = []\n"
        "real = m.list_models\n"
        "m.list_models = lambda *a, **k: (calls.append(1), real(*a, **k))[1]\n"
        "import generators.image\n"
        "from generators.image.params import ImageParams\n"
        "at_import = len(calls)\n"
        "schema = ImageParams.model_json_schema()['properties']['model']\n"
        "print(json.dumps([at_import, schema.get('choices')]))\n"
    )
    env = os.environ | {
        "STUDIO_HOME": str(tmp_path / "home"),
        models.ENV_MODELS_FOLDER: str(tmp_path / "models"),
    }
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [0, ["good.safetensors"]]


def test_odd_checkpoint_keeps_the_plugin_and_exits_2(tmp_path: Path) -> None:
    """``studio list`` still shows the image generator; naming the odd file is bad input."""
    bad = _odd_models_folder(tmp_path / "models")
    env = os.environ | {
        "STUDIO_HOME": str(tmp_path / "home"),
        models.ENV_MODELS_FOLDER: str(tmp_path / "models"),
    }
    listed = subprocess.run(
        [sys.executable, "-m", "studio.cli", "list"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert listed.returncode == 0, listed.stderr
    assert "failed to import" not in listed.stdout + listed.stderr
    assert "good.safetensors" in listed.stdout and "empty-shape" not in listed.stdout
    out = tmp_path / "x.png"
    cmd = [sys.executable, "-m", "studio.cli", "generate", "image", "--backend", "diffusers",
           "-o", str(out), "--model", str(bad)]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 2, done.stderr
    assert "empty-shape.safetensors" in done.stderr and not out.exists()


@pytest.mark.parametrize(
    "name, kind",
    [
        ("dreamshaperXL_v21TurboDPMSDE", "turbo"),
        ("realvisxlV40_v40LightningBakedvae", "turbo"),
        ("juggernautXL_v9Rdphoto2Lightning", "turbo"),
        ("sdxl_turbo", "turbo"),
        ("sd_turbo", "turbo"),
        ("SDXL-Turbo-1.0", "turbo"),
        ("Hyper-SDXL-8steps", "turbo"),
        ("sdxl_lightning_4step", "turbo"),
        ("dreamshaper_8_LCM", "lcm"),
        ("lcm-sdxl", "lcm"),
        ("LCM_Dreamshaper_v7", "lcm"),
        ("turbot", ""),
        ("eclipse", ""),
        ("turbotax_v1", ""),
        ("hyperrealism_v3", ""),
        ("lightningbolt", ""),
        ("dreamshaper_8", ""),
        ("v1-5-pruned-emaonly", ""),
    ],
)
def test_few_step_kind_from_the_name(name: str, kind: str) -> None:
    assert checkpoints.few_step_kind(Path(f"{name}.safetensors")) == kind


def test_sd2_sidecar_yaml_is_read_bounded(tmp_path: Path) -> None:
    """The A1111 ``<name>.yaml``: a pipe or an oversized file is refused, never read."""
    path = tmp_path / "v2-1_768.safetensors"
    sidecar = path.with_suffix(".yaml")
    os.mkfifo(sidecar)
    with pytest.raises(InputError, match="pipe"):
        checkpoints.prediction(path, "sd2", "")
    sidecar.unlink()
    sidecar.write_bytes(b'parameterization: "v"\n' + b"#" * 2**21)
    with pytest.raises(InputError, match="too large"):
        checkpoints.prediction(path, "sd2", "")
    sidecar.write_bytes(b'model:\n  params:\n    parameterization: "v"\n')
    assert checkpoints.prediction(path, "sd2", "") == "v_prediction"


class _FakePipe:
    def set_progress_bar_config(self, **kwargs: Any) -> None:
        pass


def test_two_pipelines_stay_loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The draft model and the chosen one both stay loaded; a third drops the least
    recently used. Path and precision together name a pipeline."""
    from collections import OrderedDict

    loads: list[str] = []

    def fake_load(found: Path, dtype: Any) -> _FakePipe:
        loads.append(found.name)
        return _FakePipe()

    monkeypatch.setattr(models, "_loaded", OrderedDict())
    monkeypatch.setattr(models, "_load", fake_load)
    monkeypatch.setattr(devices, "choose", lambda precision=None: ("cpu", None))
    folders = {}
    for name in ("full", "draft", "other"):
        folders[name] = tmp_path / name
        folders[name].mkdir()
        (folders[name] / "model_index.json").write_text("{}")

    def load(name: str, precision: str | None = None) -> Any:
        return models.load_pipeline(str(folders[name]), precision)

    full, draft = load("full"), load("draft")
    for _ in range(3):  # previews and Generate taking turns: nothing reloads
        assert load("draft") is draft and load("full") is full
    assert loads == ["full", "draft"]
    load("other")  # drops "draft", used longest ago
    assert loads == ["full", "draft", "other"]
    assert load("full") is full and loads == ["full", "draft", "other"]
    load("draft")
    assert loads == ["full", "draft", "other", "draft"]
    load("draft", "float16")  # another precision is another pipeline
    assert loads[-1] == "draft" and len(loads) == 5
    assert len(models._loaded) == models.KEEP_LOADED
