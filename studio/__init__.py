"""Emotion Studio: media that carries a chosen emotion."""

__version__ = "0.1.0"
