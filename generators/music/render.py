"""MIDI → audio with the General MIDI soundfont pretty-midi ships (TimGM6mb.sf2), through
midirenderer (48 kHz stereo), peak-normalised to −1 dBFS and written atomically."""

from __future__ import annotations

import io
import wave
from functools import cache
from pathlib import Path
from typing import Final

import numpy as np

from studio.sdk import atomic_path

PEAK_DBFS: Final = -1.0
FORMATS: Final = {".wav": "WAV", ".flac": "FLAC"}


@cache
def soundfont() -> bytes:
    import pretty_midi

    path = Path(pretty_midi.__file__).with_name("TimGM6mb.sf2")
    if not path.is_file():
        raise RuntimeError(f"the General MIDI soundfont is missing: {path}")
    return path.read_bytes()


def synthesise(midi_bytes: bytes) -> tuple[np.ndarray, int]:
    """Render MIDI bytes to float32 (frames, 2) audio and its sample rate."""
    import midirenderer

    wav = midirenderer.render_wave_from(soundfont(), midi_bytes)
    data, rate = _pcm16(wav)
    if data.shape[1] == 1:
        data = np.repeat(data, 2, axis=1)
    return data, int(rate)


def _pcm16(wav: bytes) -> tuple[np.ndarray, int]:
    """The renderer's 16-bit PCM WAV as float32 (frames, channels). Read with the standard
    library, not soundfile: reading bytes through soundfile runs a Python callback inside
    libsndfile, and a SIGTERM landing in it was swallowed with a traceback on stderr
    instead of stopping the command."""
    with wave.open(io.BytesIO(wav)) as reader:
        if reader.getsampwidth() != 2:
            raise RuntimeError(f"the MIDI renderer wrote {8 * reader.getsampwidth()}-bit audio")
        channels, rate = reader.getnchannels(), reader.getframerate()
        frames = reader.readframes(reader.getnframes())
    pcm = np.frombuffer(frames, dtype="<i2").reshape(-1, channels)
    return pcm.astype(np.float32) / 32768.0, int(rate)


def normalise(data: np.ndarray, peak_dbfs: float = PEAK_DBFS) -> np.ndarray:
    """Scale so the peak sits at ``peak_dbfs`` (never above full scale)."""
    peak = float(np.max(np.abs(data))) if data.size else 0.0
    if peak <= 0.0:
        raise RuntimeError("the rendered audio is silent")
    return (data * (10.0 ** (peak_dbfs / 20.0) / peak)).astype(np.float32)


def write_audio(path: Path, data: np.ndarray, rate: int) -> None:
    """Write 16-bit WAV or FLAC atomically (no partial file on error)."""
    import soundfile

    fmt = FORMATS[path.suffix.lower()]
    with atomic_path(path) as tmp:
        soundfile.write(str(tmp), data, rate, format=fmt, subtype="PCM_16")
