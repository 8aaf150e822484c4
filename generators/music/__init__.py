"""Music generator: continuous emotion → symbolic music (MIDI) and audio.

Kept light to import: pretty_midi, midirenderer and soundfile load inside the functions
that need them, so ``studio list`` starts fast.
"""

from generators.music.generator import MusicGenerator, MusicParams

__all__ = ["MusicGenerator", "MusicParams"]
