"""The payload: the JSON text stored in every format, and its keys."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from studio.library.inputs import loads_json

KEY = "emotion-studio"
MP4_KEY = "----:org.emotionstudio:state"
VORBIS_KEY = "EMOTION_STUDIO"
MIDI_PREFIX = "emotion-studio:"

Payload = dict[str, Any]


def encode_payload(payload: Payload, *, ascii_only: bool = False) -> str:
    """Compact JSON text of ``payload``.

    Raises
    ------
    ValueError
        ``payload`` is not a dict, or holds values JSON cannot represent (NaN included:
        strict JSON readers reject it).
    """
    if not isinstance(payload, dict):
        raise ValueError(f"emotion state must be a JSON object, not {type(payload).__name__}")
    try:
        return json.dumps(payload, ensure_ascii=ascii_only, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"emotion state is not JSON-serialisable: {exc}") from exc


def decode_payload(text: str | bytes, source: Path | str) -> Payload:
    """Parse payload text found in ``source``; a non-object or bad JSON is a ``ValueError``."""
    value = loads_json(text, f"{source}: emotion-studio data")
    if not isinstance(value, dict):
        raise ValueError(f"{source}: emotion-studio data is not a JSON object")
    return value


def condition_name(payload: Payload) -> str | None:
    """The condition's display name, if the payload has one."""
    condition = payload.get("condition")
    name = condition.get("name") if isinstance(condition, dict) else payload.get("name")
    return name if isinstance(name, str) and name else None
