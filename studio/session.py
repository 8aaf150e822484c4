"""One generation, start to finish, for every front end (no Qt, no argparse).

``generate`` runs a :class:`~studio.plugins.Request` in this process. The generator renders
into a private staging file beside the output (:func:`stage`); :func:`keep` embeds the
state that made it into that file (or writes the sidecar, for formats that cannot carry
it), moves it onto the output in one rename and then records the generation in the
history. A failure or an interrupt at any point leaves the previous file or nothing at the
output — never a file without its state. The command calls ``generate``; the window's job
bridge stages its requests with :func:`stage` and calls ``keep`` when a worker's job
finishes (or :func:`discard` when it does not). Nothing else embeds or records a finished
generation.

Errors are :class:`~studio.errors.BadInput` (exit 2) or
:class:`~studio.errors.GenerationFailed` (exit 1); ``Cancelled`` and ``KeyboardInterrupt``
pass through. A history that cannot be written is a warning on the result, not an error:
the file is what matters.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import stat
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from studio.errors import BadInput, GenerationFailed, printable
from studio.library.atomic import ExportError, Staging, move_into_place
from studio.library.export import sidecar_path, write_sidecar
from studio.library.history import Entry, History, HistoryError
from studio.library.metadata import embed, embed_here, encode_payload, supports_embedding
from studio.plugins import (
    Artifact,
    Cancelled,
    CancelToken,
    ProgressCallback,
    Registry,
    Request,
)
from studio.plugins.contract import NeverCancel, no_progress
from studio.plugins.outcome import Broke, Made, Refused, Stopped, attempt, check


def embedded_payload(artifact: Artifact) -> dict[str, Any]:
    """What goes inside the file: everything that made it, not how long it took."""
    return {k: v for k, v in artifact.metadata.items() if k != "timings"}


@dataclass(frozen=True)
class Kept:
    """A finished generation once its state is embedded: its files where they now are, and
    its history row, if recorded."""

    artifact: Artifact
    entry: Entry | None = None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Staged:
    """A request the session staged (:func:`stage`). The generator renders :attr:`render`,
    whose output is the private staging file :attr:`path` beside ``request.output``;
    :func:`keep` embeds the state there and renames it onto ``request.output`` once. The
    window, local batches and Ray batches hand this one value around; the request itself
    never names its staging file."""

    request: Request
    path: Path

    @property
    def render(self) -> Request:
        """What a generator (in this process, a worker or a Ray actor) is asked to make."""
        return replace(self.request, output=self.path)

    def named(self, artifact: Artifact) -> Artifact:
        """``artifact`` with the staging file named by the output it becomes."""
        files = tuple(self.request.output if f == self.path else f for f in artifact.files)
        return Artifact(files=files, metadata=artifact.metadata)


@dataclass(frozen=True)
class Result:
    """A generation that finished and was kept."""

    artifact: Artifact
    seconds: float
    entry: Entry | None = None
    warnings: tuple[str, ...] = ()

    def record(self) -> dict[str, Any]:
        """The JSON result record (``studio generate --json``, DESIGN §6)."""
        meta = self.artifact.metadata
        state = {k: meta[k] for k in ("condition", "trajectory") if k in meta}
        return {
            "file": str(self.artifact.path),
            "files": [str(f) for f in self.artifact.files],
            **state,
            "seconds": round(self.seconds, 4),
            "features": meta.get("features", {}),
            "generator": meta["generator"],
            "backend": meta["backend"],
            "seed": meta["seed"],
            "params": meta["params"],
        }


# -- staging ---------------------------------------------------------------------------------
def check_output(output: Path) -> None:
    """Refuse an output the final rename could not take, before any work."""
    name_max = 255  # NAME_MAX on Linux, macOS and Windows file systems
    with contextlib.suppress(OSError, ValueError, AttributeError):
        name_max = os.pathconf(output.parent, "PC_NAME_MAX")
    size = len(os.fsencode(output.name))
    if size > name_max:
        raise BadInput(
            f"output: file name too long ({size} bytes; at most {name_max}): "
            f"{printable(output.name, 40)}"
        )
    try:
        st = output.stat()
    except (FileNotFoundError, NotADirectoryError):
        return
    except OSError as exc:
        raise BadInput(f"output: {printable(output, 200)}: {exc.strerror}") from None
    if stat.S_ISREG(st.st_mode) and not st.st_mode & 0o222:
        raise BadInput(
            f"output: {printable(output, 200)} is read-only; make it writable or choose "
            "another name"
        )


def stage(request: Request) -> Staged:
    """``request`` with a fresh staging file beside its output.

    Removes stale temp files of ours from that folder first (a killed run's). Call
    :func:`keep` with the staged request when it finished, :func:`discard` otherwise.
    """
    try:
        staging = Staging(request.output)
    except ExportError as exc:
        raise BadInput(str(exc)) from exc
    return Staged(request, staging.path)


def discard(staged: Staged | None) -> None:
    """Remove a staged request's staging folder and whatever is in it (idempotent)."""
    if staged is None:
        return
    staging = Staging.of(staged.path)
    if staging is not None:
        staging.discard()
    elif Staging.is_staged(staged.path):  # staged by another process
        shutil.rmtree(staged.path.parent, ignore_errors=True)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGTERM / SIGINT over the final renames so they complete together; a signal
    that arrives meanwhile is delivered right after.

    Python runs signal handlers only in the main thread, whichever thread the kernel
    picked, so blocking the signal in this thread (``pthread_sigmask``) is not enough once
    other threads exist (BLAS pools, the job queue, Ray): the handlers themselves are
    swapped for one that only notes the signal, then put back and the signal re-raised.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = (signal.SIGTERM, signal.SIGINT)
    previous = {sig: signal.getsignal(sig) for sig in held}
    if any(handler is None for handler in previous.values()):  # installed outside Python
        yield
        return
    arrived: list[int] = []

    def note(signum: int, frame: object) -> None:
        arrived.append(signum)

    for sig in held:
        signal.signal(sig, note)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for signum in dict.fromkeys(arrived):
            signal.raise_signal(signum)


def _prepare_staged(done: Staged, payload: dict[str, Any]) -> Callable[[], None]:
    """Embed into the staging file (or stage a sidecar); return the step that renames it
    onto the output (with the sidecar first, put back if the file cannot follow)."""
    staged, target = done.path, done.request.output
    staging = Staging.of(staged)
    if not staged.is_file():
        raise GenerationFailed(f"{printable(target, 200)}: the generator left no file")
    side_tmp: Path | None = None
    if supports_embedding(target):
        embed_here(staged, payload, label=target)
    else:
        encode_payload(payload)
        side_tmp = staged.parent / sidecar_path(staged).name
        write_sidecar(staged, payload)

    def commit() -> None:
        restore = _place_sidecar(side_tmp, target) if side_tmp is not None else None
        try:
            if staging is not None:
                staging.commit()
            else:
                move_into_place(staged, target)
                shutil.rmtree(staged.parent, ignore_errors=True)
        except BaseException:
            if restore is not None:
                restore()  # the old file stays: so does its old sidecar
            raise

    return commit


def _place_sidecar(side_tmp: Path, target: Path) -> Callable[[], None]:
    """Put the new sidecar in place before the file it describes (the file never appears
    without its state); return how to put the previous sidecar back."""
    side = sidecar_path(target)
    backup = side_tmp.with_name(side_tmp.name + ".previous")
    had = os.path.lexists(side)
    if had:
        os.replace(side, backup)  # same file system: the staging folder is beside it
    try:
        move_into_place(side_tmp, side)
    except BaseException:
        if had:
            os.replace(backup, side)
        raise

    def restore() -> None:
        if had:
            os.replace(backup, side)
        else:
            side.unlink(missing_ok=True)

    return restore


def keep(artifact: Artifact, staged: Staged | Request, history: History | None) -> Kept:
    """Embed the state into the generated file (or a sidecar beside it), then record it.

    A staged request (:func:`stage`) is finished in its staging file and renamed onto
    the output in one step (the artifact may name either); a plain request's file at the
    output is tagged in place atomically. Raises ``BadInput`` when the file's folder cannot
    be written, ``GenerationFailed`` when the file cannot be tagged; a history problem
    becomes a warning. ``Kept.artifact`` names the files where they now are.
    """
    payload = embedded_payload(artifact)
    request = staged.request if isinstance(staged, Staged) else staged
    try:
        if isinstance(staged, Staged):
            artifact = staged.named(artifact)
            commit = _prepare_staged(staged, payload)
            # The renames and the history row go together: a SIGTERM that arrives meanwhile
            # is delivered once both are done.
            with _signals_held():
                commit()
                return _record(artifact, request, history)
        if supports_embedding(artifact.path):
            embed(artifact.path, payload)
        else:
            write_sidecar(artifact.path, payload)
    except ExportError as exc:
        raise BadInput(str(exc)) from exc
    except (BadInput, GenerationFailed):
        raise
    except (OSError, ValueError) as exc:
        generator = artifact.metadata.get("generator", request.generator)
        raise GenerationFailed(f"{generator}: {type(exc).__name__}: {exc}") from exc
    finally:
        discard(staged if isinstance(staged, Staged) else None)
    return _record(artifact, request, history)


def open_history(enabled: bool = True) -> tuple[History | None, tuple[str, ...]]:
    """The history to record into (``None`` when disabled or it cannot be opened: the files
    are what matters, so a history problem is a warning, not a failure) and the warnings
    a front end shows the user once (e.g. where a damaged database was moved)."""
    if not enabled:
        return None, ()
    try:
        history = History()
    except HistoryError as exc:
        return None, (f"generations will not be recorded: {exc}",)
    notice = history.take_notice()
    return history, (notice,) if notice else ()


def _record(artifact: Artifact, request: Request, history: History | None) -> Kept:
    """The history row of a kept file; a history problem is a warning, not a failure."""
    if history is None:
        return Kept(artifact)
    try:
        entry = history.record(artifact, request_dict=request.to_dict())
    except (HistoryError, OSError, ValueError) as exc:
        return Kept(artifact, warnings=(f"not recorded in the history: {exc}",))
    notice = history.take_notice()  # the database was damaged and moved aside just now
    return Kept(artifact, entry=entry, warnings=(notice,) if notice else ())


def generate(
    registry: Registry,
    request: Request,
    *,
    history: History | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> Result:
    """Validate, generate, embed and record one request; return what was made.

    Input is validated before any work (a ``ValueError`` then is bad input); anything that
    goes wrong after that is a generation failure unless the generator says the input was
    bad (``InputError``) or the output folder cannot be written.
    """
    generator = registry.get(request.generator)  # unknown: PluginNotFound, a ValueError
    checked = check(generator, request)  # the one validation on this path
    if isinstance(checked, Refused | Broke):
        raise _raised(checked, generator.id)
    check_output(request.output)
    started = time.perf_counter()
    staged = stage(request)
    try:
        outcome = attempt(generator, staged.render, progress, cancel or NeverCancel(), checked)
        if not isinstance(outcome, Made):
            raise _raised(outcome, generator.id)
        kept = keep(outcome.artifact, staged, history)
    finally:
        discard(staged)
    seconds = time.perf_counter() - started
    return Result(kept.artifact, seconds, kept.entry, kept.warnings)


def _raised(outcome: Refused | Broke | Stopped, generator: str) -> Exception:
    """The command's exception for an outcome that made nothing."""
    if isinstance(outcome, Refused):
        return BadInput(outcome.message)
    if isinstance(outcome, Broke):
        return GenerationFailed(f"{generator}: {outcome.line}")
    return Cancelled(outcome.reason)
