"""Lines on a Ray cluster (the optional ``cluster`` extra): ``studio batch --ray ADDRESS``.

Long-lived actors (one per free CPU of every node, and one per free GPU for lines whose
backend needs one) keep their loaded generators between lines. An actor gets lines only once
it answered that it started: on a shared cluster an actor may wait for a CPU another job
holds, and lines queued on it would wait with it. An actor renders into its own scratch
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

from studio.batch.lines import Line
from studio.batch.runner import DEPTH, Deliver, Note, NoWorkers, stage
from studio.errors import BadInput, printable
from studio.jobs.worker import run_job
from studio.library.atomic import atomic_write
from studio.plugins import Artifact, Registry
from studio.plugins.contract import AnyGenerator, NeverCancel
from studio.plugins.outcome import Broke, Made, Outcome, Refused

# A line whose worker was lost this many times fails (a line that crashes its process
# would otherwise take every node down in turn).
MAX_ATTEMPTS: Final = 3
# How often the driver looks for nodes that joined (or actors to replace), seconds.
REFRESH_S: Final = 2.0
# How long lines may wait with no worker that could run them (none started: the cluster's
# CPUs are taken by other jobs, or its nodes are gone) before the batch gives up, seconds.
START_S: Final = 60.0
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


def _said(outcome: Outcome) -> str:
    """A line's failure as the batch report shows it (one line)."""
    if isinstance(outcome, Refused):
        return outcome.message
    return outcome.line if isinstance(outcome, Broke) else "cancelled"


@dataclass(frozen=True)
class LineResult:
    """What an actor sends back for a line: the generation's typed outcome (the one
    :func:`studio.plugins.outcome.attempt` gives everywhere) and, when it made files,
    their names and bytes (the node keeps nothing)."""

    outcome: Outcome
    seconds: float
    blobs: tuple[tuple[str, bytes], ...] = ()


class LineWorker:
    """A Ray actor that renders lines; its generators stay loaded for its whole life."""

    def __init__(self) -> None:
        self.loaded: dict[tuple[str, str], AnyGenerator] = {}
        self.count = 0

    def ready(self) -> bool:
        """Answers once the actor runs (it has its CPU or GPU): then it gets lines."""
        return True

    def run(self, spec: str, data: dict[str, Any]) -> LineResult:
        """Render one line in a private folder; its files come back as bytes."""
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
            if isinstance(outcome, Made):
                files = outcome.artifact.files
                blobs = tuple((Path(f).name, Path(f).read_bytes()) for f in files)
                return LineResult(outcome, seconds, blobs)
            return LineResult(outcome, seconds)


@dataclass(eq=False)
class _Actor:
    handle: Any
    node: str
    gpu: bool
    starting: Any  # its ready() reference until that answers, then None
    busy: int = 0  # lines sent to it and not yet back

    @property
    def label(self) -> str:
        return f"{self.node[:8]} {'GPU' if self.gpu else 'CPU'}"


class RayRunner:
    """Connects to the cluster at ``address`` for the run and leaves it as it was."""

    def __init__(self, registry: Registry, address: str, start_s: float | None = None) -> None:
        self.registry = registry
        self.address = address
        self.start_s = START_S if start_s is None else start_s
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
                _Dispatch(ray, self.registry, lines, deliver, note, self.start_s).loop()
        finally:
            ray.shutdown()


