"""Option resolution, shared by every front end (no Qt, no argparse).

The command's emotion options, condition/trajectory files and kind options arrive here as
plain values (:class:`EmotionOptions`, a mapping of kind options, ``KEY=VALUE`` strings) and
leave as one :class:`~studio.emotion.Condition` or :class:`~studio.emotion.Trajectory` and
the raw params for a generator's model. Bad input raises :class:`~studio.errors.BadInput`
(or a ``ValueError`` of the emotion schema naming the field).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from studio.emotion import DEFAULT_INTENSITY, Condition, Trajectory, check_mixture
from studio.emotion.blending import check_unit
from studio.errors import BadInput, printable
from studio.library.inputs import MAX_JSON_DEPTH, check_regular, json_depth, read_json
from studio.plugins import AnyGenerator, Registry
from studio.plugins.roles import Role, fields_with, first_with


# Kind options are the params fields a generator marks ``Role.OPTION``: ``--sample-rate``
# sets ``sample_rate``. The names come from the installed generators' manifests (no plugin
# is imported to learn them); a generator that lacks the field rejects the option clearly.
def option_names(registry: Registry) -> tuple[str, ...]:
    """Every kind option the installed generators declare, in panel order, each once."""
    return tuple(option_kinds(registry))


def option_kinds(registry: Registry) -> dict[str, bool]:
    """Every kind option, and whether it is a switch (``--music`` / ``--no-music``): a
    switch where every generator that declares the name declares a plain bool."""
    kinds: dict[str, bool] = {}
    for manifest in registry.manifests().values():
        for name in manifest.with_role(Role.OPTION):
            switch = manifest.fields[name].switch
            kinds[name] = kinds.get(name, switch) and switch
    return kinds


MAX_GRID = 32


@dataclass(frozen=True)
class EmotionOptions:
    """The ways to give an emotion (DESIGN §6); ``None`` means not given."""

    valence: float | None = None
    arousal: float | None = None
    dominance: float | None = None
    emotion: str | None = None
    intensity: float | None = None
    word: str | None = None
    condition: Path | Condition | None = None  # a file, or a condition already parsed
    trajectory: Path | Trajectory | None = None

    def given(self) -> list[str]:
        """The options given, as ``--name`` (dominance aside), in the command's order."""
        names = ("valence", "arousal", "emotion", "word", "condition", "trajectory", "intensity")
        return [f"--{n}" for n in names if getattr(self, n) is not None]


def parse_mixture(text: str) -> dict[str, float]:
    """``joy:0.6,trust:0.4`` (or ``joy``) → weights, normalised to sum 1."""
    weights: dict[str, float] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, _, raw = part.partition(":")
        key = name.strip().lower()
        try:
            value = float(raw) if raw.strip() else 1.0
        except ValueError:
            raise BadInput(
                f"emotion: weight of {printable(key, 40)!r} is not a number: {printable(raw, 40)!r}"
            ) from None
        if key in weights:
            raise BadInput(f"emotion: {printable(key, 40)!r} is given twice")
        weights[key] = value
    if not weights:
        raise BadInput("emotion: empty mixture")
    if all(math.isfinite(w) for w in weights.values()) and not math.isfinite(sum(weights.values())):
        # joy:1e308,trust:1e308 sums to inf: normalising would silently give 0 and 0.
        raise BadInput("emotion: weights too large to normalise; use weights such as 0.6,0.4")
    return check_mixture(weights, normalise=True)


def state_file(path: Path, want: str) -> Any:
    """The ``condition`` or ``trajectory`` dict a file holds: a plain condition/trajectory
    JSON, a sidecar or ``--json`` result record, or any file the studio exported."""
    if path.suffix.lower() == ".json":
        data = read_json(path, want)
        if not (isinstance(data, dict) and ("condition" in data or "trajectory" in data)):
            return data  # a bare condition or trajectory document
        state = data
    else:
        check_regular(path, want)  # a FIFO or device is refused before anything opens it
        from studio.library.export import read_state

        state = read_state(path)
    if want not in state:
        other = "--trajectory" if want == "condition" else "--condition"
        raise BadInput(f"{want}: {printable(path, 200)} holds no {want}; try {other}")
    return state[want]


def load_state(path: Path, want: str) -> Condition | Trajectory:
    """The condition or trajectory in ``path`` (see :func:`state_file`); a document that
    does not parse names the file, and one of the other kind says which option takes it."""
    data = state_file(path, want)
    where = f"{want} {printable(path, 200)}"
    if isinstance(data, dict):
        other = "trajectory" if "keyframes" in data else "condition" if "vad" in data else None
        if other is not None and other != want:
            raise BadInput(f"{where}: this is a {other}, not a {want}; try --{other}")
    try:
        if want == "trajectory":
            return Trajectory.from_dict(data)
        return Condition.from_dict(data)
    except ValueError as exc:
        raise BadInput(f"{where}: {exc}") from None


