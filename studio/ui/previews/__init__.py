"""Previews of generated files: image (zoom), audio (waveform + playback), video, MIDI."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QStackedWidget, QVBoxLayout, QWidget

if TYPE_CHECKING:
    from studio.ui.midi_audio import MidiAudio
    from studio.ui.previews.midi import RequestSource

IMAGE_EXT = frozenset({".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"})
AUDIO_EXT = frozenset({".wav", ".flac", ".ogg", ".opus", ".mp3", ".aiff", ".aif", ".m4a"})
VIDEO_EXT = frozenset({".mp4", ".mov", ".m4v", ".webm", ".mkv", ".avi"})
MIDI_EXT = frozenset({".mid", ".midi"})
TEXT_EXT = frozenset({".json", ".txt"})
TEXT_LIMIT = 200_000  # bytes of a text file shown; enough for any metadata sidecar


def kind_of(path: Path) -> str:
    ext = path.suffix.lower()
    for kind, exts in (
        ("image", IMAGE_EXT),
        ("audio", AUDIO_EXT),
        ("video", VIDEO_EXT),
        ("midi", MIDI_EXT),
        ("text", TEXT_EXT),
    ):
        if ext in exts:
            return kind
    return "other"


class PreviewStack(QStackedWidget):
    """Shows one file with the right viewer; viewers are built on first use, so QtMultimedia
    loads only when the first audio or video arrives (fast start)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.viewers: dict[str, QWidget] = {}
        self.placeholder = QLabel("The result appears here.")
        self.placeholder.setObjectName("hint")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.addWidget(self.placeholder)
        self.current: Path | None = None
        self.midi_audio: MidiAudio | None = None  # makes MIDI results playable
        self.setMinimumSize(280, 200)

    def set_midi_audio(self, audio: MidiAudio | None) -> None:
        self.midi_audio = audio
        if "midi" in self.viewers:
            self.viewers["midi"].set_audio(audio)  # type: ignore[attr-defined]

    def viewer(self, kind: str) -> QWidget:
        if kind not in self.viewers:
            widget: QWidget
            if kind == "image":
                from studio.ui.previews.image import ImageView

                widget = ImageView()
                widget.failed.connect(self.show_message)
            elif kind == "audio":
                from studio.ui.previews.audio import AudioPreview

                widget = AudioPreview()
            elif kind == "video":
                from studio.ui.previews.video import VideoPreview

                widget = VideoPreview()
                widget.failed.connect(self.show_message)
            elif kind == "midi":
                from studio.ui.previews.midi import MidiPreview

                widget = MidiPreview()
                widget.set_audio(self.midi_audio)
            else:
                text = QPlainTextEdit()
                text.setReadOnly(True)
                holder = QWidget()
                QVBoxLayout(holder).addWidget(text)
                holder.setProperty("text_view", text)
                widget = holder
            self.viewers[kind] = widget
            self.addWidget(widget)
        return self.viewers[kind]

    def show_file(self, path: Path, source: RequestSource | None = None) -> str:
        """Show ``path``; returns the viewer kind used ("" and a message when it failed).
        ``source`` gives the request that made it (a MIDI file renders it as audio)."""
        path = Path(path)
        self.stop()
        self.current = path
        kind = kind_of(path)
        if not path.is_file():
            return self.show_message(f"The file is missing: {path}")
        try:
            widget = self.viewer(kind if kind != "other" else "text")
            if kind == "midi":
                widget.load(path, source)  # type: ignore[attr-defined]
            elif kind in ("image", "audio", "video"):
                widget.load(path)  # type: ignore[attr-defined]
            else:
                text: QPlainTextEdit = widget.property("text_view")
                with path.open("rb") as f:  # only the head: the file may be huge
                    raw = f.read(TEXT_LIMIT).decode("utf-8", errors="replace")
                with contextlib.suppress(ValueError):
                    raw = json.dumps(json.loads(raw), indent=2, ensure_ascii=False)
                text.setPlainText(raw)
        except (OSError, ValueError, RuntimeError, EOFError) as exc:
            return self.show_message(f"Cannot preview {path.name}: {exc}")
        self.setCurrentWidget(widget)
        return kind

    def show_message(self, text: str) -> str:
        self.placeholder.setText(text)
        self.setCurrentWidget(self.placeholder)
        return ""

    def stop(self) -> None:
        for widget in self.viewers.values():
            stop = getattr(widget, "stop", None)
            if stop is not None:
                stop()
