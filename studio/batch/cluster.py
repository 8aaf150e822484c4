"""Lines on a Ray cluster (the optional ``cluster`` extra): ``studio batch --ray ADDRESS``.

Long-lived actors (one per CPU of every node, and one per GPU for lines whose backend needs
one) keep their loaded generators between lines. An actor renders into its own scratch
folder and sends the bytes back; the driver writes every file atomically, embeds the state
and records the history, so there is one SQLite writer and a line counts only once its
result is on the driver's disk. A line whose actor or node dies is put back in the queue
and runs elsewhere; it can never be recorded twice.

Input files a line names (``input``, ``audio``) must be reachable at the same path on
every node (a shared folder), as with any Ray job.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Final, cast

from studio import session
from studio.batch.lines import Line
from studio.batch.runner import Deliver, Note, as_output
from studio.errors import BadInput
from studio.jobs.messages import Finished
from studio.jobs.worker import run_job
from studio.library.atomic import atomic_write
from studio.plugins import Artifact, Registry
from studio.plugins.contract import Generator, NeverCancel

# Lines an actor holds at once: one running and one waiting, so it never idles while the
# driver writes the previous result.
DEPTH: Final = 2
# A line whose worker was lost this many times fails (a line that crashes its process
# would otherwise take every node down in turn).
MAX_ATTEMPTS: Final = 3
# How often the driver looks for nodes that joined (or actors to replace), seconds.
REFRESH_S: Final = 2.0
# How long lines may wait with no live worker in the cluster before they fail, seconds.
NO_WORKER_S: Final = 60.0
# After an actor is lost, no new actor goes to its node for this long: the node may be dying
# before Ray has noticed (its health checks take seconds), and a new actor there would only
# take lines to lose them again.
QUARANTINE_S: Final = 30.0


def ray_module() -> Any:
    """``ray``, imported quietly and without usage reporting (the studio stays offline)."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    try:
        import ray
    except ImportError:
        raise BadInput("--ray needs Ray: pip install -e '.[cluster]'") from None
    return ray


class _Silent:
    """The worker loop's pipe, for an actor: progress goes nowhere (the driver counts lines)."""

    def send(self, message: object) -> None:
        pass


class LineWorker:
    """A Ray actor that renders lines; its generators stay loaded for its whole life."""

    def __init__(self) -> None:
        self.loaded: dict[tuple[str, str], Generator] = {}
        self.count = 0

    def run(self, spec: str, data: dict[str, Any]) -> tuple[Any, ...]:
        """``("ok", [(name, bytes)…], metadata, seconds)`` or ``("failed", error, seconds)``."""
        self.count += 1
        # A folder per line, gone once its bytes are read: nothing is left on the node.
        with tempfile.TemporaryDirectory(prefix="studio-batch-") as work:
            local = {**data, "output": str(Path(work) / Path(data["output"]).name)}
            started = time.perf_counter()
            outcome = run_job(
                str(self.count),
                spec,
                local,
                cast(Connection, _Silent()),
                NeverCancel(),
                self.loaded,
            )
            seconds = time.perf_counter() - started
            if isinstance(outcome, Finished):
                files = [(Path(f).name, Path(f).read_bytes()) for f in outcome.files]
                return ("ok", files, outcome.metadata, seconds)
            return ("failed", getattr(outcome, "error", "cancelled"), seconds)


@dataclass(frozen=True)
class _Actor:
    handle: Any
    node: str
    gpu: bool

    @property
    def label(self) -> str:
        return f"{self.node[:8]} {'GPU' if self.gpu else 'CPU'}"


class RayRunner:
    """Connects to the cluster at ``address`` for the run and leaves it as it was."""

    def __init__(self, registry: Registry, address: str) -> None:
        self.registry = registry
        self.address = address
        self.ray = ray_module()

    def where(self, lines: int) -> str:
        return f"the Ray cluster at {self.address}"

    def run(self, lines: Sequence[Line], deliver: Deliver, note: Note) -> None:
        if not lines:
            return
        ray = self.ray
        try:
            ray.init(address=self.address, logging_level=logging.ERROR, log_to_driver=False)
        except (ConnectionError, ValueError, RuntimeError) as exc:
            raise BadInput(f"ray: cannot connect to {self.address}: {exc}") from None
        try:
            # Ray prints cluster events ("the node … died") on stdout; stdout is the
            # command's (JSON Lines with --json), so they go to stderr.
            with contextlib.redirect_stdout(sys.stderr):
                _Dispatch(ray, self.registry, lines, deliver, note).loop()
        finally:
            ray.shutdown()


