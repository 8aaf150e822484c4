"""The one family of errors a generation raises below the front ends.

``BadInput`` is the user's to fix (the command exits 2); ``GenerationFailed`` means a
generator or the file work after it failed on accepted input (the command exits 1). Both
carry one readable line; the original exception is chained as ``__cause__``.
"""

from __future__ import annotations


class StudioError(Exception):
    """Base of the errors the session and option resolution raise."""


class BadInput(StudioError, ValueError):
    """Bad input: an option, a file, a request the generator refuses (exit 2)."""


class GenerationFailed(StudioError, RuntimeError):
    """A generator failed after its input was accepted (exit 1)."""
