"""Finding and loading local diffusion models (never downloads).

A model is one of:

* a single-file ``.safetensors`` checkpoint (SD 1.x, 2.x, XL and their Turbo/LCM
  distillations), loaded through :mod:`generators.image.checkpoints` with shipped configs;
* a folder written by ``DiffusionPipeline.save_pretrained`` (it has ``model_index.json``);
* a Hugging Face repo id whose snapshot is already in the local cache.

A bare name (``dreamshaper_8`` or ``dreamshaper_8.safetensors``) is looked up in the models
folder: ``$EMOTION_STUDIO_MODELS``, else ``models`` in the studio's data folder. Point it at
an A1111 ``models/Stable-diffusion`` or ComfyUI ``models/checkpoints`` folder to use the
checkpoints already there. Discovery reads only file names and safetensors headers, so
``studio list`` stays fast and does not import torch.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any, Final

from generators.image import checkpoints, devices
from studio.sdk import InputError, studio_home

ENV_MODEL: Final = "EMOTION_STUDIO_SD_MODEL"
ENV_MODELS_FOLDER: Final = "EMOTION_STUDIO_MODELS"
# Repos looked for in the cache when no model is named, best first.
KNOWN_REPOS: Final = (
    "stabilityai/sd-turbo",
    "stabilityai/sdxl-turbo",
    "stable-diffusion-v1-5/stable-diffusion-v1-5",
    "runwayml/stable-diffusion-v1-5",
    "stabilityai/stable-diffusion-xl-base-1.0",
    "stabilityai/stable-diffusion-2-1-base",
    "CompVis/stable-diffusion-v1-4",
)
_SCAN_DEPTH: Final = 3  # ComfyUI users keep checkpoints in sub-folders per family
_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
# Pipelines kept loaded in a process, least recently used dropped first: two, so the
# window's draft model (live previews) and the chosen model (Generate) both stay loaded
# instead of each reloading the other from disk.
KEEP_LOADED: Final = 2
_lock = threading.Lock()
_loaded: OrderedDict[tuple[str, str | None], Any] = OrderedDict()


def hub_cache() -> Path:
    """The local Hugging Face hub cache folder (same rules as huggingface_hub)."""
    for var in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        if os.environ.get(var):
            return Path(os.environ[var]).expanduser()
    home = os.environ.get("HF_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", "~/.cache"), "huggingface"
    )
    return Path(home).expanduser() / "hub"


def cached_snapshot(repo_id: str) -> Path | None:
    """The newest cached snapshot of ``repo_id`` that holds a ``model_index.json``."""
    folder = hub_cache() / f"models--{repo_id.replace('/', '--')}"
    ref = folder / "refs" / "main"
    if ref.is_file():
        snap = folder / "snapshots" / ref.read_text(encoding="utf-8").strip()
        if (snap / "model_index.json").is_file():
            return snap
    snaps = sorted(
        (p.parent for p in folder.glob("snapshots/*/model_index.json")),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    return snaps[0] if snaps else None


def models_folder() -> Path:
    """Where the artist's checkpoints live (``$EMOTION_STUDIO_MODELS`` or the default)."""
    configured = os.environ.get(ENV_MODELS_FOLDER)
    return Path(configured).expanduser() if configured else studio_home() / "models"


def list_models(folder: Path | None = None) -> list[Path]:
    """Every usable model in the models folder: SD checkpoints and pipeline folders."""
    root = folder or models_folder()
    if not root.is_dir():
        return []
    found: list[Path] = []

    def scan(path: Path, depth: int) -> None:
        try:
            entries = sorted(path.iterdir(), key=lambda p: p.name.lower())
        except OSError:
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir():
                if (entry / "model_index.json").is_file():
                    if not entry.name.endswith(".config"):
                        found.append(entry)
                elif depth < _SCAN_DEPTH:
                    scan(entry, depth + 1)
            elif entry.suffix.lower() == checkpoints.SAFE_SUFFIX and checkpoints.is_checkpoint(
                entry
            ):
                found.append(entry)

    scan(root, 1)
    return found


def model_choices() -> list[str]:
    """Model names for the window's Model menu (paths relative to the models folder)."""
    root = models_folder()
    return [str(p.relative_to(root)) for p in list_models(root)]


def few_step(path: Path | None) -> str:
    """ "turbo" / "lcm" for a few-step model, "" otherwise."""
    return checkpoints.few_step_kind(path) if path is not None else ""


def preview_model() -> Path | None:
    """A few-step model in the models folder, for quick drafts, if there is one."""
    return next((p for p in list_models() if few_step(p)), None)


