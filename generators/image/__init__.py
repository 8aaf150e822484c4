"""Image generator: emotion → procedural mood pieces, photo grades, or diffusion images.

Kept light to import: skia, scikit-image, scipy, Pillow and (for the diffusers backend)
torch and diffusers load inside the functions that need them, so ``studio list`` starts
fast.
"""

from generators.image.generator import ImageGenerator
from generators.image.params import ImageParams

__all__ = ["ImageGenerator", "ImageParams"]