class _Dispatch:
    """The driver's loop: start actors where there is room, feed those that started, collect
    results, requeue lost lines."""

    def __init__(
        self,
        ray: Any,
        registry: Registry,
        lines: Sequence[Line],
        deliver: Deliver,
        note: Note,
        start_s: float = START_S,
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
        self.start_s = start_s
        self.pending: deque[Line] = deque(lines)
        self.inflight: dict[Any, tuple[_Actor, Line]] = {}
        self.actors: list[_Actor] = []
        self.starting: dict[Any, _Actor] = {}  # ready() reference → actor not yet started
        self.attempts: Counter[int] = Counter()
        self.has_gpu = False
        self.live_nodes = 0
        self.free = {False: 0, True: 0}  # free CPUs and GPUs, at the last look
        now = time.monotonic()
        self.worked = {False: now, True: now}  # when a started CPU / GPU actor was last seen
        self.lost_at: dict[str, float] = {}
        self.told_no_gpu = False
        self.stranded: list[Line] = []
        self.why = ""

    # -- actors ------------------------------------------------------------------------------
    def _free_per_node(self, alive: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
        """What each live node has free now (other jobs' actors and ours excluded)."""
        try:
            from ray._private.state import available_resources_per_node

            per_node = available_resources_per_node()  # type: ignore[no-untyped-call]
            return {k: dict(v) for k, v in per_node.items()}
        except (ImportError, AttributeError):  # a Ray without it: share the cluster's total
            left = dict(self.ray.available_resources())
            shares: dict[str, dict[str, float]] = {}
            for node in alive:
                share = {
                    r: min(node["Resources"].get(r, 0), left.get(r, 0)) for r in ("CPU", "GPU")
                }
                for r, n in share.items():
                    left[r] = left.get(r, 0) - n
                shares[node["NodeID"]] = share
            return shares

    def _needs_gpu(self, line: Line) -> bool:
        # GPU lines go to GPU actors; on a cluster without GPUs they run on CPUs.
        return line.gpu and self.has_gpu

    def _spawn(self) -> None:
        """Actors for the free CPUs (and GPUs) of every live node, as many as the lines left
        can use, replacing lost ones. Sized by what is free, not by what a node has: on a
        shared cluster an actor sized by the total would wait for ever."""
        alive = [n for n in self.ray.nodes() if n.get("Alive")]
        self.live_nodes = len(alive)
        self.has_gpu = any(n["Resources"].get("GPU", 0) >= 1 for n in alive)
        live = {n["NodeID"] for n in alive}
        for actor in [a for a in self.actors if a.node not in live]:
            self._forget(actor)
        gpu_lines = sum(line.gpu for line in self.pending)
        if gpu_lines and not self.has_gpu and not self.told_no_gpu:
            self.note(f"the cluster has no GPU: {gpu_lines} diffusers lines run on CPUs")
            self.told_no_gpu = True
        left = Counter(self._needs_gpu(x) for x in self.pending)
        left.update(self._needs_gpu(x) for _, x in self.inflight.values())
        room = {gpu: left[gpu] - sum(a.gpu == gpu for a in self.actors) for gpu in (False, True)}
        free = self._free_per_node(alive)
        self.free = {
            gpu: sum(int(free.get(n, {}).get("GPU" if gpu else "CPU", 0)) for n in live)
            for gpu in (False, True)
        }
        now = time.monotonic()
        for node in alive:
            nid = node["NodeID"]
            if now - self.lost_at.get(nid, -QUARANTINE_S) < QUARANTINE_S:
                continue
            if any(a.node == nid and a.starting is not None for a in self.actors):
                continue  # what it asked for is not taken yet: the node's free count is stale
            has = free.get(nid, {})
            for gpu in (False, True):
                count = min(int(has.get("GPU" if gpu else "CPU", 0)), room[gpu])
                for _ in range(max(count, 0)):
                    self._start(nid, gpu)
                    room[gpu] -= 1

    def _start(self, node: str, gpu: bool) -> None:
        handle = self.worker.options(
            num_cpus=0 if gpu else 1,
            num_gpus=1 if gpu else 0,
            max_restarts=0,
            scheduling_strategy=self.affinity(node, soft=False),
        ).remote()
        actor = _Actor(handle, node, gpu, handle.ready.remote())
        self.actors.append(actor)
        self.starting[actor.starting] = actor

    def _started(self, ref: Any) -> None:
        actor = self.starting.pop(ref)
        try:
            self.ray.get(ref)
        except self.ray.exceptions.RayError:  # it died before it ran (its node, its setup)
            self.lost_at[actor.node] = time.monotonic()
            self._forget(actor)
        else:
            actor.starting = None

    def _forget(self, actor: _Actor) -> None:
        """Stop an actor and let go of it: it gives back its CPU or GPU at once (an actor
        whose result was lost may still be alive, holding what a replacement needs)."""
        if actor in self.actors:
            self.actors.remove(actor)
        if actor.starting is not None:
            self.starting.pop(actor.starting, None)
        with contextlib.suppress(self.ray.exceptions.RayError, ValueError):
            self.ray.kill(actor.handle, no_restart=True)

    # -- lines -------------------------------------------------------------------------------
    def _take(self, actor: _Actor) -> Line | None:
        for line in self.pending:
            if self._needs_gpu(line) == actor.gpu:
                self.pending.remove(line)
                return line
        return None

    def _feed(self) -> None:
        for actor in self.actors:
            if actor.starting is not None:
                continue  # not running yet: it may wait for its CPU for ever
            while actor.busy < DEPTH and (line := self._take(actor)) is not None:
                spec = self.specs[line.request.generator]
                ref = actor.handle.run.remote(spec, line.request.to_dict())
                self.inflight[ref] = (actor, line)
                actor.busy += 1

    def _strand(self) -> None:
        """Set aside the lines no started actor can take when none has started for
        ``start_s`` seconds (the batch then ends, saying why)."""
        now = time.monotonic()
        for gpu in (False, True):
            if any(a.gpu == gpu and a.starting is None for a in self.actors):
                self.worked[gpu] = now
                continue
            if now - self.worked[gpu] <= self.start_s:
                continue
            stuck = [x for x in self.pending if self._needs_gpu(x) == gpu]
            if not stuck:
                continue
            for line in stuck:
                self.pending.remove(line)
            self.stranded.extend(stuck)
            what = "GPU" if gpu else "CPU"
            if not self.live_nodes:
                self.why = "it has no live node"
            elif self.free[gpu] < 1:
                self.why = f"it has no free {what}"
            else:
                self.why = f"its {what} workers did not start"

    def _lost(self, actor: _Actor, line: Line, exc: Exception) -> None:
        self._forget(actor)
        self.lost_at[actor.node] = time.monotonic()
        self.attempts[line.number] += 1
        if self.attempts[line.number] >= MAX_ATTEMPTS:
            error = f"its worker was lost {MAX_ATTEMPTS} times ({type(exc).__name__})"
            self.deliver(line, None, error, 0.0)
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
            self._strand()
            refs = [*self.inflight, *self.starting]
            if not refs:
                time.sleep(0.2)
                continue
            ready, _ = ray.wait(refs, num_returns=1, timeout=1.0)
            for ref in ready:
                if ref in self.starting:
                    self._started(ref)
                    continue
                actor, line = self.inflight.pop(ref)
                actor.busy -= 1
                try:
                    result = ray.get(ref)
                except ray.exceptions.RayTaskError as exc:  # the actor's code raised
                    error = " ".join(str(exc.cause).split())
                    self.deliver(line, None, error, 0.0, actor.label)
                except ray.exceptions.RayError as exc:  # the actor, its node or the result is gone
                    self._lost(actor, line, exc)
                else:
                    self._finish(line, result, actor.label)
        if self.stranded:
            n = len(self.stranded)
            raise NoWorkers(
                f"no worker could start on the cluster within {self.start_s:g} s: {self.why}; "
                f"{n} line{'s' if n != 1 else ''} not run (pending in batch.json: run the "
                "batch again when it has room)"
            )

    def _finish(self, line: Line, result: LineResult, worker: str) -> None:
        """Write a result's bytes into a staging file the session finishes (embed, rename)."""
        outcome, seconds, files = result.outcome, result.seconds, result.blobs
        if not isinstance(outcome, Made):
            self.deliver(line, None, _said(outcome), seconds, worker)
            return
        metadata = outcome.artifact.metadata
        if len(files) != 1:
            # The session commits one staged file; companions written beside the output
            # would be neither staged nor removed when the line fails.
            names = ", ".join(printable(name, 60) for name, _ in files[:3])
            error = (
                f"{line.request.generator} made {len(files)} files ({names}); a line on a Ray "
                "cluster may make one (run this batch with --jobs)"
            )
            self.deliver(line, None, error, float(seconds), worker)
            return
        try:
            staged = stage(line)
        except BadInput as exc:
            self.deliver(line, None, str(exc), float(seconds), worker)
            return
        target = staged.path
        try:
            with atomic_write(target, "wb") as fh:
                fh.write(files[0][1])
        except (OSError, ValueError) as exc:
            error = f"cannot write {line.request.output}: {exc}"
            self.deliver(line, staged, error, float(seconds), worker)
            return
        artifact = Artifact(files=(target,), metadata=metadata)
        self.deliver(line, staged, artifact, float(seconds), worker)
