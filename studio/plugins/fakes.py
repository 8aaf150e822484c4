"""Test-only generator plugins: they exercise the contract, the registry and the job
system without any media library. Never registered by the distribution; tests hand
:func:`registry` to the code under test (the command, the session, the window) instead of
patching how a ``Registry`` is built.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import time
from importlib.metadata import EntryPoint
from typing import Annotated, Final

from pydantic import Field

from studio.plugins.contract import (
    Backend,
    CancelToken,
    Generator,
    InputError,
    MediaType,
    Params,
    PreviewMode,
    ProgressCallback,
    Rendered,
    Request,
    check_cancel,
)
from studio.plugins.registry import GROUP, Registry
from studio.plugins.roles import Role


class EchoParams(Params):
    steps: Annotated[int, Role.OPTION] = Field(
        default=4, ge=1, le=1000, description="progress steps"
    )
    step_seconds: float = Field(default=0.0, ge=0.0, le=60.0, description="sleep per step")
    text: Annotated[str, Role.OPTION, Role.MULTILINE] = Field(default="", max_length=1000)


class EchoGenerator(Generator[EchoParams]):
    """Writes a small JSON "rendering" of the condition; deterministic per seed."""

    id = "echo"
    display_name = "Echo (test)"
    media_type = MediaType.IMAGE
    preview = PreviewMode.LIVE
    params_model = EchoParams
    extensions = (".json", ".txt")
    supports_trajectory = True
    version = "1"

    def backends(self) -> list[Backend]:
        return [
            Backend("plain", "writes the condition as text", default=True),
            Backend(
                "neural",
                "needs a model folder",
                available=False,
                reason="needs a local model directory",
            ),
        ]

    def render(
        self,
        request: Request,
        params: EchoParams,
        backend: Backend,
        progress: ProgressCallback,
        cancel: CancelToken,
    ) -> Rendered:
        for i in range(params.steps):
            check_cancel(cancel)
            if params.step_seconds:
                time.sleep(params.step_seconds)
            progress((i + 1) / params.steps, f"step {i + 1}/{params.steps}")
        c = request.condition_at(0.0)
        digest = hashlib.sha256(f"{request.seed}:{c.to_json()}:{params.text}".encode()).hexdigest()
        body = {"name": c.name, "vad": c.vad, "noise": digest[:16], "text": params.text}
        # studio.plugins sits below studio.library, so the fake writes atomically by hand.
        tmp = request.output.with_name(f".{request.output.name}.part")
        try:
            tmp.write_bytes(json.dumps(body).encode())
            os.replace(tmp, request.output)
        finally:
            tmp.unlink(missing_ok=True)
        return Rendered(
            [request.output], features={"valence_seen": c.valence, "steps": params.steps}
        )


GATE_SECONDS: Final = 120.0  # a gate never opened fails the job rather than hang a test


class GatedParams(EchoParams):
    gate: str = Field(default="", max_length=4096, description="a file to wait for first")


class GatedGenerator(Generator[GatedParams]):
    """Echo that first waits until the file ``gate`` exists (cancellable; fails after
    ``GATE_SECONDS``): a test decides exactly when a job ends, instead of guessing it
    from sleeps on a loaded machine."""

    id = "gated"
    display_name = "Gated (test)"
    media_type = MediaType.IMAGE
    preview = PreviewMode.LIVE
    params_model = GatedParams
    extensions = (".json",)
    supports_trajectory = True
    version = "1"

    def backends(self) -> list[Backend]:
        return [Backend("plain", "writes the condition as text", default=True)]

    def render(
        self,
        request: Request,
        params: GatedParams,
        backend: Backend,
        progress: ProgressCallback,
        cancel: CancelToken,
    ) -> Rendered:
        if params.gate:
            progress(0.0, "waiting for the gate")
            deadline = time.monotonic() + GATE_SECONDS
            while not os.path.exists(params.gate):
                check_cancel(cancel)
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the gate {params.gate} never opened")
                time.sleep(0.01)
        return EchoGenerator().render(request, params, backend, progress, cancel)


class StubbornGenerator(EchoGenerator):
    """Ignores cancellation (a hung backend): the job system must kill it."""

    id = "stubborn"

    def render(
        self,
        request: Request,
        params: EchoParams,
        backend: Backend,
        progress: ProgressCallback,
        cancel: CancelToken,
    ) -> Rendered:
        progress(0.1, "sleeping without checking cancel")
        time.sleep(3600)
        raise AssertionError("unreachable")


class CrashingGenerator(EchoGenerator):
    """Kills its own process (a segfaulting native library)."""

    id = "crash"

    def render(
        self,
        request: Request,
        params: EchoParams,
        backend: Backend,
        progress: ProgressCallback,
        cancel: CancelToken,
    ) -> Rendered:
        progress(0.2, "about to crash")
        os.kill(os.getpid(), signal.SIGKILL)
        raise AssertionError("unreachable")


class FailingGenerator(EchoGenerator):
    """Raises an ordinary exception mid-way."""

    id = "fail"

    def render(
        self,
        request: Request,
        params: EchoParams,
        backend: Backend,
        progress: ProgressCallback,
        cancel: CancelToken,
    ) -> Rendered:
        progress(0.5, "half way")
        raise RuntimeError("the backend ran out of ink")


class BuggyGenerator(EchoGenerator):
    """A bug inside render that happens to raise ValueError: a failure, not bad input."""

    id = "buggy"

    def render(
        self,
        request: Request,
        params: EchoParams,
        backend: Backend,
        progress: ProgressCallback,
        cancel: CancelToken,
    ) -> Rendered:
        raise ValueError("math domain error")


class RefusingGenerator(EchoGenerator):
    """Finds the user's input bad while rendering (e.g. an audio file that is not audio)."""

    id = "refuse"

    def render(
        self,
        request: Request,
        params: EchoParams,
        backend: Backend,
        progress: ProgressCallback,
        cancel: CancelToken,
    ) -> Rendered:
        raise InputError("audio: cannot read voice.wav: it is a JPEG image, not audio")


class BrokenOnImport:
    """Not a generator at all (the registry must refuse it)."""


FAKES: Final = {
    "echo": "EchoGenerator",
    "gated": "GatedGenerator",
    "stubborn": "StubbornGenerator",
    "crash": "CrashingGenerator",
    "fail": "FailingGenerator",
    "buggy": "BuggyGenerator",
    "refuse": "RefusingGenerator",
    "broken": "BrokenOnImport",
}
# Real generators tests may ask for next to the fakes (by entry-point name).
REAL: Final = {
    "music": "generators.music:MusicGenerator",
    "image": "generators.image:ImageGenerator",
    "speech": "generators.speech:SpeechGenerator",
    "talking-head": "generators.talking_head:TalkingHeadGenerator",
    "clip": "generators.clip:ClipGenerator",
}


def registry(*names: str) -> Registry:
    """A registry of exactly these plugins: fakes by id (``echo``, ``fail``, ...) and real
    generators by entry-point name (``music``, ...), registered as a third party would."""
    unknown = [n for n in names if n not in FAKES and n not in REAL]
    if unknown:
        raise ValueError(f"no test plugin named {unknown}; have {sorted({**FAKES, **REAL})}")
    return Registry(
        [EntryPoint(n, REAL[n] if n in REAL else f"{__name__}:{FAKES[n]}", GROUP) for n in names]
    )
