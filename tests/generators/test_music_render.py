"""The rendered MIDI audio is decoded without callbacks into Python (a signal arriving
inside one was swallowed), to the same samples soundfile gives."""

from __future__ import annotations

import io

import mido
import numpy as np
import pytest
import soundfile

from generators.music import render


def _midi() -> bytes:
    song = mido.MidiFile()
    track = mido.MidiTrack()
    song.tracks.append(track)
    for note in (60, 64, 67):
        track.append(mido.Message("note_on", note=note, velocity=90, time=0))
        track.append(mido.Message("note_off", note=note, velocity=0, time=240))
    out = io.BytesIO()
    song.save(file=out)
    return out.getvalue()


def test_the_rendered_wave_reads_as_soundfile_reads_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import midirenderer

    made: list[bytes] = []
    real = midirenderer.render_wave_from

    def keep(font: bytes, midi: bytes) -> bytes:
        made.append(real(font, midi))
        return made[-1]

    monkeypatch.setattr(midirenderer, "render_wave_from", keep)
    data, rate = render.synthesise(_midi())
    expected, expected_rate = soundfile.read(io.BytesIO(made[0]), dtype="float32", always_2d=True)
    assert rate == expected_rate and data.shape == expected.shape and data.dtype == np.float32
    assert np.array_equal(data, expected) and np.abs(data).max() > 0.01


def test_the_decoder_calls_no_soundfile(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("soundfile read the renderer's bytes")

    monkeypatch.setattr(soundfile, "read", refuse)
    data, rate = render.synthesise(_midi())
    assert rate > 0 and data.shape[1] == 2
