"""Single-file Stable Diffusion checkpoints (``.safetensors``), as artists keep them.

A1111 (``models/Stable-diffusion``) and ComfyUI (``models/checkpoints``) store the original
LDM layout in one file. The architecture is read from the file's header (names and shapes,
no tensor data) and matched to a diffusers config shipped in ``assets/image/sd-configs``, so
nothing is fetched from the Hub. A checkpoint of another architecture (a distilled or
shrunk UNet) brings its own config: a folder ``<name>.config`` beside the file holding
``model_index.json`` and the component configs, as ``save_pretrained`` writes them.

Pickle checkpoints (``.ckpt``, ``.pt``, ``.pth``, ``.bin``) are refused: unpickling can run
arbitrary code, and every popular model is published as ``.safetensors`` as well.
"""

from __future__ import annotations

import json
import re
import struct
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

from studio.emotion._assets import assets_dir
from studio.sdk import BadInput, InputError, open_regular, printable, read_bytes

SAFE_SUFFIX: Final = ".safetensors"
PICKLE_SUFFIXES: Final = frozenset({".ckpt", ".pt", ".pth", ".bin"})
_UNET = "model.diffusion_model."
# A cross-attention key whose last dimension is the text width: 768 (CLIP-L, SD 1.x),
# 1024 (OpenCLIP-H, SD 2.x). Same key diffusers uses to tell them apart.
_ATTN2_K = "model.diffusion_model.input_blocks.2.1.transformer_blocks.0.attn2.to_k.weight"
_TEXT_WIDTH = ".attn2.to_k.weight"  # any cross-attention, for non-standard block layouts
_XL_TEXT_2 = "conditioner.embedders.1.model."  # OpenCLIP-bigG, SDXL base only
_V_PARAM = re.compile(r"parameterization:\s*[\"']?v[\"']?\s*$", re.MULTILINE)
_MAX_HEADER: Final = 100 * 1024 * 1024  # the safetensors format's own header limit
_MAX_SIDECAR: Final = 2**20  # an A1111 <name>.yaml is a few kB
# Few-step distillations, named so by their authors (SD-Turbo, SDXL-Turbo, LCM,
# SDXL-Lightning, Hyper-SD); the name is the only sign — the weights have the same layout.
# The keyword (any case) stands at a word or case boundary: no letter before it, and after
# it a non-letter or an uppercase letter, so CamelCase names such as
# "dreamshaperXL_v21TurboDPMSDE" count while "turbot" does not.
_FEW_STEP = re.compile(r"(?<![A-Za-z])((?i:turbo|lcm|lightning|hyper))(?![a-z])")
# Errors a damaged or unexpected file can raise while its header is read or interpreted.
HEADER_ERRORS: Final = (InputError, TypeError, KeyError, IndexError, ValueError, OSError)


@dataclass(frozen=True)
class Checkpoint:
    path: Path
    family: str  # "sd1" | "sd2" | "sdxl"
    config: Path  # diffusers config folder (shipped, or the file's own .config folder)
    few_step: str = ""  # "turbo" | "lcm" | "" (name-based)
    prediction: str = "epsilon"  # what the UNet predicts: "epsilon" or "v_prediction"

    @property
    def pipeline(self) -> str:
        return "StableDiffusionXLPipeline" if self.family == "sdxl" else "StableDiffusionPipeline"


def shipped_configs() -> Path:
    return assets_dir() / "image" / "sd-configs"


def tokenizer_files() -> Path:
    return assets_dir() / "image" / "clip-tokenizer"


