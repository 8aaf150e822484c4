"""The bad-input matrix: every command and generator refuses hostile input with exit 2, one
line naming the problem, no traceback, and nothing written or left behind."""

from __future__ import annotations

import builtins
import errno
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.hardening.conftest import (
    Outcome,
    deep_json,
    fifo,
    folder,
    leftovers,
    png_header_only,
    png_with_text,
    sparse,
    wav,
    wav_header,
    zero_link,
)

Build = Callable[[Path], list[Any]]  # tmp folder → extra argv

KINDS: dict[str, tuple[str, Callable[[Path], list[Any]]]] = {
    "image": (".png", lambda d: ["--size", "256x256"]),
    "music": (".mid", lambda d: []),
    "speech": (".wav", lambda d: ["--text", "hello"]),
    "talking-head": (".mp4", lambda d: ["--audio", wav(d / "voice.wav"), "--size", "256"]),
}
TEXT_PARAM = {"image": "prompt", "music": "key", "speech": "text", "talking-head": "text"}


def _condition_doc() -> dict[str, Any]:
    return {"vad": {"valence": 0.5, "arousal": 0.2, "dominance": 0.0}}


def _write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _midi_with_text(path: Path, text: str) -> Path:
    import mido

    mid = mido.MidiFile()
    track = mid.add_track()
    track.append(mido.MetaMessage("text", text=text, time=0))
    track.append(mido.Message("note_on", note=60, velocity=64, time=0))
    track.append(mido.Message("note_off", note=60, velocity=64, time=240))
    mid.save(path)
    return path


def _flac_with_tag(path: Path, text: str) -> Path:
    import soundfile
    from mutagen.flac import FLAC

    soundfile.write(str(path), [0.0] * 1600, 16000, format="FLAC")
    tagged = FLAC(path)
    tagged["EMOTION_STUDIO"] = text
    tagged.save()
    return path


def _with_sidecar(d: Path, state: str | bytes) -> Path:
    """A file no format embeds into, with ``state`` as its sidecar."""
    _write(d / "c.txt.json", state)
    return _write(d / "c.txt", "x")


def _bad_crc(d: Path) -> Path:
    blob = bytearray(png_with_text(d / "g.png", "{}").read_bytes())
    at = blob.index(b"iTXt")
    length = int.from_bytes(blob[at - 4 : at], "big")
    blob[at + 4 + length] ^= 0xFF  # the chunk's CRC no longer matches
    return _write(d / "f.png", bytes(blob))


def _trajectory(n: int) -> str:
    frame = {"time": 0, "condition": _condition_doc()}
    frames = [{**frame, "time": i} for i in range(n)]
    return json.dumps({"keyframes": frames})


DEEP_STATE = '{"condition": ' + deep_json(5000) + "}"

