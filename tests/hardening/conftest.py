"""Shared pieces of the bad-input and fault matrix: hostile files, and ways to run the command.

In process (``cli``) for speed; in a subprocess (``run_capped``) where a case needs its own
address-space limit, its own peak memory, or a signal.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from studio.cli import main
from studio.library.atomic import is_temp_name
from studio.plugins import Registry

REPO = Path(__file__).resolve().parents[2]
CAP_BYTES = 1536 * 2**20  # the bound: 1.5 GB of address space per case
SR = 16_000


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str


@pytest.fixture(scope="session")
def installed() -> Registry:
    """The installed generators (image, music, speech, talking-head) via entry points."""
    registry = Registry()
    registry.load_all()
    return registry


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], installed: Registry) -> Callable[..., Outcome]:
    """Run ``studio ARGS`` in this process; every failure must be one line, no traceback."""

    def run(*args: str | Path, registry: Registry | None = None) -> Outcome:
        capsys.readouterr()
        code = main([str(a) for a in args], registry or installed)
        captured = capsys.readouterr()
        outcome = Outcome(code, captured.out, captured.err)
        assert "Traceback" not in outcome.err, outcome.err
        if code != 0:
            assert outcome.err.count("\n") == 1 and outcome.err.startswith("error: "), outcome
        return outcome

    return run


# -- hostile files ----------------------------------------------------------------------------
def fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def zero_link(path: Path) -> Path:
    path.symlink_to("/dev/zero")
    return path


def folder(path: Path) -> Path:
    path.mkdir()
    return path


def sparse(path: Path, size: int, head: bytes = b"") -> Path:
    """A file of ``size`` bytes that takes no disk space beyond ``head``."""
    with path.open("wb") as fh:
        fh.write(head)
        fh.truncate(size)
    return path


def deep_json(depth: int = 100_000) -> str:
    return "[" * depth + "]" * depth


def wav(path: Path, seconds: float = 1.0, rate: int = SR, channels: int = 1) -> Path:
    import soundfile

    t = np.arange(int(seconds * rate)) / rate
    tone = (0.2 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    soundfile.write(str(path), np.repeat(tone[:, None], channels, axis=1), rate)
    return path


def wav_header(path: Path, seconds: float, rate: int = 48_000, channels: int = 2) -> Path:
    """A 16-bit PCM WAV whose header declares ``seconds`` of audio, written sparse."""
    data = int(seconds * rate) * channels * 2
    header = struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF",
        36 + data,
        b"WAVE",
        b"fmt ",
        16,
        1,
        channels,
        rate,
        rate * channels * 2,
        channels * 2,
        16,
        b"data",
        data,
    )
    return sparse(path, len(header) + data, header)


def png_chunk(ctype: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + ctype + data + struct.pack(">I", zlib.crc32(ctype + data))


def png_header_only(path: Path, width: int, height: int) -> Path:
    """A PNG that declares width × height but holds one tiny IDAT (a decompression bomb's
    header: only a reader that decodes before checking the size pays for it)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 64)
    blob = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat)
    path.write_bytes(blob + png_chunk(b"IEND", b""))
    return path


def png_with_text(path: Path, text: str, key: str = "emotion-studio") -> Path:
    """A 1×1 PNG carrying ``text`` in an iTXt chunk under ``key``."""
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0\0\0\0")
    itxt = key.encode("latin-1") + b"\0\0\0\0\0" + text.encode("utf-8")
    blob = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"iTXt", itxt)
    path.write_bytes(blob + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b""))
    return path


def leftovers(directory: Path) -> list[str]:
    """Our temp files or staging folders anywhere under ``directory``."""
    return sorted(str(p) for p in directory.rglob("*") if is_temp_name(p.name))


# -- subprocesses -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Capped:
    code: int
    out: str
    err: str
    peak_rss: int  # bytes


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ, STUDIO_HOME=str(home), PYTHONPATH=str(REPO))
    env.pop("STUDIO_DEBUG", None)
    # OpenBLAS reserves address space per thread at import: on a many-core machine that
    # alone would pass the cap, whatever the input. One thread measures the input's cost.
    env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return env


# A small launcher between the test process and the capped command. Linux keeps a process's
# RSS high-water mark across fork and exec, so a command forked straight from a test process
# that has grown (in-process tests load models) would report that process's peak as its own.
# The launcher starts small; the command forked from it reports only what it used itself.
_LAUNCH = """
import json, os, resource, sys
cap, report, argv = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
pid = os.fork()
if pid == 0:
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    os.execv(argv[0], argv)
_, status, usage = os.wait4(pid, 0)
with open(report, "w") as fh:
    json.dump([os.waitstatus_to_exitcode(status), usage.ru_maxrss], fh)
"""


def run_capped(
    args: list[str | Path], home: Path, timeout: float = 120.0, *, python: str | None = None
) -> Capped:
    """``studio ARGS`` (or ``python -c PYTHON ARGS``) in a subprocess limited to 1.5 GB of
    address space; its output and peak RSS."""
    report = home.parent / "capped.json"
    report.unlink(missing_ok=True)
    with (
        (home.parent / "capped.out").open("w+") as out,
        (home.parent / "capped.err").open("w+") as err,
    ):
        head = ["-c", python] if python is not None else ["-m", "studio.cli"]
        command = [sys.executable, *head, *map(str, args)]
        proc = subprocess.Popen(
            [sys.executable, "-c", _LAUNCH, str(CAP_BYTES), str(report), *command],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            env=_env(home),
            cwd=REPO,
            start_new_session=True,  # a hang is killed with its launcher
        )
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()
            raise AssertionError(f"studio {args} did not finish in {timeout} s (a hang)") from None
        code, maxrss_kib = json.loads(report.read_text())
        out.seek(0)
        err.seek(0)
        return Capped(code, out.read(), err.read(), maxrss_kib * 1024)


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """Start ``studio ARGS`` in a subprocess (for signals); killed if the test leaves it."""
    started: list[subprocess.Popen[str]] = []
    home = tmp_path / "home"

    def start(*args: str | Path) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            [sys.executable, "-m", "studio.cli", *map(str, args)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(home),
            cwd=REPO,
        )
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