def resolve_state(opts: EmotionOptions) -> Condition | Trajectory:
    """The one emotional state the options describe."""
    ways = {
        "--valence/--arousal": opts.valence is not None or opts.arousal is not None,
        "--emotion": opts.emotion is not None,
        "--word": opts.word is not None,
        "--condition": opts.condition is not None,
        "--trajectory": opts.trajectory is not None,
    }
    chosen = [k for k, v in ways.items() if v]
    if len(chosen) > 1:
        raise BadInput(f"choose one way to give the emotion, got {' and '.join(chosen)}")
    way = chosen[0] if chosen else None
    if opts.trajectory is not None:
        if opts.intensity is not None or opts.dominance is not None:
            raise BadInput("--intensity/--dominance cannot modify a --trajectory")
        if isinstance(opts.trajectory, Trajectory):
            return opts.trajectory
        return load_state(opts.trajectory, "trajectory")
    if way == "--valence/--arousal" or way is None:
        if way is None and opts.intensity is not None:
            raise BadInput("intensity: needs an emotion (--emotion, --word or a VAD point)")
        cond = Condition.from_vad(
            0.0 if opts.valence is None else opts.valence,
            0.0 if opts.arousal is None else opts.arousal,
            0.0 if opts.dominance is None else opts.dominance,
        )
        return cond if opts.intensity is None else cond.with_intensity(opts.intensity)
    if opts.emotion is not None:
        cond = Condition.from_mixture(
            parse_mixture(opts.emotion),
            DEFAULT_INTENSITY if opts.intensity is None else opts.intensity,
        )
    elif opts.word is not None:
        from studio.emotion.lexicon import lookup

        cond = lookup(opts.word).condition()
        if opts.intensity is not None:
            cond = cond.with_intensity(opts.intensity)
    else:
        assert opts.condition is not None
        if isinstance(opts.condition, Condition):
            cond = opts.condition
        else:
            loaded = load_state(opts.condition, "condition")
            assert isinstance(loaded, Condition)
            cond = loaded
        if opts.intensity is not None:
            cond = cond.with_intensity(opts.intensity)
    if opts.dominance is not None:
        d = check_unit("dominance", opts.dominance)
        cond = Condition(
            cond.valence,
            cond.arousal,
            d,
            mixture=cond.mixture,
            intensity=cond.intensity,
            label=cond.label,
        )
    return cond


def collect_params(
    gen: AnyGenerator,
    kind_options: Mapping[str, object],
    items: Sequence[str] = (),
    values: Mapping[str, Any] | None = None,
    arc: str | None = None,
) -> dict[str, Any]:
    """Kind options (``None`` = not given), ``KEY=VALUE`` items (a VALUE is parsed as JSON
    when it can be) and already typed ``values`` (a batch line's ``param`` object) → raw
    params for the generator's model; ``arc``: ``--arc auto|given`` (:func:`arc_params`)."""
    fields = gen.params_model.model_fields
    takes = fields_with(gen.params_model, Role.OPTION)
    params: dict[str, Any] = {}
    for name, value in kind_options.items():
        if value is None:
            continue
        if name not in takes:
            raise BadInput(f"{gen.id} does not take --{name.replace('_', '-')}")
        params[name] = value
    for key, value in (values or {}).items():
        key = str(key).replace("-", "_")
        if key not in fields:
            raise BadInput(f"{gen.id} has no parameter {key!r} (has {', '.join(fields)})")
        params[key] = value
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not key:
            raise BadInput(f"param: expected KEY=VALUE, got {item!r}")
        if key not in fields:
            raise BadInput(f"{gen.id} has no parameter {key!r} (has {', '.join(fields)})")
        if json_depth(raw.encode("utf-8", "surrogatepass")) > MAX_JSON_DEPTH:
            raise BadInput(f"param {key}: value nested too deeply (at most {MAX_JSON_DEPTH})")
        try:
            params[key] = json.loads(raw)
        except json.JSONDecodeError:
            params[key] = raw
    if arc is not None:
        params.update(arc_params(gen, arc, params))
    return params


ARC_CHOICES = ("auto", "given")


def arc_params(gen: AnyGenerator, arc: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """``--arc auto|given``: a generator with an arc-mode field decides itself; one whose
    field carries the spoken script gets it with an emotion tag proposed before each
    sentence (studio.emotion.script_arc)."""
    from studio.emotion.script_arc import has_tags, tagged_script

    if arc not in ARC_CHOICES:
        raise BadInput(f"--arc must be one of {', '.join(ARC_CHOICES)}, got {arc!r}")
    mode = first_with(gen.params_model, Role.ARC_MODE)
    if mode is not None:
        return {mode: arc}
    if arc == "given":
        return {}
    script = first_with(gen.params_model, Role.SCRIPT)
    text = params.get(script) if script else None
    if script is None:
        raise BadInput(f"--arc auto: {gen.id} has no script to read an arc from")
    if not isinstance(text, str) or not text.strip():
        flag = script.replace("_", "-")
        raise BadInput(f"--arc auto: {gen.id} needs a script (--{flag}) to read an arc from")
    if has_tags(text):
        raise BadInput("--arc auto: the text already has tags; drop --arc auto or the tags")
    return {script: tagged_script(text)}


def grid_values(n: int) -> list[float]:
    """``n`` evenly spaced values across [-1, 1] (just 0 for n = 1)."""
    if not 1 <= n <= MAX_GRID:
        raise BadInput(f"grid must be in [1, {MAX_GRID}], got {n}")
    return [0.0] if n == 1 else [round(float(x), 6) for x in np.linspace(-1.0, 1.0, n)]
