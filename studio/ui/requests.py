"""What a panel asks a generator for, apart from any widget (no Qt): the params as the
plugin's roles shape them for an arc, a live draft or a preview, and when two requests
make the same file."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from pydantic import BaseModel

from studio.emotion import Trajectory
from studio.plugins.contract import Request
from studio.plugins.roles import Role, first_with

# While the pointer moves, previews render small (a 256² image takes a fraction of the time
# of a 768² one; benchmarks/ui_live_drag.py), then once more at full size when it rests.
DRAFT_SIDE: Final = 256
_SIZE = re.compile(r"^\s*(\d+)\s*(?:[x×*]\s*(\d+))?\s*$", re.IGNORECASE)


def draft_size(size: Any, side: int = DRAFT_SIDE) -> str | None:
    """A smaller "WxH" of the same shape for a preview, or None if ``size`` is small."""
    m = _SIZE.match(str(size)) if size is not None else None
    if m is None:
        return None
    w = int(m.group(1))
    h = int(m.group(2)) if m.group(2) else w
    if max(w, h) <= side:
        return None
    scale = side / max(w, h)
    return f"{max(64, round(w * scale))}x{max(64, round(h * scale))}"


def shaped_params(
    model: type[BaseModel],
    params: Mapping[str, Any],
    defaults: Mapping[str, Any],
    *,
    arc: Trajectory | None = None,
    draft: bool = False,
    preview: bool = False,
) -> dict[str, Any]:
    """The form's ``params`` as the request carries them. Following an arc, the field
    marked ``ARC_LENGTH`` is the arc's length; a draft shrinks the ``FRAME_SIZE`` field; a
    preview switches the ``DRAFT`` field on (the generator's own quick mode)."""
    out = dict(params)
    length, size, quick = (
        first_with(model, r) for r in (Role.ARC_LENGTH, Role.FRAME_SIZE, Role.DRAFT)
    )
    if arc is not None and length is not None:
        out[length] = round(arc.end, 3)
    if draft and size is not None:
        current = out.get(size, defaults.get(size))
        small = draft_size(current)
        if small is not None:  # a square side stays a number ("512" → 256)
            out[size] = int(small.split("x")[0]) if isinstance(current, int) else small
    if preview and quick is not None:
        out[quick] = True
    return out


def same_work(a: Request, b: Request) -> bool:
    """Two requests that would make the same file (only the output name differs)."""
    return (
        a.condition == b.condition
        and a.trajectory == b.trajectory
        and dict(a.params) == dict(b.params)
        and (a.seed, a.backend, a.output.suffix) == (b.seed, b.backend, b.output.suffix)
    )
