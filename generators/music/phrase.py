"""One phrase of a piece: where it sits, its tempo and mode, the musical attributes it was
planned with, how it ends, and its chords. Planned by the composer, played by the parts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from generators.music import theory
from generators.music.attributes import Controls


@dataclass
class Phrase:
    start_bar: int
    bars: int
    tempo: float
    mode: str
    controls: Controls
    ends: str = "authentic"  # authentic | half | final
    chords: list[list[theory.Chord]] = field(default_factory=list)  # per bar, 1–2 chords
