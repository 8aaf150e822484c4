"""Finding the artist's Coqui TTS models on disk (never downloads, never imports torch).

A Coqui model is a folder holding Coqui's ``config.json`` (its ``model`` names the
architecture) and the checkpoint beside it, as ``tts --model_name …`` leaves it. Two places
are searched:

* Coqui's own model folder: ``$TTS_HOME/tts``, else ``$XDG_DATA_HOME/tts``, else
  ``~/.local/share/tts`` (the rules of Coqui's ``get_user_data_dir``), where its folders are
  named like ``tts_models--multilingual--multi-dataset--xtts_v2``;
* the studio's models folder (``$EMOTION_STUDIO_MODELS``, else ``models`` in the studio's
  data folder), searched a few levels deep, as for image checkpoints.

A model is named by its folder name, its path relative to the models folder, or a path.
Discovery reads only small JSON and licence files, so ``studio list`` stays fast.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from studio.sdk import studio_home

ENV_MODELS_FOLDER: Final = "EMOTION_STUDIO_MODELS"
# Architectures this backend can speak with (Coqui's ``config.model``).
TTS_MODELS: Final = frozenset({"vits", "xtts", "tacotron2", "tacotron"})
# Vocoders a spectrogram model (Tacotron2) can take (Coqui's vocoder ``config.model``).
VOCODERS: Final = frozenset(
    {
        "hifigan",
        "hifigan_generator",
        "multiband_melgan",
        "melgan",
        "univnet",
        "wavegrad",
        "wavernn",
        "fullband_melgan",
        "parallel_wavegan",
    }
)
CHECKPOINTS: Final = (
    "model.pth",
    "model_file.pth",
    "model_file.pth.tar",
    "best_model.pth",
    "best_model.pth.tar",
    "checkpoint.pth",
)
LICENCE_FILES: Final = ("LICENSE.txt", "LICENSE", "license.txt", "LICENSE.md", "license")
MAX_CONFIG_BYTES: Final = 2_000_000
_SCAN_DEPTH: Final = 3
# Phrases that mark a licence as non-commercial (XTTS-v2 ships the Coqui Public Model
# Licence, CPML, which allows non-commercial use only).
_NON_COMMERCIAL: Final = ("coqui public model license", "non-commercial", "noncommercial")


@dataclass(frozen=True)
class CoquiModel:
    """A model folder found on disk."""

    name: str  # how the artist names it with --param model=NAME
    folder: Path
    config: Path
    checkpoint: Path | None  # None: the folder holds no checkpoint file Coqui writes
    kind: str  # Coqui's config.model: vits, xtts, tacotron2, or a vocoder
    licence: str  # "" or a short note, e.g. "non-commercial (CPML)"

    @property
    def is_vocoder(self) -> bool:
        return self.kind in VOCODERS

    def label(self) -> str:
        """The name as the list and the model menu show it."""
        note = f", {self.licence}" if self.licence else ""
        return f"{self.name} ({self.kind}{note})"


def coqui_folder() -> Path:
    """Coqui's own model folder, where ``tts --model_name`` puts downloads."""
    if os.environ.get("TTS_HOME"):
        base = Path(os.environ["TTS_HOME"]).expanduser()
    elif os.environ.get("XDG_DATA_HOME"):
        base = Path(os.environ["XDG_DATA_HOME"]).expanduser()
    else:
        base = Path("~/.local/share").expanduser()
    return base / "tts"


def models_folder() -> Path:
    """The studio's models folder (shared with image checkpoints)."""
    configured = os.environ.get(ENV_MODELS_FOLDER)
    return Path(configured).expanduser() if configured else studio_home() / "models"


def read_config(path: Path) -> dict[str, Any]:
    """A Coqui ``config.json`` as a dict (ValueError naming the problem)."""
    try:
        if path.stat().st_size > MAX_CONFIG_BYTES:
            raise ValueError(f"{path.name} is larger than a Coqui config can be")
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path} is not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path} is not a JSON object")
    return data


def kind_of(config: dict[str, Any]) -> str | None:
    """The architecture a Coqui config names, or None for a config that is not Coqui's."""
    kind = config.get("model")
    if not isinstance(kind, str) or not isinstance(config.get("audio"), dict):
        return None
    kind = kind.lower()
    return kind if kind in TTS_MODELS or kind in VOCODERS else None


