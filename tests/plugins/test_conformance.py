"""The shared conformance suite, exercised on a test-only plugin, plus contract checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.emotion import Condition
from studio.plugins import Request
from studio.plugins.fakes import EchoGenerator
from studio.plugins.testing import GeneratorConformance


class TestEchoConformance(GeneratorConformance):
    generator_class = EchoGenerator
    extension = ".json"
    params = {"steps": 3}
    invalid_params = [
        {"steps": 0},
        {"steps": 10_000},
        {"step_seconds": float("nan")},
        {"text": "x" * 5000},
    ]


def test_request_needs_exactly_one_state(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        Request("echo", tmp_path / "a.json")
    with pytest.raises(ValueError, match="seed"):
        Request("echo", tmp_path / "a.json", Condition.neutral(), seed=-1)


def test_unavailable_backend_says_why(tmp_path: Path) -> None:
    req = Request("echo", tmp_path / "a.json", Condition.neutral(), backend="neural")
    with pytest.raises(ValueError, match="not available: needs a local model directory"):
        EchoGenerator().generate(req)


def test_param_error_is_one_line_naming_field(tmp_path: Path) -> None:
    req = Request("echo", tmp_path / "a.json", Condition.neutral(), params={"steps": 0})
    with pytest.raises(ValueError) as info:
        EchoGenerator().generate(req)
    assert str(info.value).startswith("params.steps:") and "\n" not in str(info.value)


def test_request_dict_round_trip(tmp_path: Path) -> None:
    req = Request(
        "echo", tmp_path / "a.json", Condition.from_vad(0.2, 0.4), params={"steps": 2}, seed=5
    )
    assert Request.from_dict(req.to_dict()) == req