def read_header(path: Path) -> dict[str, Any]:
    """The safetensors header: tensor name → {dtype, shape, data_offsets} (no tensor data).

    Every entry is checked to have that structure, so later code may index it; anything
    else is an ``InputError`` naming the file. Only a regular file is opened."""
    try:
        with open_regular(path, "model") as f:
            raw = f.read(8)
            if len(raw) != 8:
                raise InputError(f"model: {path.name} is not a safetensors file (too short)")
            (size,) = struct.unpack("<Q", raw)
            if not 2 <= size <= _MAX_HEADER:
                raise InputError(f"model: {path.name} is not a safetensors file (bad header)")
            header = json.loads(f.read(size))
    except BadInput as exc:
        raise InputError(str(exc)) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise InputError(f"model: cannot read {path.name}: {exc}") from None
    if not isinstance(header, dict):
        raise InputError(f"model: {path.name} is not a safetensors file (bad header)")
    header.pop("__metadata__", None)
    for name, entry in header.items():
        problem = _entry_problem(entry)
        if problem:
            raise InputError(
                f"model: {path.name} is not a safetensors file "
                f"(tensor {printable(name, 80)}: {problem})"
            )
    return header


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _entry_problem(entry: object) -> str:
    """What is wrong with one header entry ("" when it is {dtype, shape, data_offsets})."""
    if not isinstance(entry, dict):
        return "not an object"
    if not isinstance(entry.get("dtype"), str):
        return "no dtype"
    shape = entry.get("shape")
    if not isinstance(shape, list) or not all(_is_int(n) for n in shape):
        return "shape is not a list of sizes"
    offsets = entry.get("data_offsets")
    if (
        not isinstance(offsets, list)
        or len(offsets) != 2
        or not all(_is_int(n) for n in offsets)
        or offsets[0] > offsets[1]
    ):
        return "bad data_offsets"
    return ""


def family(header: dict[str, Any]) -> str | None:
    """ "sd1", "sd2" or "sdxl" from tensor names and shapes; None for anything else."""
    if not any(k.startswith(_UNET) for k in header):
        return None
    if any(k.startswith(_XL_TEXT_2) for k in header):
        return "sdxl"
    attn = header.get(_ATTN2_K) or next(
        (v for k, v in header.items() if k.startswith(_UNET) and k.endswith(_TEXT_WIDTH)), None
    )
    shape = attn.get("shape") if isinstance(attn, dict) else None
    if not isinstance(shape, list) or len(shape) != 2:  # a linear weight: [inner, text width]
        return None
    return "sd2" if shape[-1] == 1024 else "sd1"


def few_step_kind(path: Path) -> str:
    m = _FEW_STEP.search(path.stem)
    if m is None:
        return ""
    return "lcm" if m.group(1).lower() == "lcm" else "turbo"


def own_config(path: Path) -> Path | None:
    folder = path.with_name(path.stem + ".config")
    return folder if (folder / "model_index.json").is_file() else None


def refuse_pickle(path: Path) -> InputError:
    return InputError(
        f"model: {path.name} is a pickle checkpoint ({path.suffix}), which can run code when "
        "loaded; use the model's .safetensors file instead"
    )


def inspect(path: Path) -> Checkpoint:
    """What a checkpoint file holds; ``InputError`` naming the problem if it is unusable."""
    if path.suffix.lower() in PICKLE_SUFFIXES:
        raise refuse_pickle(path)
    if path.suffix.lower() != SAFE_SUFFIX:
        raise InputError(f"model: {path.name} is not a .safetensors checkpoint")
    kind = family(read_header(path))
    if kind is None:
        raise InputError(
            f"model: {path.name} is not a Stable Diffusion 1.x, 2.x or XL checkpoint "
            "(a LoRA, VAE or another architecture?)"
        )
    config = own_config(path) or shipped_configs() / kind
    few = few_step_kind(path)
    return Checkpoint(path, kind, config, few, prediction(path, kind, few))


