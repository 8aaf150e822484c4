"""How a generation ends, as one typed value wherever it ran (this process, a worker
process, a Ray actor): made, refused (the input is at fault), broke (the generator failed)
or stopped (cancelled). :func:`attempt` is the one place that tells them apart; the front
ends turn the value into an exit status, a job event or a batch row without classifying
again.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass

from studio.errors import ExportError, classify, one_line
from studio.plugins.contract import (
    AnyGenerator,
    Artifact,
    Backend,
    Cancelled,
    CancelToken,
    InputError,
    Params,
    ProgressCallback,
    Request,
)


@dataclass(frozen=True)
class Made:
    """It finished: the files and the state that made them."""

    artifact: Artifact


@dataclass(frozen=True)
class Refused:
    """The input is at fault (the command exits 2): one line in the generator's words."""

    message: str


@dataclass(frozen=True)
class Broke:
    """The generator failed on accepted input (exit 1): its error type, one line, and the
    traceback for whoever debugs it."""

    kind: str
    message: str
    detail: str = ""

    @property
    def line(self) -> str:
        if not (self.kind and self.message):
            return self.kind or self.message
        return f"{self.kind}: {self.message}"


@dataclass(frozen=True)
class Stopped:
    """Cancelled before it finished."""

    reason: str = "cancelled"


Outcome = Made | Refused | Broke | Stopped


def check(generator: AnyGenerator, request: Request) -> tuple[Params, Backend] | Refused | Broke:
    """Validate a request once (params, backend, output, emotion form) before any work."""
    try:
        return generator.check_request(request)
    except ValueError as exc:
        return Refused(one_line(exc))
    except OSError as exc:  # the output's path itself (a name too long for the disk …)
        return Refused(classify(exc)[1])
    except Exception as exc:  # foreign validation code: a failure, with its type
        return _broke(exc)


def attempt(
    generator: AnyGenerator,
    request: Request,
    progress: ProgressCallback,
    cancel: CancelToken,
    checked: tuple[Params, Backend] | None = None,
) -> Outcome:
    """Run one request to its outcome; never raises for the generation's own failure
    (``KeyboardInterrupt`` passes through). ``checked``: the request was validated already
    (:func:`check`), with these params and backend."""
    if checked is None:
        found = check(generator, request)
        if isinstance(found, Refused | Broke):
            return found
        checked = found
    params, backend = checked
    try:
        return Made(generator.produce(request, params, backend, progress, cancel))
    except Cancelled:
        return Stopped()
    except (InputError, ExportError) as exc:  # the user's file, or an output not writable
        return Refused(one_line(exc))
    except RecursionError:  # a hostile input nested past the stack
        return Refused(f"{generator.id}: input nested too deeply")
    except Exception as exc:  # foreign generator code: any failure is one readable line
        return _broke(exc)


def _broke(exc: BaseException) -> Broke:
    return Broke(
        type(exc).__name__, one_line(str(exc)) if str(exc).strip() else "", traceback.format_exc()
    )
