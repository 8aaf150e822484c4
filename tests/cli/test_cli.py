"""The `studio` command contract (DESIGN §6)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from studio.cli import main
from studio.emotion import Condition, Trajectory
from studio.library.history import History
from studio.plugins import Registry


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def run_with(
    registry: Registry, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    """Run the command over the given generators instead of the installed ones."""
    code = main(list(args), registry=registry)
    out, err = capsys.readouterr()
    return code, out, err


def test_condition_love_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "condition", "--emotion", "joy:0.5,trust:0.5", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["name"] == "love"
    assert Condition.from_dict(data).name == "love"


def test_condition_word_and_human_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "condition", "--word", "melancholy")
    assert code == 0 and "melancholy" in out and "valence -0.470" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--valence", "1.5"], "valence must be in [-1, 1], got 1.5"),
        (["--arousal", "nan"], "arousal must be in [-1, 1], got nan"),
        (["--emotion", "glee"], "unknown emotion id 'glee'"),
        (["--emotion", "joy:-2"], "mixture.joy must be non-negative"),
        (["--emotion", "joy:x"], "weight of 'joy' is not a number"),
        (["--emotion", "joy", "--intensity", "3"], "intensity must be in [0, 1], got 3"),
        (["--word", "melancoly"], "did you mean melancholy"),
        (["--word", "calm", "--emotion", "joy"], "choose one way"),
        (["--condition", "/nonexistent/c.json"], "no such file"),
        (["--valence", "abc"], "invalid float value"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, _out, err = run(capsys, "condition", *args)
    assert code == 2
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_schema_and_list(capsys: pytest.CaptureFixture[str], fake_plugins: Registry) -> None:
    code, out, _ = run_with(fake_plugins, capsys, "schema")
    assert code == 0 and json.loads(out)["title"] == "Emotion Studio condition"
    code, out, _ = run_with(fake_plugins, capsys, "list", "--json")
    listed = json.loads(out)
    assert code == 0 and [g["id"] for g in listed["generators"]] == ["buggy", "echo", "fail"]
    backends = {b["name"]: b for b in listed["generators"][0]["backends"]}
    assert backends["neural"]["reason"] == "needs a local model directory"
    code, out, _ = run_with(fake_plugins, capsys, "list")
    assert "echo" in out and "needs a local model directory" in out


def test_generate_json_record_embeds_and_records(
    capsys: pytest.CaptureFixture[str], fake_plugins: Registry, tmp_path: Path
) -> None:
    out_file = tmp_path / "x.txt"
    code, out, err = run_with(
        fake_plugins,
        capsys,
        "generate",
        "echo",
        "-o",
        str(out_file),
        "--valence",
        "0.8",
        "--arousal",
        "0.7",
        "--seed",
        "3",
        "--text",
        "hello",
        "--json",
    )
    assert code == 0, err
    record = json.loads(out)
    assert record["file"] == str(out_file) and record["condition"]["vad"]["valence"] == 0.8
    assert {"seconds", "features"} <= record.keys()
    # .txt cannot embed: the state goes to a sidecar that inspect reads back
    code, out, _ = run_with(fake_plugins, capsys, "inspect", str(out_file), "--json")
    assert code == 0 and json.loads(out)["seed"] == 3
    (entry,) = History().list()
    assert entry.generator == "echo" and entry.valence == pytest.approx(0.8)


def test_generate_trajectory_and_bad_options(
    capsys: pytest.CaptureFixture[str], fake_plugins: Registry, tmp_path: Path
) -> None:
    arc = Trajectory.of([(0, Condition.from_vad(0.5, 0.5)), (5, Condition.from_vad(-0.5, -0.5))])
    (tmp_path / "arc.json").write_text(arc.to_json())
    code, _, err = run_with(
        fake_plugins,
        capsys,
        "generate",
        "echo",
        "-o",
        str(tmp_path / "a.json"),
        "--trajectory",
        str(tmp_path / "arc.json"),
    )
    assert code == 0, err
    code, _, err = run_with(
        fake_plugins, capsys, "generate", "echo", "-o", str(tmp_path / "b.json"), "--audio", "x"
    )
    # No installed generator declares --audio here: the parser refuses it by name.
    assert code == 2 and "unrecognized arguments: --audio" in err
    code, _, err = run_with(
        fake_plugins, capsys, "generate", "echo", "-o", str(tmp_path / "no" / "b.json")
    )
    assert code == 2 and "does not exist" in err
    code, _, err = run_with(
        fake_plugins,
        capsys,
        "generate",
        "echo",
        "-o",
        str(tmp_path / "c.json"),
        "--param",
        "steps=0",
    )
    assert code == 2 and "params.steps" in err
    code, _, err = run_with(
        fake_plugins, capsys, "generate", "nope", "-o", str(tmp_path / "c.json")
    )
    assert code == 2 and "unknown generator 'nope'" in err


def test_generation_failure_exits_1(
    capsys: pytest.CaptureFixture[str], fake_plugins: Registry, tmp_path: Path
) -> None:
    code, _, err = run_with(
        fake_plugins, capsys, "generate", "fail", "-o", str(tmp_path / "x.json")
    )
    assert code == 1 and "the backend ran out of ink" in err and "Traceback" not in err
    assert not (tmp_path / "x.json").exists()


def test_sweep_writes_grid_and_index(
    capsys: pytest.CaptureFixture[str], fake_plugins: Registry, tmp_path: Path
) -> None:
    out_dir = tmp_path / "grid"
    code, _, err = run_with(
        fake_plugins,
        capsys,
        "sweep",
        "echo",
        "--grid",
        "3",
        "-o",
        str(out_dir),
        "--ext",
        "json",
        "--no-history",
    )
    assert code == 0, err
    rows = json.loads((out_dir / "sweep.json").read_text())
    assert len(rows) == 9
    assert {(r["valence"], r["arousal"]) for r in rows} == {
        (v, a) for v in (-1.0, 0.0, 1.0) for a in (-1.0, 0.0, 1.0)
    }
    for r in rows:
        assert (out_dir / r["file"]).is_file() and r["dominance"] == 0.0
    code, _, err = run_with(
        fake_plugins, capsys, "sweep", "echo", "--grid", "0", "-o", str(out_dir)
    )
    assert code == 2 and "grid" in err


def test_inspect_exported_png(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from PIL import Image

    from studio.library.export import export_file

    src = tmp_path / "src.png"
    Image.new("RGB", (8, 8), (200, 30, 30)).save(src)
    cond = Condition.from_mixture({"anger": 1.0}, 0.9)
    export_file(src, tmp_path / "angry.png", {"condition": cond.to_dict(), "seed": 1})
    (tmp_path / "angry.png.json").unlink()  # only what is inside the PNG
    code, out, _ = run(capsys, "inspect", str(tmp_path / "angry.png"))
    assert code == 0 and out.startswith("rage:")
    code, out, _ = run(capsys, "condition", "--condition", str(tmp_path / "angry.png"), "--json")
    assert code == 0 and json.loads(out)["name"] == "rage"


def test_console_script_runs_without_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "STUDIO_HOME": str(tmp_path)}
    ok = subprocess.run(
        [sys.executable, "-m", "studio.cli", "condition", "--word", "calm"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert ok.returncode == 0 and "calm" in ok.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "studio.cli", "condition", "--valence", "1.5"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert bad.returncode == 2
    assert bad.stderr.strip() == "error: valence must be in [-1, 1], got 1.5"


def test_value_error_inside_render_is_a_failure_not_bad_input(
    capsys: pytest.CaptureFixture[str], fake_plugins: Registry, tmp_path: Path
) -> None:
    code, _, err = run_with(
        fake_plugins, capsys, "generate", "buggy", "-o", str(tmp_path / "x.json")
    )
    assert code == 1 and "generation failed: buggy: ValueError: math domain error" in err


def test_output_that_is_a_folder_is_bad_input(
    capsys: pytest.CaptureFixture[str], fake_plugins: Registry, tmp_path: Path
) -> None:
    (tmp_path / "d.json").mkdir()
    code, _, err = run_with(
        fake_plugins, capsys, "generate", "echo", "-o", str(tmp_path / "d.json")
    )
    assert code == 2 and "is a folder" in err


def test_inspect_without_state_and_condition_from_sidecar(
    capsys: pytest.CaptureFixture[str], fake_plugins: Registry, tmp_path: Path
) -> None:
    (tmp_path / "s.json").write_text('{"a": 1}')
    code, _, err = run_with(fake_plugins, capsys, "inspect", str(tmp_path / "s.json"))
    assert code == 2 and "no emotion state" in err
    arc = Trajectory.of([(0, Condition.from_vad(0.5, 0.5)), (5, Condition.from_vad(-0.5, -0.5))])
    (tmp_path / "arc.json").write_text(arc.to_json())
    code, _, err = run_with(
        fake_plugins,
        capsys,
        "generate",
        "echo",
        "-o",
        str(tmp_path / "a.txt"),
        "--trajectory",
        str(tmp_path / "arc.json"),
        "--no-history",
    )
    assert code == 0, err
    # the sidecar of a generated file is a valid --trajectory source
    code, _, err = run_with(
        fake_plugins,
        capsys,
        "generate",
        "echo",
        "-o",
        str(tmp_path / "b.txt"),
        "--trajectory",
        str(tmp_path / "a.txt.json"),
        "--no-history",
    )
    assert code == 0, err
    code, _, err = run_with(
        fake_plugins, capsys, "condition", "--condition", str(tmp_path / "a.txt.json")
    )
    assert code == 2 and "holds no condition; try --trajectory" in err


def test_huge_and_deep_json_are_bad_input(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "big.json").write_text(
        '{"vad": {"valence": 1' + "0" * 400 + ', "arousal": 0, "dominance": 0}}'
    )
    code, _, err = run(capsys, "condition", "--condition", str(tmp_path / "big.json"))
    assert code == 2 and "valence" in err
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    code, _, err = run(capsys, "condition", "--condition", str(tmp_path / "deep.json"))
    assert code == 2 and "nested too deeply" in err


def test_generate_help_says_which_generator_takes_each_option(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["generate", "--help"])  # the installed generators
    assert stop.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "--duration VALUE music: length in seconds (5–600)" in out
    assert "--size VALUE image: pixels" in out and "talking-head: frame width" in out


def test_sweep_takes_only_dominance_of_the_emotion_options(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["sweep", "--help"])
    out = capsys.readouterr().out
    assert "--dominance" in out and "--valence" not in out and "--trajectory" not in out


def test_version_is_the_packaged_version(capsys: pytest.CaptureFixture[str]) -> None:
    import tomllib

    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.strip() == f"studio {pyproject['project']['version']}"
