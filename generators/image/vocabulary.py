"""A small built-in vocabulary: prompt words steer motif, style and palette.

Each entry names the elements the landscape style draws (ridges, water, trees, city,
lighthouse, fire, stars, rain, clouds, sun, flowers), the styles it suits, an optional
hue (CIELAB hue angle, degrees) that pulls the palette part of the way, and a time-of-day
nudge. Matching is by whole word, with simple plural/-y forms, so "seas", "stormy" and
"forests" work. Words not in the vocabulary are ignored (they still go to the diffusers
prompt when that backend is used).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Final


@dataclass(frozen=True)
class Entry:
    elements: frozenset[str]
    styles: tuple[str, ...] = ("landscape",)
    hue: float | None = None
    daylight: float = 0.0


def _e(
    elements: str, styles: str = "landscape", hue: float | None = None, day: float = 0.0
) -> Entry:
    return Entry(frozenset(elements.split()), tuple(styles.split()), hue, day)


# Hue angles are CIELAB h_ab: red ≈ 40, orange ≈ 60, yellow ≈ 95, green ≈ 140,
# cyan ≈ 200, blue ≈ 260–290, purple ≈ 320.
VOCABULARY: Final[dict[str, Entry]] = {
    "sea": _e("ridges water", hue=235),
    "ocean": _e("water", hue=240),
    "lake": _e("ridges water trees", hue=220),
    "water": _e("water", "landscape wash", hue=225),
    "wave": _e("water", "landscape flow", hue=230),
    "beach": _e("water", hue=80),
    "lighthouse": _e("ridges water lighthouse", hue=240),
    "tower": _e("ridges tower"),
    "forest": _e("ridges trees", hue=140),
    "tree": _e("ridges trees", hue=135),
    "wood": _e("ridges trees", hue=130),
    "jungle": _e("ridges trees", "landscape flow", hue=145, day=0.2),
    "mountain": _e("ridges peaks"),
    "hill": _e("ridges"),
    "valley": _e("ridges trees"),
    "desert": _e("ridges dunes", hue=70, day=0.4),
    "dune": _e("dunes", hue=70),
    "field": _e("ridges flowers", hue=110),
    "meadow": _e("ridges flowers", hue=120, day=0.3),
    "garden": _e("flowers trees", "landscape wash", hue=130),
    "flower": _e("flowers", "landscape wash flow", hue=350),
    "city": _e("ridges city", hue=270),
    "town": _e("ridges city"),
    "street": _e("city", hue=280),
    "skyline": _e("city"),
    "building": _e("city"),
    "sky": _e("clouds", "wash landscape", hue=250),
    "cloud": _e("clouds", "wash landscape", hue=255),
    "storm": _e("clouds rain", "landscape flow", hue=265, day=-0.4),
    "rain": _e("clouds rain", "landscape wash", hue=250, day=-0.3),
    "thunder": _e("clouds rain", "shards landscape", hue=270, day=-0.5),
    "fire": _e("fire", "flow landscape", hue=45),
    "flame": _e("fire", "flow", hue=50),
    "ember": _e("fire", "flow", hue=40, day=-0.5),
    "sun": _e("sun", "landscape wash", hue=75, day=0.5),
    "sunrise": _e("ridges sun", hue=60, day=0.1),
    "sunset": _e("ridges sun water", hue=45, day=-0.1),
    "dawn": _e("ridges sun", hue=20, day=0.0),
    "dusk": _e("ridges", hue=300, day=-0.2),
    "night": _e("ridges stars moon", hue=275, day=-0.8),
    "moon": _e("ridges moon stars", hue=265, day=-0.7),
    "star": _e("stars", "flow landscape", hue=280, day=-0.9),
    "space": _e("stars", "flow", hue=290, day=-1.0),
    "galaxy": _e("stars", "flow", hue=300, day=-1.0),
    "cosmos": _e("stars", "flow", hue=295, day=-1.0),
    "snow": _e("ridges peaks snow", hue=250, day=0.3),
    "winter": _e("ridges trees snow", hue=250, day=0.2),
    "ice": _e("peaks", "shards landscape", hue=230),
    "crystal": _e("", "shards", hue=300),
    "glass": _e("", "shards", hue=210),
    "river": _e("ridges water trees", hue=210),
}

_WORD = re.compile(r"[a-z]+")


def _stem(word: str) -> str:
    if word in VOCABULARY:
        return word
    for suffix, repl in (("ies", "y"), ("es", ""), ("s", ""), ("y", ""), ("ing", "")):
        if word.endswith(suffix) and word[: -len(suffix)] + repl in VOCABULARY:
            return word[: -len(suffix)] + repl
    return word


@dataclass(frozen=True)
class Motif:
    """What a prompt asks for, merged over its known words."""

    words: tuple[str, ...] = ()
    elements: frozenset[str] = field(default_factory=frozenset)
    styles: tuple[str, ...] = ()
    hue: float | None = None
    daylight: float = 0.0

    def to_dict(self) -> dict[str, object]:
        return {
            "words": list(self.words),
            "elements": sorted(self.elements),
            "styles": list(self.styles),
            "hue": None if self.hue is None else round(self.hue, 1),
        }


def parse(prompt: str | None) -> Motif:
    """The motif of a prompt (empty motif for no prompt or no known word)."""
    if not prompt:
        return Motif()
    found = [_stem(w) for w in _WORD.findall(prompt.lower())]
    known = [w for w in dict.fromkeys(found) if w in VOCABULARY]
    if not known:
        return Motif()
    entries = [VOCABULARY[w] for w in known]
    elements = frozenset().union(*(e.elements for e in entries))
    styles = tuple(dict.fromkeys(s for e in entries for s in e.styles))
    hues = [e.hue for e in entries if e.hue is not None]
    hue = None
    if hues:  # circular mean of the words' hues
        x = sum(math.cos(math.radians(h)) for h in hues)
        y = sum(math.sin(math.radians(h)) for h in hues)
        hue = math.degrees(math.atan2(y, x)) % 360.0
    day = sum(e.daylight for e in entries) / len(entries)
    return Motif(tuple(known), elements, styles, hue, day)
