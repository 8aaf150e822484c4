"""The ``talking-head`` generator plugin: a 2D character that speaks with emotion → MP4."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, Final, TypeVar

from generators.talking_head.params import TalkingHeadParams
from studio.sdk import (
    Backend,
    CancelToken,
    Generator,
    MediaType,
    Params,
    ProgressCallback,
    Rendered,
    Request,
    check_cancel,
    input_file,
)

SPEECH_SHARE: Final = 0.3  # progress share of voice synthesis in --text mode
PASSED_KEPT: Final = 64
_PASSED: dict[tuple[str, int, int], str] = {}  # portraits that passed check_file, by stamp
A = TypeVar("A")
B = TypeVar("B")


def alongside(
    here: Callable[[], A],
    there: Callable[[ProgressCallback, CancelToken], B],
    progress: ProgressCallback,
    cancel: CancelToken,
) -> tuple[A, B]:
    """Run ``there`` in a worker thread while ``here`` runs in this one; return both
    results. The worker's progress reaches ``progress`` from this thread (callers need not
    be thread-safe); if ``here`` raises, the worker is told to stop (its cancel token is
    set), waited for, and the error propagates; the worker's own error propagates too."""
    import queue
    import threading
    from concurrent.futures import ThreadPoolExecutor

    notes: queue.SimpleQueue[tuple[float, str, Path | None]] = queue.SimpleQueue()
    stop = threading.Event()

    class Either:
        def is_set(self) -> bool:
            return stop.is_set() or cancel.is_set()

    def relay(fraction: float, message: str = "", preview: Path | None = None) -> None:
        notes.put((fraction, message, preview))

    def forward() -> None:
        while not notes.empty():
            progress(*notes.get())

    with ThreadPoolExecutor(1, thread_name_prefix="talking-head-speech") as pool:
        future = pool.submit(there, relay, Either())
        try:
            first = here()
        except BaseException:
            stop.set()
            raise
        forward()
        while True:
            try:
                second = future.result(timeout=0.05)
                break
            except TimeoutError:
                forward()
        forward()
    return first, second


class TalkingHeadGenerator(Generator[TalkingHeadParams]):
    id: ClassVar[str] = "talking-head"
    display_name: ClassVar[str] = "Talking head"
    media_type: ClassVar[MediaType] = MediaType.VIDEO
    params_model: ClassVar[type[Params]] = TalkingHeadParams
    # .mov: the character alone on a transparent ground (QuickTime Animation with alpha).
    extensions: ClassVar[tuple[str, ...]] = (".mp4", ".mov")
    supports_trajectory: ClassVar[bool] = True
    version: ClassVar[str] = "1"
    order: ClassVar[int] = 20

    def backends(self) -> list[Backend]:
        return [
            Backend(
                "rig",
                "stylised 2D character rig (skia), or the artist's portrait warped by the "
                "same controls (--portrait), driven by FACS action units, visemes, "
                "blinks, gaze and head motion; H.264/AAC via PyAV",
                default=True,
            ),
        ]

    def check_params(self, params: TalkingHeadParams, request: Request) -> None:
        if params.portrait is not None:  # a bad photo fails before any voice is made
            self.check_file("portrait", params.portrait)

    def check_file(self, field: str, path: str) -> str:
        """A portrait must hold a usable face (found once, cached with the photo's hash);
        ``InputError`` in one line when it does not."""
        if field != "portrait":
            return super().check_file(field, path)
        from generators.talking_head.portrait.landmarks import require_model
        from generators.talking_head.portrait.load import check

        checked = input_file(path, "portrait")  # missing, a folder, a device …
        assert checked is not None
        require_model()  # says how to install the face-landmark model when it is missing
        # A batch or a clip checks the same photo again and again: a file unchanged since
        # it passed passes (its stamp: path, size, modification time).
        st = Path(checked).stat()
        stamp = (checked, st.st_size, st.st_mtime_ns)
        if stamp in _PASSED:
            return _PASSED[stamp]
        note = check(checked)
        if len(_PASSED) >= PASSED_KEPT:
            _PASSED.pop(next(iter(_PASSED)))
        _PASSED[stamp] = note
        return note

    def render(
        self,
        request: Request,
        params: TalkingHeadParams,
        backend: Backend,
        progress: ProgressCallback,
        cancel: CancelToken,
    ) -> Rendered:
        from generators.talking_head import clip

        portrait = None

        def load_portrait() -> Any:
            from generators.talking_head.portrait.load import load

            loaded = load(str(params.portrait), int(params.size))
            progress(0.0, loaded.note or f"portrait: face found in {loaded.name}")
            return loaded

        if params.portrait is not None and params.text is None:
            portrait = load_portrait()  # a bad photo fails before the audio is read
        with tempfile.TemporaryDirectory(prefix="talking-head-") as tmp:
            if params.text is not None:
                from generators.talking_head.speech import synthesize

                text, voice = params.text, params.voice

                def speak(prog: ProgressCallback, stop: CancelToken) -> Any:
                    return synthesize(text, voice, request, Path(tmp), prog, stop, SPEECH_SHARE)

                if params.portrait is not None:
                    # The voice is made while the portrait loads (landmarks, mesh): the
                    # synthesiser spends most of its time outside the interpreter lock. A
                    # bad photo stops the voice and fails as it would alone.
                    portrait, spoken = alongside(load_portrait, speak, progress, cancel)
                else:
                    spoken = speak(progress, cancel)
                wav, phonemes, tagged, anchors = spoken
                source = clip.load_source(wav, phonemes, tagged, anchors)
                start = SPEECH_SHARE
            else:
                assert params.audio is not None  # the model validator requires one of the two
                from generators.talking_head.speech import embedded_timings

                timings, marks = embedded_timings(Path(params.audio))
                source = clip.load_source(Path(params.audio), timings, marks)
                start = 0.0
        check_cancel(cancel)
        return clip.make(request, params, source, progress, cancel, start, portrait)
