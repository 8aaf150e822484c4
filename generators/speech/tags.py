"""Inline emotion tags: ``[joy] Good morning! [sadness:0.6] But it rained.``

A tag switches the emotion for the text after it, up to the next tag:

- ``[joy]``: a primary at the default intensity (0.6, the basic rung of its ladder);
- ``[sadness:0.6]``: a primary at intensity 0.6;
- ``[joy:0.3,trust:0.3]``: a blend; each weight is that primary's share of intensity, so
  this is love at intensity 0.6 (weights may not add up to more than 1);
- ``[neutral]``: no emotion;
- ``[melancholy]`` or ``[calm:0.5]``: a word from the emotion lexicon (its VAD point, scaled
  by the weight when one is given).

Text before the first tag follows the request's condition or trajectory. ``[[ … ]]`` is
left alone: it is Piper's syntax for raw phonemes.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from typing import Final

from studio.emotion import DEFAULT_INTENSITY, PRIMARY_IDS, Condition, lexicon

TAG: Final = re.compile(r"(?<!\[)\[([^\[\]]*)\](?!\])")
PHONEMES: Final = re.compile(r"\[\[[^\[\]]*\]\]")
HOW: Final = "write each tag closed and on its own, e.g. '[joy] Hello. [sadness:0.6] Goodbye.'"


@dataclass(frozen=True)
class Part:
    """A stretch of text and the emotion it is spoken with (``None``: the request's)."""

    text: str
    condition: Condition | None
    tag: str | None = None


def parse(text: str) -> list[Part]:
    """Split ``text`` at its tags; parts with nothing to say are dropped.

    A bracket that is not part of a whole tag (or of a ``[[ … ]]`` phoneme block) is a
    malformed or nested tag and raises ValueError, so it is never read aloud."""
    check_brackets(text)
    parts: list[Part] = []
    condition: Condition | None = None
    tag: str | None = None
    pos = 0
    for match in TAG.finditer(text):
        _add(parts, text[pos : match.start()], condition, tag)
        tag = match.group(0)
        condition = parse_tag(match.group(1))
        pos = match.end()
    _add(parts, text[pos:], condition, tag)
    return parts


def check_brackets(text: str) -> None:
    """Raise ValueError naming the first bracket outside a whole tag or phoneme block."""
    blanked = TAG.sub(_blank, PHONEMES.sub(_blank, text))
    at = min((i for i in (blanked.find("["), blanked.find("]")) if i >= 0), default=-1)
    if at < 0:
        return
    near = " ".join(text[max(0, at - 10) : at + 20].split())
    rest = blanked[at + 1 :]
    close, reopen = rest.find("]"), rest.find("[")
    if blanked[at] == "]":
        problem = "a ']' closes no tag"
    elif close >= 0 and (reopen < 0 or close < reopen):
        problem = "emotion tags cannot be nested"  # a whole tag sat inside this one
    else:
        problem = "an emotion tag is not closed"
    raise ValueError(f"{problem} (near {near!r}); {HOW}")


def _blank(match: re.Match[str]) -> str:
    return " " * len(match.group(0))


def spoken_text(text: str) -> str:
    """The text without its tags (what is spoken)."""
    return " ".join(TAG.sub(" ", text).split())


def _add(parts: list[Part], chunk: str, condition: Condition | None, tag: str | None) -> None:
    spoken = " ".join(chunk.split())
    if any(ch.isalnum() for ch in spoken):
        parts.append(Part(spoken, condition, tag))


def parse_tag(body: str) -> Condition:
    """The condition a tag's body names (raises ValueError naming the tag)."""
    items = [item.strip() for item in body.split(",")]
    if not body.strip() or any(not item for item in items):
        raise ValueError(f"empty emotion tag [{body}]")
    if len(items) == 1 and items[0].split(":")[0].strip().lower() == "neutral":
        if ":" in items[0]:
            raise ValueError("the [neutral] tag takes no weight")
        return Condition.neutral()
    weights: dict[str, float] = {}
    explicit = False
    for item in items:
        name, sep, raw = item.partition(":")
        key = name.strip().lower()
        weight = _weight(body, raw) if sep else None
        explicit = explicit or weight is not None
        if key in PRIMARY_IDS:
            if key in weights:
                raise ValueError(f"emotion tag [{body}] names {key!r} twice")
            weights[key] = DEFAULT_INTENSITY if weight is None else weight
            continue
        if len(items) == 1:
            return _word(body, key, weight)
        raise ValueError(_unknown(key, body))
    if not explicit:  # [joy,trust]: an even blend at the default intensity
        return Condition.from_mixture(
            {k: 1.0 for k in weights}, DEFAULT_INTENSITY, normalise=True, label=None
        )
    total = sum(weights.values())
    if total > 1.0 + 1e-9:
        raise ValueError(f"emotion tag [{body}]: weights add up to {total:g}; at most 1")
    if total <= 0.0:
        return Condition.neutral()
    mixture = {k: w / total for k, w in weights.items() if w > 0}
    return Condition.from_mixture(mixture, min(total, 1.0), normalise=True)


def _weight(body: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"emotion tag [{body}]: weight {raw.strip()!r} is not a number") from None
    if not math.isfinite(value) or not 0.0 <= value <= 1.0:
        raise ValueError(f"emotion tag [{body}]: weight must be in [0, 1], got {raw.strip()}")
    return value


def _word(body: str, key: str, weight: float | None) -> Condition:
    try:
        entry = lexicon.lookup(key)
    except ValueError:
        raise ValueError(_unknown(key, body)) from None
    scale = 1.0 if weight is None else weight
    v, a, d = (scale * x for x in entry.vad)
    return Condition.from_vad(v, a, d, label=entry.word)


def _unknown(key: str, body: str) -> str:
    names = [*PRIMARY_IDS, "neutral"]
    close = difflib.get_close_matches(key, names, n=2, cutoff=0.6)
    close += [w for w in lexicon.suggest(key) if w not in close]
    hint = f"; did you mean {', '.join(close[:3])}?" if close else ""
    return (
        f"unknown emotion tag [{body}]{hint} (tags name one of the eight primaries, "
        "neutral, or a lexicon word)"
    )