def prediction(path: Path, kind: str, few_step: str) -> str:
    """SD 2.x comes as 768² v-prediction (2.0/2.1) or 512² epsilon ("base", SD-Turbo) with
    identical tensors. A1111's convention decides: a ``<name>.yaml`` beside the file says
    ``parameterization: "v"`` or not; without one, 2.x means the v-prediction release
    unless it is a few-step distillation (SD-Turbo predicts epsilon)."""
    if kind != "sd2":
        return "epsilon"
    sidecar = path.with_suffix(".yaml")
    if sidecar.exists() or sidecar.is_symlink():
        try:  # bounded, regular files only: a pipe or a huge file is refused, not read
            data = read_bytes(sidecar, "model config", _MAX_SIDECAR)
        except BadInput as exc:
            raise InputError(str(exc)) from None
        text = data.decode("utf-8", errors="replace")
        return "v_prediction" if _V_PARAM.search(text) else "epsilon"
    return "epsilon" if few_step else "v_prediction"


def is_checkpoint(path: Path) -> bool:
    """Cheap test used when listing a folder: a readable SD 1.x/2.x/XL safetensors file."""
    try:
        stat = path.stat()
    except OSError:
        return False
    return _is_checkpoint(path, stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=1024)
def _is_checkpoint(path: Path, size: int, mtime_ns: int) -> bool:
    # size and mtime are part of the key, so a replaced file is read again. A file that
    # cannot be read or understood is simply not listed: one odd file in the models folder
    # must not take the generator (or the whole listing) down with it.
    try:
        return family(read_header(path)) is not None
    except HEADER_ERRORS:
        return False


def tokenizers(family: str) -> dict[str, Any]:
    """The CLIP tokenizers from the shipped vocabulary (SD 2.x and SDXL's second encoder
    pad with "!", as their OpenCLIP originals do)."""
    from transformers import CLIPTokenizer

    files = tokenizer_files()

    def make(pad: str) -> Any:
        return CLIPTokenizer(
            str(files / "vocab.json"), str(files / "merges.txt"), pad_token=pad, model_max_length=77
        )

    if family == "sdxl":
        return {"tokenizer": make("<|endoftext|>"), "tokenizer_2": make("!")}
    return {"tokenizer": make("!" if family == "sd2" else "<|endoftext|>")}


def load(ckpt: Checkpoint, dtype: Any) -> Any:
    """Build the pipeline from the file and a local config folder, offline."""
    import diffusers

    cls = getattr(diffusers, ckpt.pipeline)
    extra: dict[str, Any] = {}
    if ckpt.family != "sdxl":
        extra = {"safety_checker": None, "feature_extractor": None}
    pipe = cls.from_single_file(
        str(ckpt.path),
        config=str(ckpt.config),
        local_files_only=True,
        torch_dtype=dtype,
        # A file's own config folder may bring its tokenizers; else the shipped ones.
        **({} if (ckpt.config / "tokenizer").is_dir() else tokenizers(ckpt.family)),
        **extra,
    )
    shipped = ckpt.config.parent == shipped_configs()  # a file's own config decides itself
    if shipped and pipe.scheduler.config.get("prediction_type") != ckpt.prediction:
        pipe.scheduler = type(pipe.scheduler).from_config(
            pipe.scheduler.config, prediction_type=ckpt.prediction
        )
    return few_step_scheduler(pipe, ckpt.few_step)


def few_step_scheduler(pipe: Any, kind: str) -> Any:
    """Turbo models sample with Euler ancestral on trailing timesteps (SD-Turbo model card);
    LCM distillations need the LCM scheduler."""
    from diffusers import EulerAncestralDiscreteScheduler, LCMScheduler

    config = dict(pipe.scheduler.config)
    config.pop("use_karras_sigmas", None)
    if kind == "turbo":
        pipe.scheduler = EulerAncestralDiscreteScheduler.from_config(
            config, timestep_spacing="trailing"
        )
    elif kind == "lcm":
        pipe.scheduler = LCMScheduler.from_config(config, timestep_spacing="trailing")
    return pipe


def few_step_defaults(kind: str) -> tuple[int, float]:
    """(steps, guidance) for a few-step model: Turbo runs 1–4 steps without guidance;
    LCM 4–8 steps with guidance near 1 (the LCM paper's recommended range)."""
    return (4, 0.0) if kind == "turbo" else (6, 1.5) if kind == "lcm" else (25, 7.0)
