"""An N×N valence–arousal grid of files (``studio sweep``), through the session.

No argparse and no printing: the front end passes plain values and a registry, and hears of
each finished file through ``on_result`` (e.g. to print its warnings).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio import session
from studio.emotion import Condition
from studio.errors import BadInput
from studio.library.atomic import atomic_write
from studio.library.history import History
from studio.options import EmotionOptions, collect_params, grid_values
from studio.plugins import ProgressCallback, Registry, Request
from studio.plugins.contract import no_progress
from studio.session import Result


@dataclass(frozen=True)
class Plan:
    """A validated sweep: its folder and, per file, its ``sweep.json`` row and request."""

    dir: Path
    cells: list[tuple[dict[str, Any], Request]]


@dataclass(frozen=True)
class Sweep:
    """A finished sweep: its folder, one row per file (as in ``sweep.json``), seconds."""

    dir: Path
    rows: list[dict[str, Any]]
    seconds: float


def plan(
    registry: Registry,
    kind: str,
    grid: int,
    out_dir: Path,
    *,
    emotion: EmotionOptions | None = None,
    ext: str | None = None,
    kind_options: Mapping[str, object] | None = None,
    param_items: Sequence[str] = (),
    seed: int = 0,
    backend: str | None = None,
) -> Plan:
    """Check everything and create the folder; the grid runs top row first, as the pad
    shows it. Only ``emotion.dominance`` may be given: the sweep sets valence and arousal."""
    emotion = emotion or EmotionOptions()
    held = emotion.given()
    if held:
        raise BadInput(f"sweep sets valence and arousal itself; drop {held[0]}")
    values = grid_values(grid)
    gen = registry.get(kind)
    suffix = (ext or gen.extensions[0]).lower()
    suffix = suffix if suffix.startswith(".") else f".{suffix}"
    if suffix not in gen.extensions:
        raise BadInput(f"ext: {gen.id} writes {', '.join(gen.extensions)}, not {suffix!r}")
    params = collect_params(gen, kind_options or {}, param_items)
    dominance = 0.0 if emotion.dominance is None else emotion.dominance
    Condition.from_vad(0.0, 0.0, dominance)  # validates dominance before any work
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInput(f"output: cannot create folder {out_dir}: {exc.strerror}") from None
    cells: list[tuple[dict[str, Any], Request]] = []
    for arousal in reversed(values):
        for valence in values:
            cond = Condition.from_vad(valence, arousal, dominance)
            name = f"{gen.id}_v{valence:+.2f}_a{arousal:+.2f}{suffix}"
            row = {
                "file": name,
                "valence": valence,
                "arousal": arousal,
                "dominance": dominance,
                "name": cond.name,
            }
            request = Request(
                generator=gen.id,
                output=out_dir / name,
                condition=cond,
                params=params,
                seed=seed,
                backend=backend,
            )
            cells.append((row, request))
    return Plan(out_dir, cells)


def run(
    registry: Registry,
    planned: Plan,
    *,
    history: History | None = None,
    progress_for: Callable[[Path], ProgressCallback] = lambda path: no_progress,
    on_result: Callable[[Result], None] = lambda result: None,
) -> Sweep:
    """Generate every file of the plan through the session, then write ``sweep.json``."""
    started = time.perf_counter()
    for _, request in planned.cells:
        result = session.generate(
            registry, request, history=history, progress=progress_for(request.output)
        )
        on_result(result)
    rows = [row for row, _ in planned.cells]
    with atomic_write(planned.dir / "sweep.json", "w", encoding="utf-8") as fh:
        fh.write(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
    return Sweep(planned.dir, rows, time.perf_counter() - started)
