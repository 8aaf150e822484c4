"""Talking-head generator: a stylised 2D character lip-syncing speech with emotion → MP4.

Kept light to import: skia, PyAV, soundfile and the rig load inside ``render``.
"""

from generators.talking_head.generator import TalkingHeadGenerator
from generators.talking_head.params import TalkingHeadParams

__all__ = ["TalkingHeadGenerator", "TalkingHeadParams"]
