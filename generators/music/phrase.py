"""One phrase of a piece: where it sits, its mode, the musical attributes it was planned
with (at its middle, and bar by bar along the arc), the tempo of each of its beats, how it
ends, and its chords. Planned by the composer, played by the parts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from generators.music import theory
from generators.music.attributes import Controls


@dataclass
class Phrase:
    start_bar: int
    bars: int
    tempo: float  # mean tempo of the phrase (bpm), for the plan summary
    mode: str
    controls: Controls  # at the phrase's middle: harmony plan and mode
    ends: str = "authentic"  # authentic | half | final
    chords: list[list[theory.Chord]] = field(default_factory=list)  # per bar, 1–2 chords
    bar_controls: list[Controls] = field(default_factory=list)  # per bar, at its middle
    tempi: list[float] = field(default_factory=list)  # bpm of every beat

    def at_bar(self, bar: int) -> Controls:
        """The attributes of one bar (the phrase's own where none were planned per bar)."""
        return self.bar_controls[bar] if self.bar_controls else self.controls
