"""MIDI: a text meta event ``emotion-studio:<json>`` at time 0 in the first track (JSON kept
ASCII: MIDI text is Latin-1 by convention)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from studio.library.inputs import open_regular
from studio.library.metadata.codec import Codec
from studio.library.metadata.payload import (
    MIDI_PREFIX,
    Payload,
    encode_payload,
)


def _is_state_event(message: Any) -> bool:
    return bool(message.is_meta and message.type == "text" and message.text.startswith(MIDI_PREFIX))


# Real MIDI files are kilobytes; mido parses the whole file into objects (~100 bytes of
# memory per event), so a cap in bytes bounds its memory.
MAX_MIDI_BYTES = 8 * 2**20


def _midi_load(path: Path) -> Any:
    import mido

    with open_regular(path, "input", MAX_MIDI_BYTES) as fh:
        return mido.MidiFile(file=fh)


def _midi_extract(midi: Any) -> str | None:
    for track in midi.tracks:
        for message in track:
            if _is_state_event(message):
                return str(message.text[len(MIDI_PREFIX) :])
    return None


def _midi_store(midi: Any, path: Path, payload: Payload) -> None:
    import mido

    if not midi.tracks:
        midi.add_track()
    track = midi.tracks[0]
    kept: list[Any] = []
    carry = 0
    for message in track:
        if _is_state_event(message):
            carry += message.time  # an old state event goes; later events keep their times
            continue
        kept.append(message.copy(time=message.time + carry) if carry else message)
        carry = 0
    text = MIDI_PREFIX + encode_payload(payload, ascii_only=True)
    track[:] = [mido.MetaMessage("text", text=text, time=0), *kept]
    midi.save(path)


_MIDI = Codec("MIDI", _midi_load, _midi_extract, _midi_store)
CODECS = {".mid": _MIDI, ".midi": _MIDI}