# (id, emotion/state options, words the message must hold)
EMOTION_CASES: list[tuple[str, Build, str]] = [
    ("condition-fifo", lambda d: ["--condition", fifo(d / "c.json")], "pipe"),
    ("condition-fifo-media", lambda d: ["--condition", fifo(d / "c.png")], "pipe"),
    ("condition-dev-zero", lambda d: ["--condition", zero_link(d / "c.json")], "device"),
    ("condition-dev-zero-media", lambda d: ["--condition", zero_link(d / "c.mid")], "device"),
    ("condition-folder", lambda d: ["--condition", folder(d / "c.json")], "folder"),
    ("condition-missing", lambda d: ["--condition", d / "nope.json"], "no such file"),
    ("condition-locked", lambda d: ["--condition", _write(d / "locked.json", "{}")], "permission"),
    ("condition-long-name", lambda d: ["--condition", d / ("c" * 300 + ".json")], "too long"),
    ("condition-deep", lambda d: ["--condition", _write(d / "c.json", deep_json())], "deeply"),
    ("condition-huge", lambda d: ["--condition", sparse(d / "c.json", 17 * 2**20)], "too large"),
    ("condition-binary", lambda d: ["--condition", _write(d / "c.json", os.urandom(64))], "JSON"),
    (
        "condition-deep-in-png",
        lambda d: ["--condition", png_with_text(d / "c.png", DEEP_STATE)],
        "deeply",
    ),
    (
        "condition-deep-in-midi",
        lambda d: ["--condition", _midi_with_text(d / "c.mid", "emotion-studio:" + DEEP_STATE)],
        "deeply",
    ),
    (
        "condition-deep-in-flac",
        lambda d: ["--condition", _flac_with_tag(d / "c.flac", DEEP_STATE)],
        "deeply",
    ),
    ("condition-deep-sidecar", lambda d: ["--condition", _with_sidecar(d, DEEP_STATE)], "deeply"),
    (
        "condition-huge-sidecar",
        lambda d: ["--condition", _with_sidecar(d, sparse(d / "s", 17 * 2**20).read_bytes())],
        "too large",
    ),
    (
        "trajectory-too-many",
        lambda d: ["--trajectory", _write(d / "t.json", _trajectory(10_001))],
        "at most 10000",
    ),
    ("trajectory-deep", lambda d: ["--trajectory", _write(d / "t.json", deep_json())], "deeply"),
    ("trajectory-fifo", lambda d: ["--trajectory", fifo(d / "t.json")], "pipe"),
    ("emotion-overflow", lambda d: ["--emotion", "joy:1e308,trust:1e308"], "too large"),
    ("emotion-infinite", lambda d: ["--emotion", "joy:1e400"], "finite"),
    ("emotion-nan", lambda d: ["--emotion", "joy:nan"], "finite"),
    ("valence-nan", lambda d: ["--valence", "nan"], "valence"),
    ("valence-out-of-range", lambda d: ["--valence", "1e308"], "valence"),
    ("word-unknown", lambda d: ["--word", "\x1b]0;title\x07"], "word"),
]

OUTPUT_CASES: list[tuple[str, Callable[[Path, str], Path], str]] = [
    ("output-long-name", lambda d, ext: d / ("a" * 300 + ext), "too long"),
    ("output-missing-folder", lambda d, ext: d / "missing" / f"a{ext}", "does not exist"),
    ("output-is-folder", lambda d, ext: folder(d / f"a{ext}"), "folder"),
    ("output-wrong-extension", lambda d, ext: d / "a.xyz", "writes"),
]


