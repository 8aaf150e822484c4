"""Batches on a real Ray cluster on loopback: a head and a second node started here, the
second killed mid-batch. Every line is done exactly once, and deterministic outputs (MIDI,
procedural PNG) are byte-identical to a local run. The cluster is stopped whatever happens.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from studio.cli import main
from studio.library.export import read_state
from studio.library.history import History
from studio.plugins import fakes
from tests.batch.conftest import mixed_lines, report, write_jsonl

RAY = Path(sys.executable).parent / "ray"
ENV = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
# A lost node is noticed after about 3 × 0.5 s instead of Ray's default 15 s or more.
FAST_FAILURE = json.dumps(
    {
        "health_check_initial_delay_ms": 1000,
        "health_check_period_ms": 500,
        "health_check_failure_threshold": 3,
    }
)


@dataclass
class Cluster:
    address: str
    second: subprocess.Popen[bytes]

    def kill_second(self) -> None:
        """SIGKILL the second node's raylet and its helpers (their own process group)."""
        os.killpg(self.second.pid, signal.SIGKILL)
        self.second.wait(30)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ray(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(RAY), *args], env=ENV, capture_output=True, text=True, timeout=timeout
    )


def _alive_nodes(address: str) -> int:
    status = _ray("status", f"--address={address}", timeout=60).stdout
    active = status.split("Active:")[-1].split("Pending:")[0]
    return sum(1 for line in active.splitlines() if "node_" in line)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    # A short private folder: Ray's socket paths must fit in 107 bytes, and nothing of this
    # cluster may be left in the shared /tmp/ray.
    assert RAY.exists(), "Ray is not installed: pip install -e '.[dev,neural,cluster]'"
    temp = Path(tempfile.mkdtemp(prefix="ray", dir="/tmp"))
    address = f"127.0.0.1:{_free_port()}"
    second: subprocess.Popen[bytes] | None = None
    common = [
        "--node-ip-address=127.0.0.1",
        "--num-cpus=1",
        "--object-store-memory=200000000",
        "--disable-usage-stats",
    ]
    try:
        # The head declares one GPU (a logical resource: Ray hands it out; torch finds no
        # CUDA device here and runs on the CPU), the second node none.
        head = _ray(
            "start",
            "--head",
            "--num-gpus=1",
            f"--port={address.split(':')[1]}",
            "--include-dashboard=false",
            f"--temp-dir={temp}",
            f"--system-config={FAST_FAILURE}",
            *common,
        )
        assert head.returncode == 0, head.stdout + head.stderr
        second = subprocess.Popen(
            [str(RAY), "start", f"--address={address}", "--block", "--num-gpus=0", *common],
            env=ENV,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while _alive_nodes(address) < 2:
            assert second.poll() is None, "the second node did not start"
            assert time.monotonic() < deadline, "the second node did not join"
            time.sleep(1)
        yield Cluster(address, second)
    finally:
        if second is not None and second.poll() is None:
            os.killpg(second.pid, signal.SIGKILL)
        _ray("stop", "--force", timeout=120)
        shutil.rmtree(temp, ignore_errors=True)


def _history_paths(home: Path) -> list[str]:
    history = History()
    try:
        return sorted(str(e.path) for e in history.list(limit=None))
    finally:
        history.close()


# Another job on the cluster: an actor holding one CPU on the head or on the second node.
HOG = """
import sys, ray
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy as On
ray.init(address=sys.argv[1], logging_level="ERROR", log_to_driver=False)
Hog = ray.remote(num_cpus=1)(type("Hog", (), {"ready": lambda self: True}))
nodes = [n for n in ray.nodes() if n["Alive"]]
head = [n for n in nodes if "node:__internal_head__" in n["Resources"]]
pick = head if sys.argv[2] == "head" else [n for n in nodes if n not in head]
hogs = [Hog.options(scheduling_strategy=On(n["NodeID"], soft=False)).remote() for n in pick]
ray.get([h.ready.remote() for h in hogs], timeout=60)
print(*[n["NodeID"] for n in pick], flush=True)
sys.stdin.read()
"""


@contextlib.contextmanager
def _hogging(address: str, where: str) -> Iterator[str]:
    """Hold the CPU of ``where`` ("head" or "second") until the block ends; its node id."""
    hog = subprocess.Popen(
        [sys.executable, "-c", HOG, address, where],
        env=ENV,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert hog.stdout is not None
        node = hog.stdout.readline().strip()
        assert node, "the other job did not start"
        yield node
    finally:
        if hog.stdin is not None:
            hog.stdin.close()
        try:
            hog.wait(30)
        except subprocess.TimeoutExpired:
            hog.kill()
            hog.wait()


def test_lines_go_only_to_workers_that_started_on_a_shared_cluster(
    cluster: Cluster,
    tmp_path: Path,
    studio_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Another job holds the head's only CPU: the lines run on the second node instead of
    waiting for ever on a worker that cannot start; once it holds both, the batch ends with
    one line saying why, its lines left pending for the next run."""
    lines = mixed_lines(4)
    src = write_jsonl(tmp_path / "b.jsonl", lines)
    with _hogging(cluster.address, "head"):
        out = tmp_path / "out"
        run = subprocess.run(
            [
                *(sys.executable, "-m", "studio.cli", "batch", str(src)),
                *("-o", str(out), "--json", "--ray", cluster.address),
            ],
            env={**ENV, "STUDIO_HOME": str(studio_home)},
            capture_output=True,
            text=True,
            timeout=120,  # the hang this guards against never ends
        )
        assert run.returncode == 0, run.stderr
        rows = report(out)["rows"]
        assert {r["status"] for r in rows} == {"done"}
        with _hogging(cluster.address, "second") as second:
            assert {r["worker"] for r in rows} == {f"{second[:8]} CPU"}
            from studio.batch import cluster as on_ray

            monkeypatch.setattr(on_ray, "START_S", 3.0)
            busy = tmp_path / "busy"
            capsys.readouterr()
            code = main(["batch", str(src), "-o", str(busy), "--ray", cluster.address])
            assert code == 1
            err = capsys.readouterr().err.splitlines()
            assert err == [
                "error: no worker could start on the cluster within 3 s: it has no free CPU; "
                "4 lines not run (pending in batch.json: run the batch again when it has room)"
            ]
            assert {r["status"] for r in report(busy)["rows"]} == {"pending"}


def test_a_lost_worker_is_stopped_so_its_replacement_can_start(tmp_path: Path) -> None:
    """A result lost while its actor lives on (ObjectLostError, OwnerDiedError …): the actor
    is killed, giving its CPU back, before the line goes back to the queue. And no line is
    sent to an actor that has not started."""
    from studio.batch.cluster import _Actor, _Dispatch, ray_module
    from studio.batch.lines import read_lines

    ray = ray_module()
    registry = fakes.registry("music")
    src = write_jsonl(tmp_path / "b.jsonl", [{"kind": "music", "out": f"{i}.mid"} for i in (1, 2)])
    one, two = read_lines(registry, src, tmp_path / "out")
    notes: list[str] = []
    dispatch = _Dispatch(ray, registry, [one, two], lambda *a: None, notes.append)

    class Handle:
        def __init__(self) -> None:
            self.sent: list[str] = []
            self.run = self

        def remote(self, spec: str, data: dict[str, object]) -> str:
            self.sent.append(data["output"])  # type: ignore[arg-type]
            return f"ref{len(self.sent)}"

    class Kills:
        exceptions = ray.exceptions

        def __init__(self) -> None:
            self.killed: list[tuple[object, bool]] = []

        def kill(self, handle: object, *, no_restart: bool) -> None:
            self.killed.append((handle, no_restart))

    waiting, running = Handle(), Handle()
    dispatch.actors = [
        _Actor(waiting, "a" * 16, gpu=False, starting="ready-ref"),
        _Actor(running, "b" * 16, gpu=False, starting=None),
    ]
    dispatch._feed()
    assert waiting.sent == [] and running.sent == [str(one.request.output), str(two.request.output)]
    fake = Kills()
    dispatch.ray = fake
    actor = dispatch.actors[1]
    dispatch.inflight.pop("ref1")
    dispatch._lost(actor, one, ray.exceptions.ObjectLostError("00" * 28, "owner", "call"))
    assert fake.killed == [(running, True)] and actor not in dispatch.actors
    assert list(dispatch.pending) == [one] and "runs again elsewhere" in notes[0]


def test_a_result_of_several_files_is_refused_without_writing_any(tmp_path: Path) -> None:
    """The session commits one staged file per line: companions a worker sends back are
    not written beside the output (where a failed line would leave them)."""
    from studio.batch.cluster import LineResult, _Dispatch, ray_module
    from studio.batch.lines import read_lines
    from studio.plugins import Artifact
    from studio.plugins.outcome import Made

    registry = fakes.registry("music")
    src = write_jsonl(tmp_path / "b.jsonl", [{"kind": "music", "out": "cues/a.mid"}])
    (line,) = read_lines(registry, src, tmp_path / "out")
    got: list[object] = []
    dispatch = _Dispatch(ray_module(), registry, [line], lambda *a: got.append(a[2]), print)
    files = (("a.mid", b"MThd"), ("a.mid.lab", b"labels"))
    made = Made(Artifact((Path("a.mid"), Path("a.mid.lab")), {"generator": "music"}))
    dispatch._finish(line, LineResult(made, 0.5, files), "node CPU")
    assert got == [
        "music made 2 files (a.mid, a.mid.lab); a line on a Ray cluster may make one "
        "(run this batch with --jobs)"
    ]
    assert not (tmp_path / "out").exists()


def test_a_node_dies_mid_batch_and_every_line_is_done_once(
    cluster: Cluster, tmp_path: Path, studio_home: Path
) -> None:
    lines = mixed_lines(40, size=256)
    src = write_jsonl(tmp_path / "b.jsonl", lines)
    local, remote = tmp_path / "local", tmp_path / "remote"
    registry = fakes.registry("music", "image")
    assert main(["batch", str(src), "-o", str(local), "--jobs", "1", "--no-history"], registry) == 0

    run = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "studio.cli",
            "batch",
            str(src),
            "-o",
            str(remote),
            "--json",
            "--ray",
            cluster.address,
        ],
        env={**ENV, "STUDIO_HOME": str(studio_home)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 180
        while len([p for p in remote.rglob("*") if p.suffix in (".png", ".mid")]) < 2:
            assert run.poll() is None, run.communicate()
            assert time.monotonic() < deadline, "the batch did not start"
            time.sleep(0.05)
        cluster.kill_second()
        assert run.poll() is None, "the batch ended before the node was killed"
        stdout, stderr = run.communicate(timeout=240)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 0, stderr
    events = [json.loads(x) for x in stdout.splitlines()]
    lost = [e for e in events if e["event"] == "note" and "was lost" in e["message"]]
    assert lost, "no line was on the killed node"
    done = [e["line"] for e in events if e["event"] == "line"]
    assert sorted(done) == list(range(1, 41))  # each line reported once
    assert {r["status"] for r in report(remote)["rows"]} == {"done"}
    # Exactly once in the history, and the same bytes as this machine made.
    assert _history_paths(studio_home) == sorted(str(remote / x["out"]) for x in lines)
    for line in lines:
        assert (remote / line["out"]).read_bytes() == (local / line["out"]).read_bytes()
    assert not [p for p in remote.rglob("*") if ".part" in p.name]

    # The finished batch reruns without touching the cluster.
    again = subprocess.run(
        [
            sys.executable,
            "-m",
            "studio.cli",
            "batch",
            str(src),
            "-o",
            str(remote),
            "--ray",
            "127.0.0.1:1",
        ],
        env={**ENV, "STUDIO_HOME": str(studio_home)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 0 and "0 made, 40 already done" in again.stdout, again.stderr


def test_a_diffusers_line_asks_the_cluster_for_a_gpu(
    cluster: Cluster, tmp_path: Path, studio_home: Path
) -> None:
    from tests.generators.test_image_diffusers import tiny_pipeline

    model = tmp_path / "tiny-sd"
    tiny_pipeline(tmp_path).save_pretrained(model)
    lines = [
        {
            "kind": "image",
            "backend": "diffusers",
            "model": str(model),
            "steps": 2,
            "size": 64,
            "prompt": "a lighthouse",
            "seed": 1,
            "out": "neural.png",
        },
        {"kind": "image", "size": 64, "seed": 2, "out": "drawn.png"},
    ]
    src = write_jsonl(tmp_path / "b.jsonl", lines)
    out = tmp_path / "out"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "studio.cli",
            "batch",
            str(src),
            "-o",
            str(out),
            "--json",
            "--ray",
            cluster.address,
        ],
        env={**ENV, "STUDIO_HOME": str(studio_home)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    neural, drawn = report(out)["rows"]
    assert neural["status"] == drawn["status"] == "done"
    assert neural["worker"].endswith("GPU") and drawn["worker"].endswith("CPU")
    assert read_state(out / "neural.png")["backend"] == "diffusers"
    assert read_state(out / "drawn.png")["backend"] != "diffusers"
