"""Speech generator: text → Piper neural voice → emotional prosody → WAV/FLAC.

Kept light to import: piper, onnxruntime, parselmouth, scipy and soundfile load inside the
functions that need them, so ``studio list`` starts fast.
"""

from generators.speech.generator import SpeechGenerator
from generators.speech.params import SpeechParams

__all__ = ["SpeechGenerator", "SpeechParams"]
