"""The worker's side of the pipe speaks typed messages."""

from __future__ import annotations

import pickle
from multiprocessing import Pipe
from pathlib import Path

import pytest

from studio.emotion import Condition
from studio.jobs.messages import Ended, Progress, Ready, Run, Stop
from studio.jobs.worker import run_job
from studio.plugins import Artifact, NeverCancel, Request
from studio.plugins.outcome import Broke, Made, Refused, Stopped

ECHO = "studio.plugins.fakes:EchoGenerator"


@pytest.mark.parametrize(
    "message",
    [
        Run("j", ECHO, {"generator": "echo"}),
        Stop(),
        Ready(42),
        Progress("j", 0.5, "half", "/tmp/p.png"),
        Ended("j", Made(Artifact((Path("/tmp/a.json"),), {"seed": 1}))),
        Ended("j", Broke("RuntimeError", "out of ink", "Traceback …")),
        Ended("j", Refused("params.steps: too many")),
        Ended("j", Stopped()),
    ],
)
def test_every_message_crosses_a_pipe_unchanged(message: object) -> None:
    assert pickle.loads(pickle.dumps(message)) == message


def test_run_job_reports_progress_then_one_typed_outcome(tmp_path: Path) -> None:
    parent, child = Pipe()
    request = Request("echo", tmp_path / "a.json", Condition.from_vad(0.2, 0.1, 0.0))
    outcome = run_job("j1", ECHO, request.to_dict(), child, NeverCancel(), {})
    assert isinstance(outcome, Made)
    assert outcome.artifact.files == (tmp_path / "a.json",)
    assert outcome.artifact.metadata["generator"] == "echo"
    reports = []
    while parent.poll():
        reports.append(parent.recv())
    assert reports and all(isinstance(r, Progress) and r.job_id == "j1" for r in reports)
    assert reports[-1].fraction == 1.0


def test_run_job_tells_bad_input_from_a_failure(tmp_path: Path) -> None:
    _, child = Pipe()
    bad = run_job("j2", ECHO, {"generator": "echo"}, child, NeverCancel(), {})
    assert isinstance(bad, Refused) and bad.message.startswith("request:")
    request = Request("fail", tmp_path / "a.json", Condition.from_vad(0.0, 0.0, 0.0))
    failed = run_job(
        "j3", "studio.plugins.fakes:FailingGenerator", request.to_dict(), child, NeverCancel(), {}
    )
    assert isinstance(failed, Broke) and "ran out of ink" in failed.line and failed.detail
    params = {"steps": 0}  # the params model refuses it: bad input, in the contract's words
    refused = run_job(
        "j4", ECHO, {**request.to_dict(), "generator": "echo", "params": params}, child,
        NeverCancel(), {},
    )  # fmt: skip
    assert isinstance(refused, Refused) and refused.message.startswith("params.steps")
