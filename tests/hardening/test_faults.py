"""Faults during a generation: a full disk, a failing embed, SIGTERM/SIGINT at any moment, a
killed run's leftovers. The output is always the previous file or a complete tagged one,
never a file without its state, and no temp file stays behind."""

from __future__ import annotations

import dataclasses
import errno
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from studio import session
from studio.emotion import Condition
from studio.errors import BadInput, GenerationFailed
from studio.library import atomic, metadata
from studio.library.export import read_state
from studio.library.history import History
from studio.library.metadata import read_embedded
from studio.plugins import Registry, Request
from tests.hardening.conftest import folder, leftovers, wav


def _request(kind: str, output: Path, **params: Any) -> Request:
    return Request(kind, output, condition=Condition.from_vad(0.6, 0.3), params=params)


FAST: dict[str, tuple[str, dict[str, Any]]] = {
    "image": (".png", {"size": "256x256"}),
    "music": (".wav", {"duration": 5}),
    "music-midi": (".mid", {"duration": 5}),
    "image-jpeg": (".jpg", {"size": "256x256"}),  # no embedding: the sidecar carries it
}


def _kind(name: str) -> str:
    return name.split("-")[0]


def _tagged(path: Path) -> bool:
    return "condition" in read_state(path)


# -- a failing write ----------------------------------------------------------------------------
def _enospc(*args: Any, **kwargs: Any) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize("name", list(FAST))
@pytest.mark.parametrize("stage", ["render", "embed", "rename"])
def test_a_full_disk_at_any_step_leaves_the_previous_file(
    installed: Registry,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    stage: str,
) -> None:
    ext, params = FAST[name]
    out = tmp_path / f"a{ext}"
    first = session.generate(installed, _request(_kind(name), out, **params))
    before = out.read_bytes()
    assert _tagged(first.artifact.path)
    if stage == "render":  # the generator's own atomic write fails
        monkeypatch.setattr(atomic, "_fsync_file", _enospc)
    elif stage == "embed":  # tagging the staged file fails (or the sidecar, for JPEG)
        for ext_, codec in list(metadata._CODECS.items()):
            monkeypatch.setitem(metadata._CODECS, ext_, dataclasses.replace(codec, store=_enospc))
        monkeypatch.setattr("studio.library.export.atomic_write", _failing_atomic_write)
    else:  # the final rename fails
        monkeypatch.setattr(atomic.Staging, "commit", _failing_commit)
    with pytest.raises((BadInput, GenerationFailed)) as info:
        session.generate(installed, _request(_kind(name), out, seed=1, **params))
    assert "\n" not in str(info.value)
    monkeypatch.undo()
    assert out.read_bytes() == before and _tagged(out)
    assert leftovers(tmp_path) == []


def _failing_atomic_write(*args: Any, **kwargs: Any) -> Any:
    raise OSError(errno.ENOSPC, "No space left on device")


def _failing_commit(self: atomic.Staging) -> None:
    raise atomic.ExportError(errno.ENOSPC, f"cannot write {self.target}: No space left")


