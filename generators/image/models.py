"""Finding and loading local diffusion pipelines (never downloads).

A model is a folder written by ``DiffusionPipeline.save_pretrained`` (it has
``model_index.json``) or a Hugging Face repo id whose snapshot is already in the local
cache. Discovery only looks at the file system, so ``studio list`` stays fast and does
not import torch; loading imports torch and diffusers inside :func:`load_pipeline`.
"""

from __future__ import annotations

import importlib.util
import os
import re
import threading
from pathlib import Path
from typing import Any, Final

from studio.plugins.contract import InputError

ENV_MODEL: Final = "EMOTION_STUDIO_SD_MODEL"
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
_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
_lock = threading.Lock()
_loaded: dict[str, Any] = {}


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


def resolve(model: str | None) -> Path | None:
    """The local folder of a named model, the configured one, or a known cached one."""
    if model is None:
        model = os.environ.get(ENV_MODEL) or None
        if model is None:
            for repo in KNOWN_REPOS:
                snap = cached_snapshot(repo)
                if snap is not None:
                    return snap
            return None
    path = Path(model).expanduser()
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
        return f"needs {', '.join(missing)} (install the 'neural' extra)"
    if resolve(model) is not None:
        return ""
    if model is None:
        return (
            "needs a local Stable Diffusion model directory (params.model or "
            f"{ENV_MODEL}) — none found in the Hugging Face cache"
        )
    path = Path(model).expanduser()
    if path.is_dir():
        return f"{model} has no model_index.json (save it with pipeline.save_pretrained)"
    return f"model {model!r} is neither a local folder nor in the Hugging Face cache"


def load_pipeline(model: str | None) -> Any:
    """Load (once per process) the pipeline for ``model`` from local files only."""
    folder = resolve(model)
    if folder is None:
        raise InputError(f"model: {unavailable_reason(model)}")
    key = str(folder.resolve())
    with _lock:
        if key not in _loaded:
            import diffusers
            import torch
            from diffusers import DiffusionPipeline

            # diffusers renamed torch_dtype to dtype (the old name warns from 0.36 on).
            major, minor = (int(p) for p in diffusers.__version__.split(".")[:2])
            dtype_arg = "dtype" if (major, minor) >= (0, 36) else "torch_dtype"
            try:
                pipe = DiffusionPipeline.from_pretrained(
                    key, local_files_only=True, **{dtype_arg: torch.float32}
                )
            except (OSError, ValueError, KeyError) as exc:
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise InputError(f"model: cannot load {folder.name}: {first}") from None
            pipe.set_progress_bar_config(disable=True)
            if torch.cuda.is_available():
                pipe = pipe.to("cuda")
            _loaded.clear()  # keep one pipeline in memory
            _loaded[key] = pipe
        return _loaded[key]