def licence_of(folder: Path) -> str:
    """A short licence note from the folder's licence file ("" when none says a limit)."""
    for name in LICENCE_FILES:
        path = folder / name
        if not path.is_file():
            continue
        try:
            with path.open(encoding="utf-8", errors="replace") as fh:
                text = fh.read(20_000).lower()
        except OSError:
            continue
        if "coqui public model license" in text:
            return "non-commercial (CPML)"
        if any(p in text for p in _NON_COMMERCIAL):
            return "non-commercial licence"
    return ""


def checkpoint_in(folder: Path) -> Path | None:
    return next((folder / n for n in CHECKPOINTS if (folder / n).is_file()), None)


def inspect(folder: Path, name: str) -> CoquiModel:
    """The model in ``folder`` (ValueError when it is not a usable Coqui model folder)."""
    config = folder / "config.json"
    if not config.is_file():
        raise ValueError(f"{name}: folder {str(folder)!r} has no config.json (not a Coqui model)")
    kind = kind_of(read_config(config))
    if kind is None:
        raise ValueError(
            f"{name}: {str(config)!r} is not a Coqui TTS config this studio can speak with "
            f"(its 'model' is none of {', '.join(sorted(TTS_MODELS))})"
        )
    return CoquiModel(name, folder, config, checkpoint_in(folder), kind, licence_of(folder))


def _scan(root: Path, depth: int, found: list[CoquiModel], base: Path) -> None:
    try:
        entries = sorted(root.iterdir(), key=lambda p: p.name.lower())
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith(".") or not entry.is_dir():
            continue
        if (entry / "config.json").is_file():
            name = entry.name if base == coqui_folder() else str(entry.relative_to(base))
            try:
                model = inspect(entry, name)
            except ValueError:
                continue  # a diffusers sub-folder or another tool's config
            if model.checkpoint is not None:
                found.append(model)
        elif (entry / "model_index.json").is_file():
            continue  # a diffusers pipeline: its sub-folders hold non-Coqui configs
        elif depth < _SCAN_DEPTH:
            _scan(entry, depth + 1, found, base)


def list_models() -> list[CoquiModel]:
    """Every Coqui model (and vocoder) in Coqui's folder and the studio's models folder."""
    found: list[CoquiModel] = []
    seen: set[Path] = set()
    for root in (coqui_folder(), models_folder()):
        if not root.is_dir():
            continue
        batch: list[CoquiModel] = []
        _scan(root, 1, batch, root)
        for m in batch:
            if m.folder.resolve() not in seen:
                seen.add(m.folder.resolve())
                found.append(m)
    return found


def speaking_models() -> list[CoquiModel]:
    return [m for m in list_models() if not m.is_vocoder]


def resolve(name: str, *, vocoder: bool = False) -> CoquiModel:
    """The model named ``name``: a found model's name, or a path to a model folder."""
    what = "vocoder" if vocoder else "model"
    for m in list_models():
        if name in (m.name, m.folder.name) and m.is_vocoder == vocoder:
            return m
    path = Path(name).expanduser()
    if path.is_dir():
        model = inspect(path, what)
        if model.is_vocoder != vocoder:
            raise ValueError(f"{what}: {name!r} is a {model.kind}, not a {what}")
        if model.checkpoint is None:
            raise ValueError(
                f"{what}: {str(path)!r} has a config.json but no checkpoint "
                f"({' or '.join(CHECKPOINTS[:2])})"
            )
        return model
    if path.exists():
        raise ValueError(f"{what}: {name!r} is a file; name the model's folder")
    names = [m.name for m in list_models() if m.is_vocoder == vocoder]
    have = ", ".join(names[:8]) + (" …" if len(names) > 8 else "") if names else "none found"
    raise ValueError(
        f"{what}: no Coqui {what} {name!r} in {coqui_folder()} or {models_folder()} (found: {have})"
    )


def describe() -> str:
    """One line for ``studio list``: where models are looked for and what is there."""
    found = speaking_models()
    where = f"{coqui_folder()} and {models_folder()}"
    if not found:
        return f"no Coqui model in {where}"
    return f"models in {where}: " + ", ".join(m.label() for m in found)


def model_menu(schema: dict[str, Any]) -> None:
    """The window's model menu: the models found, filled in when the schema is asked for
    (never at import, so a damaged folder cannot keep the plugin from loading)."""
    choices: list[Any] = [m.name for m in speaking_models()]
    if choices:
        schema["choices"] = choices
