"""The optional Coqui TTS backend: what it needs and why it cannot run here.

A Coqui model (XTTS, VITS with speaker/style embeddings) loaded from a local directory
would take the same prosody control vector (``prosody.CONTROLS``) and move its style or
speaker embedding along the emotion directions (EmoReg: target = source + intensity ×
direction). It is declared so that ``studio list`` says what is missing; it is not
offered as usable until it can be built and tested against the ``TTS`` package.
"""

from __future__ import annotations

import importlib.util
from functools import cache

from studio.sdk import Backend

NAME = "coqui"
DESCRIPTION = (
    "Coqui TTS model from a local directory, emotion applied to its style/speaker embedding"
)


@cache
def backend() -> Backend:
    """The backend's declaration; a cheap check that never imports torch."""
    return Backend(NAME, DESCRIPTION, available=False, reason=_reason())


def _reason() -> str:
    if importlib.util.find_spec("TTS") is None:
        # Not "pip install coqui-tts": it pulls a torchaudio that has no CPU build here.
        return (
            "the Coqui TTS package is not installed; it needs torchaudio, which has no CPU "
            "build for this torch on the package index"
        )
    if importlib.util.find_spec("torchaudio") is None:
        return (
            "the Coqui TTS package is installed but cannot be imported: it needs torchaudio, "
            "which has no CPU build for this torch on the package index"
        )
    return (
        "needs a local Coqui model directory (a model_dir parameter) and an embedding "
        "mapping that this version does not ship yet"
    )
