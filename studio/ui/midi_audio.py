"""Audio for a MIDI result, so the artist can press Play on a piano roll.

The generator that wrote the MIDI file renders the SAME request again as WAV through the job
queue (as an export to another format does), never on the UI thread and never by importing
``generators`` here. The WAV is cached under ``$STUDIO_HOME/cache/midi-audio`` keyed by the
MIDI file's bytes and the request, so a second Play (or the same file re-opened from the
history) is instant; the oldest files go once the folder passes ``CACHE_LIMIT`` bytes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from studio._paths import studio_home
from studio.jobs import EventKind
from studio.plugins.contract import Request
from studio.ui.background import Background
from studio.ui.job_bridge import JobBridge, JobUpdate

CACHE_DIR = Path("cache") / "midi-audio"
CACHE_LIMIT = 512 * 2**20  # bytes; ~50 ten-minute pieces (project calibration)


def cache_dir() -> Path:
    return studio_home() / CACHE_DIR


def one_line(text: str) -> str:
    return " ".join(text.split())[:200]


def cache_key(midi: Path, request: Request) -> str:
    """Same MIDI bytes + same request (the output name aside) ⇒ the same audio."""
    digest = hashlib.sha256(midi.read_bytes())
    recipe = {k: v for k, v in request.to_dict().items() if k != "output"}
    digest.update(json.dumps(recipe, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:32]


def prune(folder: Path, keep: Path, limit: int = CACHE_LIMIT) -> None:
    """Delete the least recently played WAVs until the folder is under ``limit``."""
    files = []
    for f in folder.glob("*.wav"):
        with contextlib.suppress(OSError):  # another window may be pruning too
            st = f.stat()
            files.append((st.st_mtime, st.st_size, f))
    total = sum(size for _, size, _ in files)
    for _, size, f in sorted(files, key=lambda x: x[0]):
        if total <= limit:
            break
        if f != keep:
            f.unlink(missing_ok=True)
            total -= size


def lookup(midi: Path, request: Request, folder: Path) -> tuple[Path, bool]:
    """``(wav path, already rendered)``; runs off the UI thread (reads the MIDI file)."""
    wav = folder / f"{cache_key(midi, request)}.wav"
    if wav.is_file():
        os.utime(wav)  # played now: the last to be pruned
        return wav, True
    folder.mkdir(parents=True, exist_ok=True)
    prune(folder, keep=wav)
    return wav, False


class MidiAudio(QObject):
    """``prepare(midi, request)`` ends in ``ready(midi, wav)`` or ``failed(midi, line)``;
    ``job_started(job, title)`` lets the window list a render like any other job."""

    ready = Signal(object, object)
    failed = Signal(object, str)
    job_started = Signal(object, str)

    def __init__(self, bridge: JobBridge, spec: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.spec = spec
        self.background = Background(self)
        self.rendering: dict[str, tuple[Path, Path]] = {}  # job id → (midi, wav)
        bridge.updated.connect(self._on_update)

    def prepare(self, midi: Path, request: Request) -> None:
        midi, folder = Path(midi), cache_dir()
        self.background.run(
            lambda: lookup(midi, request, folder),
            lambda found: self._found(midi, request, *found),
            lambda exc: self.failed.emit(midi, one_line(str(exc) or type(exc).__name__)),
        )

    def _found(self, midi: Path, request: Request, wav: Path, cached: bool) -> None:
        if cached:
            self.ready.emit(midi, wav)
            return
        if any(w == wav for _, w in self.rendering.values()):
            return  # already on its way (Play pressed twice quickly)
        if self.bridge.closed:
            self.failed.emit(midi, "the window is closing")
            return
        # The generator writes atomically: a failed or cancelled render leaves no WAV to be
        # mistaken for a cached one.
        # A cache file, not a kept result: not staged, not recorded.
        render = dataclasses.replace(request, output=wav)
        job = self.bridge.submit(render, self.spec, record=False)
        self.rendering[job.id] = (midi, wav)
        self.job_started.emit(job, f"Audio for {midi.name}")

    def _on_update(self, update: JobUpdate) -> None:
        found = self.rendering.get(update.job.id)
        if found is None or not update.event.is_final:
            return
        del self.rendering[update.job.id]
        midi, wav = found
        event = update.event
        if event.kind is EventKind.FINISHED and wav.is_file():
            self.ready.emit(midi, wav)
        else:
            self.failed.emit(midi, one_line(event.error or event.message or "cancelled"))