def _in_models_folder(name: str) -> Path | None:
    root = models_folder()
    direct = root / name
    if direct.exists():
        return direct
    return next((p for p in list_models(root) if name in (p.stem, p.name)), None)


def resolve(model: str | None) -> Path | None:
    """The local file or folder of a named model, the configured one, or a found one."""
    if model is None:
        model = os.environ.get(ENV_MODEL) or None
        if model is None:
            for repo in KNOWN_REPOS:
                snap = cached_snapshot(repo)
                if snap is not None:
                    return snap
            found = list_models()
            full = [p for p in found if not few_step(p)]
            return (full or found)[0] if found else None
    path = Path(model).expanduser()
    if not path.exists() and not path.is_absolute():
        path = _in_models_folder(model) or path
    if path.is_file():
        return path
    if path.is_dir():
        return path if (path / "model_index.json").is_file() else None
    if _REPO_ID.match(model):
        return cached_snapshot(model)
    return None


def libraries_missing() -> list[str]:
    return [
        m for m in ("torch", "diffusers", "transformers") if importlib.util.find_spec(m) is None
    ]


def unavailable_reason(model: str | None) -> str:
    """Why the diffusers backend cannot run ("" when it can)."""
    missing = libraries_missing()
    if missing:
        if getattr(sys, "frozen", False):  # a packaged build: nothing can be pip-installed
            return (
                f"needs {', '.join(missing)}, which this packaged build leaves out: for Stable "
                "Diffusion, install the studio with pip and its 'neural' extra (see the README)"
            )
        return f"needs {', '.join(missing)} (install the 'neural' extra)"
    found = resolve(model)
    if found is not None and found.is_file():
        try:
            checkpoints.inspect(found)
        except InputError as exc:
            return str(exc).removeprefix("model: ")
        return ""
    if found is not None:
        return ""
    if model is None:
        return (
            f"needs a Stable Diffusion model: put .safetensors checkpoints in "
            f"{models_folder()} (or set {ENV_MODELS_FOLDER}), or name a local pipeline folder "
            f"(params.model or {ENV_MODEL}) — none found there or in the Hugging Face cache"
        )
    path = Path(model).expanduser()
    if path.is_dir():
        return f"{model} has no model_index.json (save it with pipeline.save_pretrained)"
    return (
        f"model {model!r} is not a checkpoint file, a local folder, a name in "
        f"{models_folder()} or a repo in the Hugging Face cache"
    )


def describe_folder() -> str:
    """One line for ``studio list``: the models folder and what is in it."""
    root = models_folder()
    names = [str(p.relative_to(root)) for p in list_models(root)]
    if not names:
        return f"models folder {root}: no checkpoints"
    return f"models folder {root}: {', '.join(names)}"


def load_pipeline(model: str | None, precision: str | None = None) -> Any:
    """The pipeline for ``model``, loaded from local files only; the last ``KEEP_LOADED``
    (by path and precision) stay in memory, so switching between them does not reload."""
    found = resolve(model)
    if found is None:
        raise InputError(f"model: {unavailable_reason(model)}")
    key = (str(found.resolve()), precision)
    with _lock:
        if key in _loaded:
            _loaded.move_to_end(key)
        else:
            device, dtype = devices.choose(precision)
            while len(_loaded) >= KEEP_LOADED:  # make room first: at most two in memory
                _loaded.popitem(last=False)  # the least recently used
            try:
                pipe = _load(found, dtype)
            except InputError:
                raise
            except (OSError, ValueError, KeyError, RuntimeError) as exc:
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise InputError(f"model: cannot load {found.name}: {first}") from None
            pipe.set_progress_bar_config(disable=True)
            if device != "cpu":
                pipe = pipe.to(device)
            _loaded[key] = pipe
        return _loaded[key]


def _load(found: Path, dtype: Any) -> Any:
    if found.is_file():
        return checkpoints.load(checkpoints.inspect(found), dtype)
    import diffusers
    from diffusers import DiffusionPipeline

    # diffusers renamed torch_dtype to dtype (the old name warns from 0.36 on).
    major, minor = (int(p) for p in diffusers.__version__.split(".")[:2])
    dtype_arg = "dtype" if (major, minor) >= (0, 36) else "torch_dtype"
    pipe = DiffusionPipeline.from_pretrained(
        str(found), local_files_only=True, **{dtype_arg: dtype}
    )
    return checkpoints.few_step_scheduler(pipe, few_step(found))
