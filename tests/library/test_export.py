"""Export with embedded emotional state: every format round-trips, media still decodes,
and no interruption leaves a partial or temp file behind."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import mido
import numpy as np
import pytest
import soundfile as sf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, PngImagePlugin

from studio.library import atomic, metadata
from studio.library.atomic import ExportError, atomic_write
from studio.library.export import (
    ExportResult,
    export_file,
    read_state,
    sidecar_path,
)
from studio.library.metadata import embed, read_embedded, supports_embedding

PAYLOAD: dict[str, Any] = {
    "schema": "emotion-studio/1",
    "condition": {
        "name": "naïve – 喜び",
        "vad": {"valence": 0.62, "arousal": -0.25, "dominance": 0.1},
        "mixture": {"joy": 0.75, "trust": 0.25},
        "intensity": 0.8,
    },
    "generator": "music",
    "params": {"tempo": 96, "note": "ünïcødé ✓", "nested": [1, 2.5, None, True]},
    "seed": 3,
}

# --- tiny media files, made once per session (exports copy, so sources stay pristine) ---

RATE = 16_000
SAMPLES = (0.3 * np.sin(np.arange(4000) / 5.0)).astype(np.float64)


def _png(path: Path) -> None:
    pixels = np.random.default_rng(0).integers(0, 256, (12, 16, 4), dtype=np.uint8)
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "someone")
    info.add_itxt("Title", "título – タイトル", lang="es", tkey="Title")
    Image.fromarray(pixels, "RGBA").save(path, pnginfo=info)


def _video(path: Path, *, video: bool = True) -> None:
    import av

    with av.open(str(path), "w") as box:
        # Every stream must exist before the first packet is muxed.
        astream = box.add_stream("aac", rate=22_050, layout="mono")
        if video:
            vstream = box.add_stream("libx264", rate=25, options={"preset": "ultrafast"})
            vstream.width = vstream.height = 64
            vstream.pix_fmt = "yuv420p"
            for i in range(10):
                img = np.full((64, 64, 3), i * 20, np.uint8)
                box.mux(vstream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")))
            box.mux(vstream.encode())
        t = np.arange(int(0.4 * 22_050)) / 22_050
        tone = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
        for start in range(0, tone.size, 1024):
            chunk = np.ascontiguousarray(tone[None, start : start + 1024])
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="mono")
            frame.sample_rate = 22_050
            frame.pts = start
            box.mux(astream.encode(frame))
        box.mux(astream.encode())


def _sound(fmt: str, subtype: str | None) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        sf.write(path, SAMPLES, RATE, format=fmt, subtype=subtype)

    return make


def _midi(path: Path) -> None:
    mid = mido.MidiFile(ticks_per_beat=480)
    melody = mido.MidiTrack([mido.MetaMessage("track_name", name="melody", time=0)])
    for note in (60, 64, 67):
        melody.append(mido.Message("note_on", note=note, velocity=90, time=0))
        melody.append(mido.Message("note_off", note=note, velocity=0, time=240))
    bass = mido.MidiTrack([mido.Message("note_on", channel=1, note=36, velocity=70, time=0)])
    bass.append(mido.Message("note_off", channel=1, note=36, velocity=0, time=720))
    mid.tracks += [melody, bass]
    mid.save(path)


def _mp3_writable() -> bool:
    return "MP3" in sf.available_formats()


MAKERS: dict[str, Callable[[Path], None]] = {
    "png": _png,
    "mp4": _video,
    "mov": _video,
    "m4a": lambda p: _video(p, video=False),
    "wav": _sound("WAV", "PCM_16"),
    "aiff": _sound("AIFF", "PCM_16"),
    "flac": _sound("FLAC", "PCM_16"),
    "ogg": _sound("OGG", "VORBIS"),
    "opus": _sound("OGG", "OPUS"),
    "mid": _midi,
}
if _mp3_writable():
    MAKERS["mp3"] = _sound("MP3", "MPEG_LAYER_III")
FORMATS = sorted(MAKERS)


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("media")
    paths = {}
    for ext, make in MAKERS.items():
        paths[ext] = folder / f"source.{ext}"
        make(paths[ext])
    return paths


def _listing(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


# --- decoding checks: the exported copy still plays the same as its source -------------


def _same_png(src: Path, dst: Path) -> None:
    with Image.open(src) as a, Image.open(dst) as b:
        assert isinstance(b, PngImagePlugin.PngImageFile)
        assert a.mode == b.mode and a.size == b.size
        assert np.array_equal(np.asarray(a), np.asarray(b))
        assert b.text["Author"] == "someone"
        title = b.text["Title"]
        assert title == "título – タイトル"
        assert isinstance(title, PngImagePlugin.iTXt) and title.lang == "es"


def _same_av(src: Path, dst: Path) -> None:
    import av

    with av.open(str(src)) as a, av.open(str(dst)) as b:
        kinds = [(s.type, s.codec_context.name) for s in b.streams]
        assert kinds == [(s.type, s.codec_context.name) for s in a.streams]
        frames_a = [f.to_ndarray() for f in a.decode(*a.streams)]
        frames_b = [f.to_ndarray() for f in b.decode(*b.streams)]
    assert len(frames_a) == len(frames_b) > 0
    assert all(np.array_equal(x, y) for x, y in zip(frames_a, frames_b, strict=True))
    if dst.suffix != ".m4a":
        assert sorted(kinds) == [("audio", "aac"), ("video", "h264")]


def _same_sound(src: Path, dst: Path) -> None:
    a, rate_a = sf.read(src)
    b, rate_b = sf.read(dst)
    assert rate_a == rate_b
    assert np.array_equal(a, b)


def _same_midi(src: Path, dst: Path) -> None:
    def notes(path: Path) -> list[tuple[float, str, int]]:
        msgs = mido.MidiFile(path)
        return [(round(m.time, 6), m.type, m.note) for m in msgs if m.type.startswith("note")]

    assert notes(src) == notes(dst)
    assert mido.MidiFile(dst).ticks_per_beat == mido.MidiFile(src).ticks_per_beat


CHECKS: dict[str, Callable[[Path, Path], None]] = {
    "png": _same_png,
    "mp4": _same_av,
    "mov": _same_av,
    "m4a": _same_av,
    "mid": _same_midi,
}


# --- round trips ---------------------------------------------------------------------------


@pytest.mark.parametrize("ext", FORMATS)
def test_export_round_trips_and_media_still_decodes(
    ext: str, media: dict[str, Path], tmp_path: Path
) -> None:
    dst = tmp_path / f"clip.{ext}"
    result = export_file(media[ext], dst, PAYLOAD)

    assert result == ExportResult(dst, tmp_path / f"clip.{ext}.json", True)
    assert read_embedded(dst) == PAYLOAD
    assert read_state(dst) == PAYLOAD
    CHECKS.get(ext, _same_sound)(media[ext], dst)
    assert _listing(tmp_path) == {f"clip.{ext}", f"clip.{ext}.json"}


@pytest.mark.parametrize("ext", FORMATS)
def test_embed_again_replaces_the_state(ext: str, media: dict[str, Path], tmp_path: Path) -> None:
    dst = tmp_path / f"clip.{ext}"
    shutil.copyfile(media[ext], dst)
    assert embed(dst, PAYLOAD)
    assert embed(dst, {"schema": "emotion-studio/1", "seed": 4})

    assert read_embedded(dst) == {"schema": "emotion-studio/1", "seed": 4}
    CHECKS.get(ext, _same_sound)(media[ext], dst)
    assert _listing(tmp_path) == {f"clip.{ext}"}


def test_source_without_state_reads_as_none(media: dict[str, Path]) -> None:
    for ext in FORMATS:
        assert read_embedded(media[ext]) is None, ext
    with pytest.raises(ValueError, match=r"no emotion state found in .*source\.png"):
        read_state(media["png"])


def test_mp4_carries_a_readable_comment(media: dict[str, Path], tmp_path: Path) -> None:
    from mutagen.mp4 import MP4

    dst = tmp_path / "clip.mp4"
    export_file(media["mp4"], dst, PAYLOAD)
    tags = MP4(dst).tags
    assert tags is not None
    assert tags["\xa9cmt"] == ["Emotion Studio: naïve – 喜び"]
    assert metadata.MP4_KEY in tags


def test_midi_event_is_first_in_first_track(media: dict[str, Path], tmp_path: Path) -> None:
    dst = tmp_path / "clip.mid"
    export_file(media["mid"], dst, PAYLOAD)
    first = mido.MidiFile(dst).tracks[0][0]
    assert first.type == "text" and first.time == 0
    assert first.text.startswith(metadata.MIDI_PREFIX)


def test_midi_loads_in_pretty_midi(media: dict[str, Path], tmp_path: Path) -> None:
    pretty_midi = pytest.importorskip("pretty_midi")
    dst = tmp_path / "clip.mid"
    export_file(media["mid"], dst, PAYLOAD)
    notes = [n.pitch for i in pretty_midi.PrettyMIDI(str(dst)).instruments for n in i.notes]
    assert sorted(notes) == [36, 60, 64, 67]


JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payload=st.dictionaries(st.text(), JSON_VALUES, max_size=6))
def test_any_json_object_round_trips(
    payload: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("prop")
    src = folder / "src.png"
    Image.new("L", (2, 2), 7).save(src)
    export_file(src, folder / "out.png", payload)
    assert read_embedded(folder / "out.png") == payload
    assert read_state(sidecar_path(folder / "out.png")) == payload


@settings(max_examples=25, deadline=None)
@given(text=st.text(min_size=1))
def test_any_text_round_trips_through_midi_and_id3(
    text: str, media: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("prop")
    for ext in ("mid", "wav"):
        dst = folder / f"out.{ext}"
        export_file(media[ext], dst, {"name": text}, sidecar=False)
        assert read_embedded(dst) == {"name": text}


# --- sidecars ----------------------------------------------------------------------------


def test_sidecar_is_pretty_utf8_json_and_readable_directly(
    media: dict[str, Path], tmp_path: Path
) -> None:
    dst = tmp_path / "clip.wav"
    result = export_file(media["wav"], dst, PAYLOAD)

    assert result.sidecar == tmp_path / "clip.wav.json"
    text = result.sidecar.read_text(encoding="utf-8")
    assert "喜び" in text and text.count("\n") > 5
    assert json.loads(text) == PAYLOAD
    assert read_state(result.sidecar) == PAYLOAD


def test_unknown_extension_gets_sidecar_only(tmp_path: Path) -> None:
    src = tmp_path / "notes.txt"
    src.write_text("hello", encoding="utf-8")
    dst = tmp_path / "out" / "notes.xyz"
    dst.parent.mkdir()

    result = export_file(src, dst, PAYLOAD)

    assert not supports_embedding(dst)
    assert result == ExportResult(dst, tmp_path / "out" / "notes.xyz.json", False)
    assert dst.read_text(encoding="utf-8") == "hello"
    assert read_embedded(dst) is None
    assert read_state(dst) == PAYLOAD
    assert not embed(dst, PAYLOAD)


def test_sidecar_fallback_when_nothing_embedded(media: dict[str, Path], tmp_path: Path) -> None:
    dst = tmp_path / "plain.png"
    shutil.copyfile(media["png"], dst)
    sidecar_path(dst).write_text(json.dumps({"seed": 9}), encoding="utf-8")
    assert read_state(dst) == {"seed": 9}


def test_exported_json_file_reads_its_own_sidecar(tmp_path: Path) -> None:
    src = tmp_path / "data.json"
    src.write_text('{"not": "the state"}', encoding="utf-8")
    dst = tmp_path / "out" / "data.json"
    dst.parent.mkdir()
    export_file(src, dst, PAYLOAD)
    assert read_state(dst) == PAYLOAD  # from data.json.json, not data.json itself


def test_no_sidecar_when_not_asked(media: dict[str, Path], tmp_path: Path) -> None:
    result = export_file(media["flac"], tmp_path / "a.flac", PAYLOAD, sidecar=False)
    assert result.sidecar is None and result.embedded
    assert _listing(tmp_path) == {"a.flac"}


# --- refusals and errors -------------------------------------------------------------------


@pytest.mark.parametrize("ext", FORMATS)
@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_corrupt_file_is_a_value_error_naming_it(
    ext: str, damage: str, media: dict[str, Path], tmp_path: Path
) -> None:
    data = media[ext].read_bytes()
    # FLAC and MP3 players accept a cut inside the audio frames, so cut the header there.
    keep = 30 if ext in ("flac", "mp3") else len(data) // 2
    bad = tmp_path / f"bad.{ext}"
    bad.write_bytes(b"not media at all " * 8 if damage == "garbage" else data[:keep])

    with pytest.raises(ValueError, match=r"bad\." + ext) as info:
        read_embedded(bad)
    assert "\n" not in str(info.value)
    with pytest.raises(ValueError, match=r"bad\." + ext):
        export_file(bad, tmp_path / f"out.{ext}", PAYLOAD)
    assert _listing(tmp_path) == {f"bad.{ext}"}


def test_wrong_format_for_extension(media: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"source\.wav: not a valid PNG file"):
        export_file(media["wav"], tmp_path / "x.png", PAYLOAD)
    assert _listing(tmp_path) == set()


def test_bad_embedded_json_is_a_value_error(media: dict[str, Path], tmp_path: Path) -> None:
    from mutagen.flac import FLAC

    dst = tmp_path / "x.flac"
    shutil.copyfile(media["flac"], dst)
    tagged = FLAC(dst)
    tagged["EMOTION_STUDIO"] = "{oops"
    tagged.save()
    with pytest.raises(ValueError, match=r"x\.flac: emotion-studio data is not valid JSON"):
        read_state(dst)


def test_payload_must_be_json(media: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not JSON-serialisable"):
        export_file(media["png"], tmp_path / "x.png", {"v": float("nan")})
    with pytest.raises(ValueError, match="not JSON-serialisable"):
        export_file(media["png"], tmp_path / "x.png", {"v": object()})
    assert _listing(tmp_path) == set()


def test_refuses_to_overwrite(media: dict[str, Path], tmp_path: Path) -> None:
    dst = tmp_path / "clip.png"
    dst.write_bytes(b"precious")
    with pytest.raises(FileExistsError, match=r"clip\.png already exists.*overwrite=True"):
        export_file(media["png"], dst, PAYLOAD)
    assert dst.read_bytes() == b"precious"
    assert _listing(tmp_path) == {"clip.png"}

    export_file(media["png"], dst, PAYLOAD, overwrite=True)
    assert read_state(dst) == PAYLOAD


def test_refuses_to_overwrite_a_sidecar(media: dict[str, Path], tmp_path: Path) -> None:
    sidecar_path(tmp_path / "clip.png").write_text("{}", encoding="utf-8")
    with pytest.raises(FileExistsError, match=r"clip\.png\.json already exists"):
        export_file(media["png"], tmp_path / "clip.png", PAYLOAD)


def test_overwrite_without_sidecar_drops_the_stale_one(
    media: dict[str, Path], tmp_path: Path
) -> None:
    export_file(media["wav"], tmp_path / "a.txt", {"seed": 1})
    export_file(media["wav"], tmp_path / "a.txt", {"seed": 2}, sidecar=False, overwrite=True)
    assert _listing(tmp_path) == {"a.txt"}


def test_missing_source(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"nope\.png"):
        export_file(tmp_path / "nope.png", tmp_path / "out.png", PAYLOAD)
    with pytest.raises(FileNotFoundError, match=r"nope\.png"):
        read_state(tmp_path / "nope.png")


def test_missing_folder_is_a_clear_os_error(media: dict[str, Path], tmp_path: Path) -> None:
    dst = tmp_path / "missing" / "clip.png"
    with pytest.raises(ExportError) as info:
        export_file(media["png"], dst, PAYLOAD)
    message = str(info.value)
    assert isinstance(info.value, OSError)
    assert message == f"cannot write {dst}: folder {dst.parent} does not exist"


def test_parent_is_a_file(media: dict[str, Path], tmp_path: Path) -> None:
    (tmp_path / "file").write_bytes(b"")
    dst = tmp_path / "file" / "clip.png"
    with pytest.raises(ExportError, match=r"is not a folder"):
        export_file(media["png"], dst, PAYLOAD)


def test_unwritable_folder_is_a_clear_os_error(
    media: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    real_open = os.open

    def deny(path: Any, *args: Any, **kwargs: Any) -> int:
        # Simulated, because root (as in CI containers) may write anywhere.
        if Path(path).parent == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(atomic.os, "open", deny)
    dst = locked / "clip.png"
    with pytest.raises(ExportError) as info:
        export_file(media["png"], dst, PAYLOAD)
    assert str(info.value) == f"cannot write {dst}: folder {locked} is not writable"
    assert _listing(locked) == set()


@pytest.mark.skipif(
    os.name != "posix" or os.geteuid() == 0, reason="needs POSIX permissions, not root"
)
def test_really_unwritable_folder(media: dict[str, Path], tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(ExportError, match="is not writable"):
            export_file(media["png"], locked / "clip.png", PAYLOAD)
    finally:
        locked.chmod(0o700)
    assert _listing(locked) == set()


# --- interruptions -------------------------------------------------------------------------


class Boom(RuntimeError):
    pass


def _interrupt_png_save(monkeypatch: pytest.MonkeyPatch, exc: BaseException) -> None:
    """Pillow writes part of the file, then the user hits Ctrl-C."""

    def save(self: Image.Image, fp: Any, *args: Any, **kwargs: Any) -> None:
        Path(fp).write_bytes(b"\x89PNG half a file")
        raise exc

    monkeypatch.setattr(Image.Image, "save", save)


@pytest.mark.parametrize("exc", [KeyboardInterrupt(), Boom("disk on fire")])
@pytest.mark.parametrize("existing", [False, True])
def test_interrupted_embed_leaves_nothing_behind(
    exc: BaseException,
    existing: bool,
    media: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dst = tmp_path / "clip.png"
    if existing:
        dst.write_bytes(b"old")
    before = _listing(tmp_path)
    _interrupt_png_save(monkeypatch, exc)

    with pytest.raises(type(exc)):
        export_file(media["png"], dst, PAYLOAD, overwrite=True)

    assert _listing(tmp_path) == before
    if existing:
        assert dst.read_bytes() == b"old"


def test_interrupted_tagging_leaves_nothing_behind(
    media: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mutagen.mp4 import MP4

    def save(self: Any, *args: Any, **kwargs: Any) -> None:
        with open(self.filename, "r+b") as fh:
            fh.truncate(100)  # the tag rewrite dies halfway
        raise KeyboardInterrupt

    monkeypatch.setattr(MP4, "save", save)
    with pytest.raises(KeyboardInterrupt):
        export_file(media["mp4"], tmp_path / "clip.mp4", PAYLOAD)
    assert _listing(tmp_path) == set()


def test_interrupted_copy_leaves_nothing_behind(
    media: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def copyfile(src: Path, dst: Path, **kwargs: Any) -> None:
        Path(dst).write_bytes(Path(src).read_bytes()[:10])
        raise KeyboardInterrupt

    monkeypatch.setattr(shutil, "copyfile", copyfile)
    with pytest.raises(KeyboardInterrupt):
        export_file(media["wav"], tmp_path / "clip.wav", PAYLOAD)
    assert _listing(tmp_path) == set()


@pytest.mark.parametrize("exc", [KeyboardInterrupt(), Boom("rename failed")])
def test_interrupted_rename_leaves_nothing_behind(
    exc: BaseException, media: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def replace(src: Any, dst: Any) -> None:
        raise exc

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(type(exc)):
        export_file(media["flac"], tmp_path / "clip.flac", PAYLOAD)
    assert _listing(tmp_path) == set()


def test_interrupted_sidecar_leaves_no_temp_file(
    media: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_replace = os.replace

    def replace(src: Any, dst: Any) -> None:
        if str(dst).endswith(".json"):
            raise KeyboardInterrupt
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        export_file(media["png"], tmp_path / "clip.png", PAYLOAD)
    # The media file is complete (and carries the state); only the sidecar is missing.
    assert _listing(tmp_path) == {"clip.png"}
    assert read_state(tmp_path / "clip.png") == PAYLOAD


def test_embed_in_place_is_atomic(
    media: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dst = tmp_path / "clip.ogg"
    shutil.copyfile(media["ogg"], dst)
    original = dst.read_bytes()

    def replace(src: Any, dst: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        embed(dst, PAYLOAD)
    assert dst.read_bytes() == original
    assert _listing(tmp_path) == {"clip.ogg"}


# --- atomic_write --------------------------------------------------------------------------


def test_atomic_write_text_and_permissions(tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    with atomic_write(target, "w") as fh:
        fh.write("喜び\n")
        assert not target.exists()  # nothing visible until the block ends
        assert len(list(tmp_path.glob(".notes.txt.*.part"))) == 1
    assert target.read_text(encoding="utf-8") == "喜び\n"
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def test_atomic_write_keeps_the_old_mode_when_replacing(tmp_path: Path) -> None:
    target = tmp_path / "script.sh"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o750)
    with atomic_write(target) as fh:
        fh.write(b"new")
    assert target.read_bytes() == b"new"
    assert target.stat().st_mode & 0o777 == 0o750


def test_atomic_write_rejects_read_modes(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="modes"), atomic_write(tmp_path / "x", "r"):
        pass
