"""Bounded reading of user files: regular files only, byte caps, JSON depth before parsing."""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import pytest

from studio.errors import BadInput
from studio.library.inputs import (
    check_regular,
    json_depth,
    loads_json,
    open_regular,
    read_bytes,
    read_json,
)
from studio.library.metadata import read_embedded


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        (b"1", 0),
        (b"[]", 1),
        (b'{"a": [1, {"b": []}]}', 4),
        (b'["[[[[", "]]]]", "\\"[[["]', 1),  # brackets inside strings do not count
        (b'"\\\\"', 0),  # an escaped backslash closes the string
        (b"[" * 70 + b"]" * 70, 70),
    ],
)
def test_json_depth_counts_only_structure(text: bytes, depth: int) -> None:
    assert json_depth(text) == depth


def test_loads_json_checks_depth_and_size_before_parsing() -> None:
    assert loads_json('{"a": [1, 2]}', "x") == {"a": [1, 2]}
    with pytest.raises(BadInput, match="x is JSON nested too deeply"):
        loads_json("[" * 65 + "]" * 65, "x")
    with pytest.raises(BadInput, match="x is too large"):
        loads_json(" " * 100 + "1", "x", max_bytes=64)
    with pytest.raises(BadInput, match="x is not valid JSON"):
        loads_json(b"\xff\xfe{", "x")


def test_only_regular_files_are_read(tmp_path: Path) -> None:
    pipe = tmp_path / "p"
    os.mkfifo(pipe)
    link = tmp_path / "z"
    link.symlink_to("/dev/zero")
    for path, kind in ((pipe, "pipe"), (link, "device"), (tmp_path, "folder")):
        with pytest.raises(BadInput, match=kind):
            check_regular(path, "input")
        with pytest.raises(BadInput, match=kind):
            open_regular(path, "input")
    with pytest.raises(BadInput, match="no such file"):
        read_json(tmp_path / "missing.json", "condition")


def test_a_file_over_its_cap_is_refused_unread(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    with big.open("wb") as fh:
        fh.truncate(2 * 2**30)
    with pytest.raises(BadInput, match="too large"):
        read_bytes(big, "condition", 2**20)
    small = tmp_path / "s.json"
    small.write_text("[1]")
    assert read_json(small, "condition") == [1]


def _chunk(ctype: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + ctype + data + struct.pack(">I", zlib.crc32(ctype + data))


def test_a_compressed_text_bomb_stops_at_the_cap(tmp_path: Path) -> None:
    bomb = zlib.compress(b" " * (40 * 2**20), 9)  # 40 MiB of spaces in ~40 kB
    itxt = b"emotion-studio\0\1\0\0\0" + bomb
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    png = tmp_path / "bomb.png"
    png.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", ihdr)
        + _chunk(b"iTXt", itxt)
        + _chunk(b"IDAT", zlib.compress(b"\0\0\0\0"))
        + _chunk(b"IEND", b"")
    )
    with pytest.raises(ValueError, match="inflates past"):
        read_embedded(png)


def test_compressed_text_within_the_cap_is_read(tmp_path: Path) -> None:
    itxt = b"emotion-studio\0\1\0\0\0" + zlib.compress(b'{"seed": 5}')
    ztxt = b"Comment\0\0" + zlib.compress(b"hello")
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    png = tmp_path / "ok.png"
    png.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", ihdr)
        + _chunk(b"zTXt", ztxt)
        + _chunk(b"iTXt", itxt)
        + _chunk(b"IDAT", zlib.compress(b"\0\0\0\0"))
        + _chunk(b"IEND", b"")
    )
    assert read_embedded(png) == {"seed": 5}
