"""Option resolution and sweeps without the argparse front end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from studio import sweep
from studio.emotion import Condition, Trajectory
from studio.errors import BadInput
from studio.library.history import History
from studio.options import EmotionOptions, collect_params, parse_mixture, resolve_state
from studio.plugins import Registry, fakes


@pytest.fixture
def registry() -> Registry:
    return fakes.registry("echo")


def test_resolve_each_way_and_refuse_two() -> None:
    assert resolve_state(EmotionOptions()) == Condition.from_vad(0.0, 0.0, 0.0)
    cond = resolve_state(EmotionOptions(emotion="joy:0.5,trust:0.5", dominance=0.3))
    assert isinstance(cond, Condition) and cond.name == "love" and cond.dominance == 0.3
    assert parse_mixture("joy:3,trust:1") == pytest.approx({"joy": 0.75, "trust": 0.25})
    with pytest.raises(BadInput, match=r"choose one way.*--emotion and --word"):
        resolve_state(EmotionOptions(emotion="joy", word="melancholy"))
    with pytest.raises(BadInput, match="intensity: needs an emotion"):
        resolve_state(EmotionOptions(intensity=0.5))


def test_condition_and_trajectory_files(tmp_path: Path) -> None:
    cond = Condition.from_vad(-0.4, 0.5, 0.0)
    (tmp_path / "c.json").write_text(cond.to_json())
    got = resolve_state(EmotionOptions(condition=tmp_path / "c.json"))
    assert isinstance(got, Condition) and got.valence == pytest.approx(-0.4)
    arc = {"keyframes": [{"time": 0.0, "condition": cond.to_dict()}]}
    (tmp_path / "t.json").write_text(json.dumps({"trajectory": arc}))
    assert isinstance(resolve_state(EmotionOptions(trajectory=tmp_path / "t.json")), Trajectory)
    with pytest.raises(BadInput, match="holds no condition; try --trajectory"):
        resolve_state(EmotionOptions(condition=tmp_path / "t.json"))
    with pytest.raises(BadInput, match="no such file"):
        resolve_state(EmotionOptions(condition=tmp_path / "missing.json"))


def test_collect_params(registry: Registry) -> None:
    echo = registry.get("echo")
    assert collect_params(echo, {"text": "hi"}, ["steps=2"]) == {"text": "hi", "steps": 2}
    with pytest.raises(BadInput, match="echo does not take --audio"):
        collect_params(echo, {"audio": "x.wav"})
    with pytest.raises(BadInput, match="expected KEY=VALUE"):
        collect_params(echo, {}, ["oops"])


def test_sweep_plans_then_runs_through_the_session(registry: Registry, tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="drop --valence"):
        sweep.plan(registry, "echo", 2, tmp_path / "g", emotion=EmotionOptions(valence=0.1))
    assert not (tmp_path / "g").exists()
    planned = sweep.plan(registry, "echo", 2, tmp_path / "g", ext="txt", seed=5)
    assert planned.cells[0][0]["file"] == "echo_v-1.00_a+1.00.txt"
    seen = []
    with History(tmp_path / "home") as history:
        done = sweep.run(registry, planned, history=history, on_result=seen.append)
        assert len(history.list()) == 4
    assert len(seen) == 4 and all(r.artifact.metadata["seed"] == 5 for r in seen)
    assert json.loads((tmp_path / "g" / "sweep.json").read_text()) == done.rows


def test_state_files_name_the_file_and_the_option_that_takes_them(tmp_path: Path) -> None:
    from studio.errors import BadInput
    from studio.options import load_state

    arc = tmp_path / "arc.json"
    arc.write_text(
        '{"keyframes": [{"time": 0, "condition": {"vad": {"valence": 0.5, "arousal": 0,'
        ' "dominance": 0}}}, {"time": 2, "condition": {"vad": {"valence": -0.5,'
        ' "arousal": 0, "dominance": 0}}}]}'
    )
    one = tmp_path / "one.json"
    one.write_text('{"vad": {"valence": 0.5, "arousal": 0, "dominance": 0}}')
    bad = tmp_path / "bad.json"
    bad.write_text('{"keyframes": [{"time": "0", "condition": {"mixture": {"joy": 1}}}]}')
    assert isinstance(load_state(arc, "trajectory"), Trajectory)
    assert isinstance(load_state(one, "condition"), Condition)
    with pytest.raises(
        BadInput, match=r"^condition .*arc.json: this is a trajectory, .*try --trajectory$"
    ):
        load_state(arc, "condition")
    with pytest.raises(
        BadInput, match=r"^trajectory .*one.json: this is a condition, .*try --condition$"
    ):
        load_state(one, "trajectory")
    with pytest.raises(
        BadInput, match=r"^trajectory .*bad.json: keyframes\[0\]\.time must be a number"
    ):
        load_state(bad, "trajectory")
