"""Which lines are already done: their output exists and carries the state of this request.

The comparison is with what a generation embeds (generator, backend, validated params,
seed, condition or trajectory), so a line whose request changed in any of these is made
again, and a file without its state (not made by the studio, or damaged) counts as not
made. A file the line reads (a recording, a photo, a model) names the same path after it
is replaced, so, as make does, a line is also made again when such a file is newer than
its output (a re-recorded voice line).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from studio.batch.lines import Line
from studio.library.export import read_state
from studio.plugins import Registry

COMPARED = ("generator", "backend", "params", "seed", "condition", "trajectory")
# Params naming a file the generation reads: its content is not in the embedded state.
INPUT_FILES = ("input", "audio", "portrait", "model")


def expected_state(registry: Registry, line: Line) -> dict[str, Any]:
    """The part of the embedded state this line's request determines (as JSON would hold it)."""
    gen = registry.get(line.request.generator)
    params, backend = gen.check_request(line.request)
    state = {
        "generator": gen.id,
        "backend": backend.name,
        "params": params.model_dump(mode="json"),
        "seed": line.request.seed,
        **line.request.state_dict(),
    }
    return json.loads(json.dumps(state))  # tuples → lists, as read back from a file


def is_done(registry: Registry, line: Line) -> bool:
    """``True`` when the line's output exists and carries exactly this request's state."""
    output = line.request.output
    if not output.is_file():
        return False
    try:
        found = read_state(output)
    except (ValueError, OSError):  # no state, or unreadable: make it again
        return False
    want = expected_state(registry, line)
    same = all(found.get(k) == want.get(k) for k in COMPARED if k != "params")
    return (
        same
        and _same_params(found.get("params"), want["params"], set(line.request.params))
        and not _inputs_newer(want["params"], output)
    )


def _inputs_newer(params: dict[str, Any], output: Path) -> bool:
    """Whether a file the line reads changed after its output was made."""
    made = output.stat().st_mtime_ns
    for key in INPUT_FILES:
        value = params.get(key)
        if not isinstance(value, str) or not value:
            continue
        try:
            if os.stat(value).st_mtime_ns > made:
                return True
        except OSError:  # a name, not a path (a model in the models folder), or gone
            continue
    return False


def _same_params(found: Any, want: dict[str, Any], given: set[str]) -> bool:
    """Every option the line gives is in the file with the same value, and so is every
    default both know. A parameter the generator gained since the file was made (absent
    from the file) is not a different request; a changed default is."""
    if not isinstance(found, dict) or not given <= found.keys():
        return False
    return all(found[k] == want[k] for k in want.keys() & found.keys())