class _Dispatch:
    """The driver's loop: keep every actor fed, collect results, requeue lost lines."""

    def __init__(
        self, ray: Any, registry: Registry, lines: Sequence[Line], deliver: Deliver, note: Note
    ) -> None:
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        self.ray = ray
        self.affinity = NodeAffinitySchedulingStrategy
        self.worker = ray.remote(LineWorker)
        self.specs = {
            n: registry.entry_point(n).value for n in {x.request.generator for x in lines}
        }
        self.deliver = deliver
        self.note = note
        self.pending: deque[Line] = deque(lines)
        self.inflight: dict[Any, tuple[_Actor, Line]] = {}
        self.actors: list[_Actor] = []
        self.busy: Counter[int] = Counter()
        self.attempts: Counter[int] = Counter()
        self.has_gpu = False
        self.last_worker = time.monotonic()
        self.lost_at: dict[str, float] = {}
        self.told_no_gpu = False

    def _spawn(self) -> None:
        """One actor per CPU (and per GPU) of every live node, replacing lost ones."""
        alive = [n for n in self.ray.nodes() if n.get("Alive")]
        self.has_gpu = any(n["Resources"].get("GPU", 0) >= 1 for n in alive)
        live_nodes = {n["NodeID"] for n in alive}
        self.actors = [a for a in self.actors if a.node in live_nodes]
        gpu_lines = sum(line.gpu for line in self.pending)
        if gpu_lines and not self.has_gpu and not self.told_no_gpu:
            self.note(f"the cluster has no GPU: {gpu_lines} diffusers lines run on CPUs")
            self.told_no_gpu = True
        want_gpu = gpu_lines > 0 and self.has_gpu
        now = time.monotonic()
        for node in alive:
            if now - self.lost_at.get(node["NodeID"], -QUARANTINE_S) < QUARANTINE_S:
                continue
            have = Counter(a.gpu for a in self.actors if a.node == node["NodeID"])
            cpus = int(node["Resources"].get("CPU", 0))
            gpus = int(node["Resources"].get("GPU", 0)) if want_gpu else 0
            for gpu, count in ((False, cpus), (True, gpus)):
                for _ in range(count - have[gpu]):
                    handle = self.worker.options(
                        num_cpus=0 if gpu else 1,
                        num_gpus=1 if gpu else 0,
                        max_restarts=0,
                        scheduling_strategy=self.affinity(node["NodeID"], soft=False),
                    ).remote()
                    self.actors.append(_Actor(handle, node["NodeID"], gpu))
        if self.actors:
            self.last_worker = time.monotonic()

    def _take(self, actor: _Actor) -> Line | None:
        for line in self.pending:
            # GPU lines go to GPU actors; on a cluster without GPUs they run on CPUs.
            if line.gpu == actor.gpu or (line.gpu and not self.has_gpu):
                self.pending.remove(line)
                return line
        return None

    def _feed(self) -> None:
        for actor in self.actors:
            while self.busy[id(actor)] < DEPTH and (line := self._take(actor)) is not None:
                spec = self.specs[line.request.generator]
                ref = actor.handle.run.remote(spec, line.request.to_dict())
                self.inflight[ref] = (actor, line)
                self.busy[id(actor)] += 1

    def _lost(self, actor: _Actor, line: Line, exc: Exception) -> None:
        if actor in self.actors:
            self.actors.remove(actor)
        self.lost_at[actor.node] = time.monotonic()
        self.attempts[line.number] += 1
        if self.attempts[line.number] >= MAX_ATTEMPTS:
            error = f"its worker was lost {MAX_ATTEMPTS} times ({type(exc).__name__})"
            self.deliver(line, line.request, error, 0.0)
        else:
            self.note(
                f"line {line.number} {line.out}: its worker on node {actor.node[:8]} was lost "
                f"({type(exc).__name__}); it runs again elsewhere"
            )
            self.pending.appendleft(line)

    def loop(self) -> None:
        ray = self.ray
        refreshed = -float("inf")
        while self.pending or self.inflight:
            if time.monotonic() - refreshed > REFRESH_S:
                self._spawn()
                refreshed = time.monotonic()
            self._feed()
            if not self.inflight:
                if time.monotonic() - self.last_worker > NO_WORKER_S:
                    while self.pending:
                        line = self.pending.popleft()
                        self.deliver(line, line.request, "no worker in the cluster", 0.0)
                time.sleep(0.2)
                continue
            ready, _ = ray.wait(list(self.inflight), num_returns=1, timeout=1.0)
            for ref in ready:
                actor, line = self.inflight.pop(ref)
                self.busy[id(actor)] -= 1
                try:
                    result = ray.get(ref)
                except ray.exceptions.RayTaskError as exc:  # the actor's code raised
                    error = " ".join(str(exc.cause).split())
                    self.deliver(line, line.request, error, 0.0, actor.label)
                except ray.exceptions.RayError as exc:  # the actor, its node or the result is gone
                    self._lost(actor, line, exc)
                else:
                    self._finish(line, result, actor.label)

    def _finish(self, line: Line, result: tuple[Any, ...], worker: str) -> None:
        """Write a result's bytes into a staging file the session finishes (embed, rename)."""
        if result[0] != "ok":
            self.deliver(line, line.request, str(result[1]), float(result[2]), worker)
            return
        _, files, metadata, seconds = result
        try:
            staged = session.stage(line.request)
        except BadInput as exc:
            self.deliver(line, line.request, str(exc), float(seconds), worker)
            return
        assert staged.staging is not None
        written: list[Path] = []
        try:
            for i, (name, data) in enumerate(files):
                # The primary file goes to the staging file; any companions beside the output.
                target = Path(staged.staging) if i == 0 else line.request.output.parent / name
                with atomic_write(target, "wb") as fh:
                    fh.write(data)
                written.append(target)
        except (OSError, ValueError) as exc:
            error = f"cannot write {line.request.output}: {exc}"
            self.deliver(line, staged, error, float(seconds), worker)
            return
        artifact = Artifact(files=tuple(written), metadata=metadata)
        self.deliver(line, staged, as_output(artifact, staged), float(seconds), worker)
