"""Characters as data: ``assets/talking_head/<id>.json`` (colours, proportions, hair paths).

A character file names its colours (``#RRGGBB``), the proportions of the parametric rig
(head, eyes, brows, nose, mouth, ears, neck, torso, in face units: the head is about 200
units wide, origin between the cheekbones, y down) and its hair as SVG path data in the
same units. Adding a character is adding a file; nothing in the code names one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

from studio.emotion._assets import assets_dir

COLOR_KEYS: Final = [
    "background_top",
    "background_bottom",
    "background_glow",
    "skin",
    "skin_shade",
    "skin_light",
    "outline",
    "blush",
    "hair",
    "hair_shade",
    "hair_light",
    "brow",
    "iris",
    "iris_dark",
    "sclera",
    "lash",
    "lip",
    "lip_dark",
    "mouth",
    "teeth",
    "tongue",
    "shirt",
    "shirt_shade",
    "shirt_trim",
]
PART_KEYS: Final = ("head", "eyes", "brows", "nose", "mouth", "ears", "neck", "torso")
_HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")
_TOKEN = re.compile(r"[MLCQZmlcqz]|-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_ARITY: Final = {"M": 2, "L": 2, "C": 6, "Q": 4, "Z": 0}

# One segment of a parsed path: command letter and absolute coordinates.
Segment = tuple[str, tuple[float, ...]]


@dataclass(frozen=True)
class Character:
    id: str
    name: str
    description: str
    colors: Mapping[str, int]  # 0xAARRGGBB, ready for skia
    parts: Mapping[str, Mapping[str, Any]]
    hair_back: tuple[Segment, ...]
    hair_front: tuple[Segment, ...]
    hair_strands: tuple[tuple[Segment, ...], ...]

    def part(self, name: str) -> Mapping[str, Any]:
        return self.parts[name]


def characters_dir() -> Path:
    return assets_dir() / "talking_head"


@cache
def character_ids() -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in characters_dir().glob("*.json")))


@cache
def load_character(cid: str) -> Character:
    """The character with id ``cid``; ``ValueError`` listing the ids when unknown."""
    ids = character_ids()
    if cid not in ids:
        raise ValueError(f"unknown character {cid!r}; choose one of {', '.join(ids)}")
    path = characters_dir() / f"{cid}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return _parse(cid, data)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"character file {path.name} is broken: {exc}") from None


def _parse(cid: str, data: Mapping[str, Any]) -> Character:
    colors = data["colors"]
    missing = [k for k in COLOR_KEYS if k not in colors]
    if missing:
        raise ValueError(f"missing colours {missing}")
    parsed: dict[str, int] = {}
    for key in COLOR_KEYS:
        value = colors[key]
        if not isinstance(value, str) or not _HEX.match(value):
            raise ValueError(f"colour {key} must be #RRGGBB, got {value!r}")
        parsed[key] = 0xFF000000 | int(value[1:], 16)
    parts = {k: dict(data[k]) for k in PART_KEYS}
    return Character(
        id=cid,
        name=str(data.get("name", cid)),
        description=str(data.get("description", "")),
        colors=parsed,
        parts=parts,
        hair_back=parse_svg_path(data.get("hair_back", "")),
        hair_front=parse_svg_path(data.get("hair_front", "")),
        hair_strands=tuple(parse_svg_path(s) for s in data.get("hair_strands", [])),
    )


def parse_svg_path(text: str) -> tuple[Segment, ...]:
    """SVG path data with M/L/C/Q/Z (absolute or relative) → absolute segments.

    Enough for shapes drawn in any vector editor and saved with those commands; implicit
    repeats (``C`` followed by several coordinate groups) are supported.
    """
    tokens = _TOKEN.findall(text)
    out: list[Segment] = []
    i, cmd = 0, ""
    x = y = sx = sy = 0.0
    while i < len(tokens):
        tok = tokens[i]
        if tok.isalpha():
            cmd = tok
            i += 1
            if cmd in "Zz":
                out.append(("Z", ()))
                x, y = sx, sy
                continue
        elif not cmd or cmd in "Zz":
            raise ValueError(f"path data: number {tok!r} without a command")
        n = _ARITY[cmd.upper()]
        nums = [float(t) for t in tokens[i : i + n]]
        if len(nums) != n or any(t.isalpha() for t in tokens[i : i + n]):
            raise ValueError(f"path data: {cmd} needs {n} numbers")
        i += n
        if cmd.islower():
            nums = [v + (x if k % 2 == 0 else y) for k, v in enumerate(nums)]
        up = cmd.upper()
        out.append((up, tuple(nums)))
        x, y = nums[-2], nums[-1]
        if up == "M":
            sx, sy = x, y
            cmd = "l" if cmd.islower() else "L"  # SVG: coordinates after M are line-tos
    return tuple(out)
