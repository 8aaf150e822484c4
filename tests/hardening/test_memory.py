"""Hostile sizes in a subprocess capped at 1.5 GB of address space: each is refused (or, for
a large photo with --size, handled) from its header, within the cap, without hanging; the
peak RSS of each run is checked against the same bound."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.hardening.conftest import (
    CAP_BYTES,
    fifo,
    png_header_only,
    run_capped,
    sparse,
    wav_header,
    zero_link,
)


def _keyframes(path: Path, n: int) -> Path:
    """A trajectory file of ``n`` keyframes (1.3 M took 1.5 GB before it was refused)."""
    frame = '{"time": %d, "condition": {"vad": {"valence": 0.1, "arousal": 0, "dominance": 0}}}'
    with path.open("w") as fh:
        fh.write('{"keyframes": [')
        fh.write(",".join(frame % i for i in range(n)))
        fh.write("]}")
    return path


def _big_jpeg(path: Path, side: int) -> Path:
    from PIL import Image

    rng = np.random.default_rng(0)
    tile = rng.integers(0, 255, (side // 8, side // 8, 3), dtype=np.uint8)
    Image.fromarray(np.tile(tile, (8, 8, 1))).save(path, quality=80)
    return path


Case = Callable[[Path], list[Any]]
REFUSED: list[tuple[str, Case, str]] = [
    ("inspect-sparse-2gb-png", lambda d: ["inspect", sparse(d / "f.png", 2 * 2**30)], "PNG"),
    ("inspect-sparse-2gb-mid", lambda d: ["inspect", sparse(d / "f.mid", 2 * 2**30)], "large"),
    ("inspect-sparse-2gb-json", lambda d: ["inspect", sparse(d / "f.json", 2 * 2**30)], "large"),
    ("inspect-dev-zero-json", lambda d: ["inspect", zero_link(d / "f.json")], "device"),
    ("inspect-fifo", lambda d: ["inspect", fifo(d / "f.png")], "pipe"),
    (
        "condition-fifo",
        lambda d: ["generate", "image", "-o", d / "a.png", "--condition", fifo(d / "c.json")],
        "pipe",
    ),
    (
        "condition-dev-zero",
        lambda d: ["condition", "--condition", zero_link(d / "c.json")],
        "device",
    ),
    (
        "condition-sparse-2gb",
        lambda d: ["condition", "--condition", sparse(d / "c.json", 2 * 2**30)],
        "large",
    ),
    (
        "trajectory-1.3m-keyframes",
        lambda d: [
            "generate",
            "music",
            "-o",
            d / "a.mid",
            "--trajectory",
            _keyframes(d / "t.json", 1_300_000),
        ],
        "large",
    ),
    (
        "audio-three-hours",
        lambda d: [
            "generate",
            "talking-head",
            "-o",
            d / "a.mp4",
            "--audio",
            wav_header(d / "v.wav", 3 * 3600),
        ],
        "too long",
    ),
    (
        "photo-8000-square",
        lambda d: [
            "generate",
            "image",
            "-o",
            d / "a.png",
            "--input",
            png_header_only(d / "p.png", 8000, 8000),
        ],
        "Mpx",
    ),
]


@pytest.mark.parametrize(("case", "build", "words"), REFUSED, ids=[c[0] for c in REFUSED])
def test_refused_within_the_cap(tmp_path: Path, case: str, build: Case, words: str) -> None:
    run = run_capped(build(tmp_path), tmp_path / "home", timeout=60)
    assert run.code == 2, run
    assert words.lower() in run.err.lower() and run.err.count("\n") == 1, run.err
    assert "Traceback" not in run.err
    assert run.peak_rss < CAP_BYTES, f"{case}: peak {run.peak_rss / 2**20:.0f} MiB"
    assert not (tmp_path / "a.png").exists() and not (tmp_path / "a.mp4").exists()


def test_a_large_photo_with_a_size_is_decoded_small(tmp_path: Path) -> None:
    photo = _big_jpeg(tmp_path / "p.jpg", 8000)
    out = tmp_path / "a.png"
    run = run_capped(
        ["generate", "image", "-o", out, "--input", photo, "--size", "512x512", "--json"],
        tmp_path / "home",
    )
    assert run.code == 0, run.err
    assert json.loads(run.out)["file"] == str(out)
    assert run.peak_rss < CAP_BYTES, f"peak {run.peak_rss / 2**20:.0f} MiB"


def test_the_longest_accepted_audio_is_read_within_the_cap(tmp_path: Path) -> None:
    """Ten minutes of 8-channel 48 kHz audio (the duration cap): read and mixed to mono in
    blocks, so memory holds the mono samples, not the file's channels."""
    voice = wav_header(tmp_path / "v.wav", 600, rate=48_000, channels=8)  # sparse: silence
    run = run_capped(
        [voice],
        tmp_path / "home",
        python=(
            "import sys; from pathlib import Path; "
            "from generators.talking_head.audio import read_audio; "
            "x, rate = read_audio(Path(sys.argv[1])); print(len(x), rate)"
        ),
    )
    assert run.code == 0, run.err
    assert run.out.split() == [str(600 * 48_000), "48000"]
    assert run.peak_rss < CAP_BYTES, f"peak {run.peak_rss / 2**20:.0f} MiB"