@pytest.mark.parametrize("name", list(FAST))
def test_a_failing_embed_leaves_no_file_at_all(
    installed: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    ext, params = FAST[name]
    for ext_, codec in list(metadata._CODECS.items()):
        monkeypatch.setitem(metadata._CODECS, ext_, dataclasses.replace(codec, store=_enospc))
    monkeypatch.setattr("studio.library.export.atomic_write", _failing_atomic_write)
    with History(tmp_path / "home") as history:
        with pytest.raises((BadInput, GenerationFailed)):
            session.generate(
                installed, _request(_kind(name), tmp_path / f"a{ext}", **params), history=history
            )
        assert history.count() == 0  # the row follows the rename: no file, no row
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"]


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 4 MiB file system of its own (root only), to fill up for real."""
    mount = tmp_path / "disk"
    mount.mkdir()
    try:
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)],
            check=True,
            capture_output=True,
            timeout=20,
        )
    except (OSError, subprocess.SubprocessError):
        pytest.skip("cannot mount a tmpfs here (needs root); the injected cases cover it")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False, timeout=20)


def _free(path: Path) -> int:
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


def _fill(disk: Path, leave: int) -> None:
    filler = disk / "filler"
    size = max(0, _free(disk) - leave)
    with filler.open("wb") as fh:
        fh.write(b"\1" * size)


def test_a_real_full_disk(installed: Registry, tmpfs: Path, cli: Any) -> None:
    out = tmpfs / "song.wav"
    assert cli("generate", "music", "-o", out, "--duration", "5", "--no-history").code == 0
    size = out.stat().st_size
    before = out.read_bytes()
    # Room for half a file: the new one cannot be made; the old one stays, tagged.
    _fill(tmpfs, size // 2)
    outcome = cli("generate", "music", "-o", out, "--duration", "5", "--seed", "3")
    assert outcome.code in (1, 2)  # one line (checked by cli); the writer words the reason
    assert out.read_bytes() == before and leftovers(tmpfs) == []
    # Room for the file once but not twice: made and tagged in one go.
    (tmpfs / "filler").unlink()
    out.unlink()
    _fill(tmpfs, int(size * 1.3))
    assert cli("generate", "music", "-o", out, "--duration", "5", "--no-history").code == 0
    assert read_embedded(out) is not None and leftovers(tmpfs) == []


# -- stale temp files ---------------------------------------------------------------------------
def test_stale_temp_files_of_ours_are_removed_at_the_next_start(
    installed: Registry, tmp_path: Path
) -> None:
    out = folder(tmp_path / "out")
    old = time.time() - 3600
    stale_file = out / ".a.png.0123abcd.part"
    stale_dir = out / ".a.png.89abcdef.part"
    stale_file.write_bytes(b"x" * 100)
    stale_dir.mkdir()
    (stale_dir / "a.png").write_bytes(b"half")
    fresh = out / ".b.png.fedcba98.part"  # newer than this process: someone else's, live
    fresh.write_bytes(b"y")
    others = [out / ".a.png.part", out / ".a.png.0123abcd.partial", out / "a.png.0123abcd.part"]
    for p in others:
        p.write_bytes(b"not ours")
    for p in (stale_file, stale_dir, *others):
        os.utime(p, (old, old))
    os.utime(fresh, (time.time() + 60, time.time() + 60))
    session.generate(installed, _request("image", out / "c.png", size="256x256"))
    names = {p.name for p in out.iterdir()}
    assert stale_file.name not in names and stale_dir.name not in names
    assert {fresh.name, *(p.name for p in others), "c.png"} <= names


def test_a_stale_looking_temp_file_another_process_holds_is_kept(
    installed: Registry, tmp_path: Path
) -> None:
    out = folder(tmp_path / "out")
    held = out / ".a.png.0123abcd.part"
    held.write_bytes(b"x")
    os.utime(held, (time.time() - 3600, time.time() - 3600))
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl,os,sys,time; fd=os.open(sys.argv[1], os.O_RDONLY); "
            "fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)",
            str(held),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        session.generate(installed, _request("image", out / "c.png", size="256x256"))
        assert held.exists()
    finally:
        holder.kill()
        holder.wait()


# -- signals ------------------------------------------------------------------------------------
SIGNAL_RUNS: dict[str, Callable[[Path], list[Any]]] = {
    "talking-head": lambda d: [
        "talking-head",
        "-o",
        d / "out" / "clip.mp4",
        "--audio",
        wav(d / "voice.wav", seconds=4.0),
        "--size",
        "256",
        "--fps",
        "24",
    ],
    "music": lambda d: ["music", "-o", d / "out" / "song.wav", "--duration", "20"],
    "image": lambda d: ["image", "-o", d / "out" / "pic.png", "--size", "1024x1024"],
}
DELAYS = (0.0, 0.05, 0.15, 0.3, 0.6, 1.0)


def _wait_for_staging(out: Path, proc: subprocess.Popen[str], timeout: float = 60.0) -> bool:
    """Until the run's staging folder appears (its generation has begun) or it ends."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if leftovers(out) or proc.poll() is not None:
            return proc.poll() is None
        time.sleep(0.005)
    raise AssertionError("the generation never started")


@pytest.mark.parametrize("delay", DELAYS)
@pytest.mark.parametrize("kind", list(SIGNAL_RUNS))
def test_sigterm_at_any_moment_leaves_no_temp_and_no_untagged_file(
    spawn: Callable[..., subprocess.Popen[str]], tmp_path: Path, kind: str, delay: float
) -> None:
    out = folder(tmp_path / "out")
    proc = spawn("generate", *SIGNAL_RUNS[kind](tmp_path))
    if _wait_for_staging(out, proc):
        time.sleep(delay)
        proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    # 0: it finished first; -SIGTERM: it arrived after the command, at interpreter exit.
    assert proc.returncode in (0, 128 + signal.SIGTERM, -signal.SIGTERM), stderr
    assert "Traceback" not in stderr
    if proc.returncode == 128 + signal.SIGTERM:
        assert stderr.count("\n") == 1 and "interrupted (SIGTERM)" in stderr, stderr
    assert leftovers(tmp_path) == []
    for made in out.iterdir():  # a file there is complete and carries its state
        assert read_embedded(made) is not None, made


@pytest.mark.parametrize("kind", ["talking-head", "music"])
def test_sigint_keeps_the_previous_file(
    spawn: Callable[..., subprocess.Popen[str]], tmp_path: Path, kind: str
) -> None:
    out = folder(tmp_path / "out")
    args = SIGNAL_RUNS[kind](tmp_path)
    first = spawn("generate", *args, "--seed", "1")
    assert first.wait(timeout=120) == 0
    target = Path(args[2])
    before = target.read_bytes()
    proc = spawn("generate", *args, "--seed", "2")
    if _wait_for_staging(out, proc):
        time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    if proc.returncode != 0:
        assert proc.returncode == 128 + signal.SIGINT and "interrupted (SIGINT)" in stderr
        assert target.read_bytes() == before
    assert read_embedded(target) is not None and leftovers(tmp_path) == []


def test_after_kill_9_the_next_run_removes_the_leftovers(
    spawn: Callable[..., subprocess.Popen[str]], tmp_path: Path
) -> None:
    out = folder(tmp_path / "out")
    args = SIGNAL_RUNS["music"](tmp_path)
    proc = spawn("generate", *args)
    assert _wait_for_staging(out, proc)
    proc.kill()  # no handler runs: the staging folder stays
    proc.wait()
    assert leftovers(out)
    again = spawn("generate", *args)
    assert again.wait(timeout=120) == 0
    assert leftovers(out) == [] and read_embedded(Path(args[2])) is not None


def test_interrupted_window_job_leaves_nothing(tmp_path: Path) -> None:
    """The window's path: a staged request whose job never finishes is discarded."""
    staged = session.stage(_request("image", tmp_path / "a.png"))
    assert staged.path.parent.exists() and staged.request.output == tmp_path / "a.png"
    session.discard(staged)
    assert list(tmp_path.iterdir()) == []


def test_keep_finishes_a_job_staged_in_another_process(installed: Registry, tmp_path: Path) -> None:
    """keep() of a staged request it did not stage itself (a batch driver's worker)."""
    generator = installed.get("image")
    folder_ = tmp_path / ".a.png.0123abcd.part"
    folder_.mkdir()
    staged = session.Staged(
        _request("image", tmp_path / "a.png", size="256x256"), folder_ / "a.png"
    )
    artifact = generator.generate(staged.render)  # a worker makes the staging file
    assert artifact.path == folder_ / "a.png" and not (tmp_path / "a.png").exists()
    kept = session.keep(artifact, staged, None)
    assert kept.artifact.path == tmp_path / "a.png"
    assert read_embedded(tmp_path / "a.png") is not None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png"]