@pytest.fixture
def locked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files named ``locked*`` cannot be opened, as for a user without read permission
    (injected: the suite may run as root, whom permissions do not stop)."""
    real_os_open, real_open = os.open, builtins.open

    def deny(path: Any) -> None:
        if isinstance(path, str | bytes | os.PathLike) and os.fsdecode(path).split("/")[
            -1
        ].startswith("locked"):
            raise PermissionError(errno.EACCES, "Permission denied", os.fsdecode(path))

    def os_open(path: Any, *args: Any, **kwargs: Any) -> int:
        deny(path)
        return real_os_open(path, *args, **kwargs)

    def open_(file: Any, *args: Any, **kwargs: Any) -> Any:
        deny(file)
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(builtins, "open", open_)


def _refused(outcome: Outcome, words: str) -> None:
    assert outcome.code == 2, outcome
    assert words.lower() in outcome.err.lower(), outcome.err
    assert "\x1b" not in outcome.err and "\x07" not in outcome.err


@pytest.mark.usefixtures("locked")
@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize(
    ("case", "build", "words"), EMOTION_CASES, ids=[c[0] for c in EMOTION_CASES]
)
def test_generate_refuses_hostile_emotion_input(
    cli: Any, tmp_path: Path, kind: str, case: str, build: Build, words: str
) -> None:
    ext, kind_options = KINDS[kind]
    out = folder(tmp_path / "out")
    outcome = cli(
        "generate", kind, "-o", out / f"a{ext}", *kind_options(tmp_path), *build(tmp_path)
    )
    _refused(outcome, words)
    assert list(out.iterdir()) == [] and leftovers(tmp_path) == []


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize(
    ("case", "target", "words"), OUTPUT_CASES, ids=[c[0] for c in OUTPUT_CASES]
)
def test_generate_refuses_an_output_it_cannot_write(
    cli: Any, tmp_path: Path, kind: str, case: str, target: Any, words: str
) -> None:
    ext, kind_options = KINDS[kind]
    out = folder(tmp_path / "out")
    outcome = cli("generate", kind, "-o", target(out, ext), *kind_options(tmp_path))
    _refused(outcome, words)
    assert leftovers(tmp_path) == []
    assert [p for p in out.iterdir() if not p.is_dir()] == []


@pytest.mark.parametrize("kind", list(KINDS))
def test_generate_refuses_a_read_only_output_and_keeps_it(
    cli: Any, tmp_path: Path, kind: str
) -> None:
    ext, kind_options = KINDS[kind]
    target = tmp_path / f"a{ext}"
    target.write_bytes(b"precious")
    target.chmod(0o444)
    _refused(cli("generate", kind, "-o", target, *kind_options(tmp_path)), "read-only")
    assert target.read_bytes() == b"precious" and leftovers(tmp_path) == []


@pytest.mark.parametrize("kind", list(KINDS))
def test_generate_refuses_a_param_nested_too_deeply(cli: Any, tmp_path: Path, kind: str) -> None:
    ext = KINDS[kind][0]
    key = TEXT_PARAM[kind]
    outcome = cli(
        "generate", kind, "-o", tmp_path / f"a{ext}", "--param", f"{key}={deep_json(20_000)}"
    )
    _refused(outcome, "deeply")
    assert list(tmp_path.glob("a.*")) == []


# -- generator inputs --------------------------------------------------------------------------
PHOTO_CASES: list[tuple[str, Build, str]] = [
    ("fifo", lambda d: [fifo(d / "p.png")], "a pipe (FIFO), not a regular file"),
    ("dev-zero", lambda d: [zero_link(d / "p.png")], "a device, not a regular file"),
    ("folder", lambda d: [folder(d / "p.png")], "a folder, not a regular file"),
    ("missing", lambda d: [d / "nope.png"], "no such file"),
    ("locked", lambda d: [_write(d / "locked.png", b"x")], ""),
    ("not-an-image", lambda d: [_write(d / "p.png", b"hello, not pixels" * 10)], "not an image"),
    (
        "truncated",
        lambda d: [_write(d / "p.png", png_header_only(d / "q.png", 64, 64).read_bytes()[:40])],
        "p.png",
    ),
    ("long-name", lambda d: [d / ("p" * 300 + ".png")], "too long"),
    ("8000-square", lambda d: [png_header_only(d / "p.png", 8000, 8000)], "Mpx"),
    (
        "beyond-any-size",
        lambda d: [png_header_only(d / "p.png", 100_000, 100_000), "--size", "256x256"],
        "p.png",
    ),
]


@pytest.mark.usefixtures("locked")
@pytest.mark.parametrize(("case", "build", "words"), PHOTO_CASES, ids=[c[0] for c in PHOTO_CASES])
def test_image_refuses_a_hostile_photo(
    cli: Any, tmp_path: Path, case: str, build: Build, words: str
) -> None:
    out = folder(tmp_path / "out")
    outcome = cli("generate", "image", "-o", out / "a.png", "--input", *build(tmp_path))
    _refused(outcome, words)
    assert list(out.iterdir()) == [] and leftovers(tmp_path) == []


AUDIO_CASES: list[tuple[str, Build, str]] = [
    ("fifo", lambda d: fifo(d / "v.wav"), "is a pipe (FIFO), not a file"),
    ("dev-zero", lambda d: zero_link(d / "v.wav"), "is a device, not a file"),
    ("folder", lambda d: folder(d / "v.wav"), "folder"),
    ("missing", lambda d: d / "nope.wav", "does not exist"),
    ("three-hours", lambda d: wav_header(d / "v.wav", 3 * 3600), "too long"),
    ("one-hertz", lambda d: wav(d / "v.wav", seconds=5, rate=1), "sample rate"),
    ("too-short", lambda d: wav(d / "v.wav", seconds=0.01), "too short"),
    ("hundred-channels", lambda d: wav_header(d / "v.wav", 1, 16000, 100), "channels"),
    ("garbage", lambda d: _write(d / "v.wav", os.urandom(4096)), "cannot read audio"),
    ("long-name", lambda d: d / ("v" * 300 + ".wav"), "too long"),
    ("dev-zero-long", lambda d: zero_link(d / "v.flac"), "device"),
]


@pytest.mark.parametrize(("case", "build", "words"), AUDIO_CASES, ids=[c[0] for c in AUDIO_CASES])
def test_talking_head_refuses_hostile_audio(
    cli: Any, tmp_path: Path, case: str, build: Build, words: str
) -> None:
    out = folder(tmp_path / "out")
    audio = build(tmp_path)
    outcome = cli(
        "generate", "talking-head", "-o", out / "a.mp4", "--audio", audio, "--size", "256"
    )
    _refused(outcome, words)
    assert list(out.iterdir()) == [] and leftovers(tmp_path) == []


# -- inspect -------------------------------------------------------------------------------
INSPECT_CASES: list[tuple[str, Build, str]] = [
    ("fifo-png", lambda d: [fifo(d / "f.png")], "pipe"),
    ("fifo-json", lambda d: [fifo(d / "f.json")], "pipe"),
    ("dev-zero-png", lambda d: [zero_link(d / "f.png")], "device"),
    ("dev-zero-json", lambda d: [zero_link(d / "f.json")], "device"),
    ("dev-zero-mid", lambda d: [zero_link(d / "f.mid")], "device"),
    ("folder", lambda d: [folder(d / "f.png")], "folder"),
    ("missing", lambda d: [d / "nope.png"], "no such file"),
    ("long-name", lambda d: [d / ("f" * 300 + ".png")], "too long"),
    ("locked-png", lambda d: [png_with_text(d / "locked.png", "{}")], "permission"),
    ("locked-json", lambda d: [_write(d / "locked.json", "{}")], "permission"),
    ("sparse-2gb-png", lambda d: [sparse(d / "f.png", 2 * 2**30)], "PNG"),
    ("sparse-2gb-mid", lambda d: [sparse(d / "f.mid", 2 * 2**30)], "too large"),
    ("sparse-2gb-json", lambda d: [sparse(d / "f.json", 2 * 2**30)], "too large"),
    ("deep-png", lambda d: [png_with_text(d / "f.png", DEEP_STATE)], "deeply"),
    ("deep-json", lambda d: [_write(d / "f.json", DEEP_STATE)], "deeply"),
    (
        "deep-midi",
        lambda d: [_midi_with_text(d / "f.mid", "emotion-studio:" + DEEP_STATE)],
        "deeply",
    ),
    ("deep-flac", lambda d: [_flac_with_tag(d / "f.flac", DEEP_STATE)], "deeply"),
    ("garbage-png", lambda d: [_write(d / "f.png", os.urandom(512))], "PNG"),
    (
        "truncated-png",
        lambda d: [_write(d / "f.png", png_with_text(d / "g.png", "{}").read_bytes()[:60])],
        "truncated",
    ),
    ("no-state", lambda d: [png_with_text(d / "f.png", "{}")], "no emotion state"),
    ("bad-state", lambda d: [png_with_text(d / "f.png", '{"condition": {"vad": 3}}')], "vad"),
    ("not-an-object", lambda d: [png_with_text(d / "f.png", "[1, 2]")], "object"),
    ("bad-crc", lambda d: [_bad_crc(d)], "CRC"),
    (
        "huge-sidecar",
        lambda d: [_with_sidecar(d, sparse(d / "s", 17 * 2**20).read_bytes())],
        "too large",
    ),
]


@pytest.mark.usefixtures("locked")
@pytest.mark.parametrize(
    ("case", "build", "words"), INSPECT_CASES, ids=[c[0] for c in INSPECT_CASES]
)
def test_inspect_refuses_hostile_files(
    cli: Any, tmp_path: Path, case: str, build: Build, words: str
) -> None:
    for extra in ([], ["--json"]):
        _refused(cli("inspect", *build(tmp_path if not extra else _fresh(tmp_path)), *extra), words)


def _fresh(tmp_path: Path) -> Path:
    sub = tmp_path / "again"
    sub.mkdir(exist_ok=True)
    return sub


# -- the other commands -------------------------------------------------------------------------
OTHER_CASES: list[tuple[str, Build, str]] = [
    (
        "condition-overflow",
        lambda d: ["condition", "--emotion", "joy:1e308,trust:1e308"],
        "too large",
    ),
    ("condition-fifo", lambda d: ["condition", "--condition", fifo(d / "c.json")], "pipe"),
    (
        "condition-deep",
        lambda d: ["condition", "--condition", _write(d / "c.json", deep_json())],
        "deeply",
    ),
    (
        "condition-trajectory",
        lambda d: ["condition", "--trajectory", _write(d / "t.json", _trajectory(2))],
        "not a trajectory",
    ),
    (
        "condition-two-ways",
        lambda d: ["condition", "--valence", "0.5", "--word", "calm"],
        "choose one",
    ),
    ("list-unknown-option", lambda d: ["list", "--bogus"], "unrecognized"),
    ("list-extra-argument", lambda d: ["list", "extra"], "unrecognized"),
    ("schema-extra-argument", lambda d: ["schema", "extra"], "unrecognized"),
    ("unknown-command", lambda d: ["frobnicate"], "invalid choice"),
    ("generate-unknown-kind", lambda d: ["generate", "hologram", "-o", d / "a.png"], "hologram"),
    ("sweep-grid-zero", lambda d: ["sweep", "image", "--grid", "0", "-o", d / "s"], "grid"),
    ("sweep-grid-huge", lambda d: ["sweep", "image", "--grid", "100000", "-o", d / "s"], "grid"),
    (
        "sweep-output-is-a-file",
        lambda d: ["sweep", "image", "--grid", "1", "-o", _write(d / "s", "x")],
        "s",
    ),
    (
        "sweep-with-valence",
        lambda d: ["sweep", "image", "--grid", "2", "-o", d / "s", "--valence", "0.2"],
        "unrecognized arguments: --valence",
    ),
    (
        "sweep-deep-param",
        lambda d: [
            "sweep",
            "image",
            "--grid",
            "1",
            "-o",
            d / "s",
            "--param",
            f"prompt={deep_json(20_000)}",
        ],
        "deeply",
    ),
    ("seed-negative", lambda d: ["generate", "image", "-o", d / "a.png", "--seed", "-1"], "seed"),
    ("seed-huge", lambda d: ["generate", "image", "-o", d / "a.png", "--seed", str(2**40)], "seed"),
]


@pytest.mark.parametrize(("case", "build", "words"), OTHER_CASES, ids=[c[0] for c in OTHER_CASES])
def test_other_commands_refuse_bad_input(
    cli: Any, tmp_path: Path, case: str, build: Build, words: str
) -> None:
    _refused(cli(*build(tmp_path)), words)
    assert leftovers(tmp_path) == []


# -- echoed user text is bounded ---------------------------------------------------------------
HUGE = "a" * 100_000
ECHO_CASES: list[tuple[str, list[str], str]] = [
    ("emotion-id", ["--emotion", HUGE], "unknown emotion id"),
    ("emotion-weight", ["--emotion", f"joy:{HUGE}"], "not a number"),
    ("word", ["--word", HUGE], "not in the emotion lexicon"),
    ("param-key", ["--param", f"{HUGE}=1"], "has no parameter"),
    ("param-value", ["--param", f"key={HUGE}"], "key"),
]


@pytest.mark.parametrize(("case", "args", "words"), ECHO_CASES, ids=[c[0] for c in ECHO_CASES])
def test_a_huge_input_is_echoed_bounded(
    cli: Any, tmp_path: Path, case: str, args: list[str], words: str
) -> None:
    outcome = cli("generate", "music", "-o", tmp_path / "a.mid", *args)
    _refused(outcome, words)
    assert len(outcome.err) < 240, outcome.err
    assert "aaaa" in outcome.err  # still shows what was given, cut


def test_quote_and_the_error_funnel_bound_user_text() -> None:
    from studio.errors import one_line, quote

    assert quote("joy") == "'joy'" and quote(3) == "3"
    assert quote(HUGE) == f"'{'a' * 60}'… (100000 characters)"
    line = one_line(ValueError(f"no such thing {HUGE!r}, nor {'b' * 30!r}"))
    assert line == f"no such thing '{'a' * 60}'… (100000 characters), nor '{'b' * 30}'"
