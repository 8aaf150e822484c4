"""The ``clip`` generator: voice, face, music bed and backdrop composed along one arc."""

from generators.clip.generator import ClipGenerator

__all__ = ["ClipGenerator"]
