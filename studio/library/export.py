"""Export media with the emotional state that made it: embedded, plus a JSON sidecar.

Every write goes through a temp file beside the destination and an atomic rename, so an
interrupted export leaves neither a partial file nor a stray temp file.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.library.atomic import ExportError, atomic_write
from studio.library.inputs import MAX_JSON_BYTES, read_bytes
from studio.library.metadata import (
    decode_payload,
    embed_copy,
    encode_payload,
    read_embedded,
    supports_embedding,
)

__all__ = [
    "ExportError",
    "ExportResult",
    "export_file",
    "read_sidecar",
    "read_state",
    "sidecar_path",
    "supports_embedding",
    "write_sidecar",
]

SIDECAR_SUFFIX = ".json"


@dataclass(frozen=True)
class ExportResult:
    """What :func:`export_file` wrote.

    Attributes
    ----------
    path
        The exported media file.
    sidecar
        The JSON sidecar, or ``None`` if none was written.
    embedded
        Whether the state is also inside the media file itself.
    """

    path: Path
    sidecar: Path | None
    embedded: bool


def sidecar_path(path: Path | str) -> Path:
    """The sidecar beside ``path``: the full name plus ``.json`` (``clip.mp4.json``)."""
    p = Path(path)
    return p.with_name(p.name + SIDECAR_SUFFIX)


def write_sidecar(path: Path | str, payload: dict[str, Any]) -> Path:
    """Write ``payload`` as pretty-printed UTF-8 JSON to ``path``'s sidecar, atomically."""
    encode_payload(payload)  # same validation (and message) as for embedding
    target = sidecar_path(path)
    text = json.dumps(payload, ensure_ascii=False, indent=2, allow_nan=False) + "\n"
    with atomic_write(target, "w", encoding="utf-8") as fh:
        fh.write(text)
    return target


def read_sidecar(path: Path | str) -> dict[str, Any]:
    """Parse a sidecar JSON file (the ``.json`` file itself, not the media beside it)."""
    source = Path(path)
    try:
        os.stat(source)
    except FileNotFoundError:
        raise FileNotFoundError(f"no such file: {source}") from None
    except (OSError, ValueError):
        pass  # read_bytes says what is wrong in one line
    return decode_payload(read_bytes(source, "sidecar", MAX_JSON_BYTES), source)


def _refuse_existing(*paths: Path) -> None:
    for p in paths:
        if p.exists() or p.is_symlink():
            raise FileExistsError(f"{p} already exists (pass overwrite=True to replace it)")


def export_file(
    src: Path | str,
    dst: Path | str,
    payload: dict[str, Any],
    *,
    sidecar: bool = True,
    overwrite: bool = False,
) -> ExportResult:
    """Copy ``src`` to ``dst`` with ``payload`` embedded, and write ``dst``'s sidecar.

    The payload is embedded when ``dst``'s format can carry it
    (:func:`~studio.library.metadata.supports_embedding`); otherwise the sidecar is the
    only record. The media file is written first, then the sidecar, each atomically.

    Parameters
    ----------
    src
        The media to export (left untouched).
    dst
        Where to put the copy; its extension selects how the payload is embedded.
    payload
        JSON-serialisable emotional state (condition or trajectory, params, seed, ...).
    sidecar
        Also write ``dst + ".json"``.
    overwrite
        Replace an existing ``dst`` (and its sidecar). Without it, an existing one is an
        error. When overwriting without a sidecar, a stale one is removed so it cannot
        contradict the new file.

    Raises
    ------
    FileExistsError
        ``dst`` or its sidecar exists and ``overwrite`` is false.
    FileNotFoundError
        ``src`` does not exist.
    ValueError
        ``src`` is corrupt or not the format ``dst`` names, or ``payload`` is not JSON.
    ExportError
        ``dst``'s folder is missing or not writable.
    """
    source, target = Path(src), Path(dst)
    side = sidecar_path(target)
    if not overwrite:
        _refuse_existing(target, side)
    embedded = embed_copy(source, target, payload)
    if sidecar:
        return ExportResult(target, write_sidecar(target, payload), embedded)
    if overwrite:
        with contextlib.suppress(FileNotFoundError):
            side.unlink()
    return ExportResult(target, None, embedded)


def read_state(path: Path | str) -> dict[str, Any]:
    """The emotional state recorded for ``path``.

    The embedded payload wins; failing that, the sidecar beside the file. A ``.json``
    path with no sidecar of its own is read as a sidecar itself.

    Raises
    ------
    ValueError
        No state is recorded, the file is corrupt, or the recorded state is not a JSON
        object; the message names the file.
    FileNotFoundError
        ``path`` does not exist.
    """
    source = Path(path)
    side = sidecar_path(source)
    if source.suffix.lower() == SIDECAR_SUFFIX and not side.is_file():
        return read_sidecar(source)
    embedded = read_embedded(source)
    if embedded is not None:
        return embedded
    if side.is_file():
        return read_sidecar(side)
    raise ValueError(f"no emotion state found in {source}")
