from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from studio.plugins import Registry, fakes


@pytest.fixture
def registry() -> Registry:
    """Real music and image generators (fast, deterministic) and the failing fake."""
    return fakes.registry("music", "image", "echo", "fail")


def write_jsonl(path: Path, records: Iterable[dict[str, Any] | str]) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def mixed_lines(n: int, size: int = 64) -> list[dict[str, Any]]:
    """``n`` deterministic lines: MIDI and procedural PNG, alternating."""
    out: list[dict[str, Any]] = []
    for i in range(n):
        v = round(-0.9 + 1.8 * i / max(n - 1, 1), 3)
        if i % 2:
            out.append(
                {
                    "kind": "music",
                    "valence": v,
                    "arousal": 0.4,
                    "seed": i,
                    "duration": 5,
                    "out": f"cue_{i:03d}.mid",
                }
            )
        else:
            out.append(
                {
                    "kind": "image",
                    "valence": v,
                    "arousal": -0.3,
                    "seed": i,
                    "size": size,
                    "out": f"img/mood_{i:03d}.png",
                }
            )
    return out


def report(out_dir: Path) -> dict[str, Any]:
    return json.loads((out_dir / "batch.json").read_text(encoding="utf-8"))
