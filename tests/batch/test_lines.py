"""Reading and validating batch files: every line checked before any work."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from studio.batch import BadLines, read_lines
from studio.batch.resume import expected_state, is_done
from studio.cli import main
from studio.emotion import Condition, Trajectory
from studio.library.export import read_state
from studio.plugins import Registry
from tests.batch.conftest import write_jsonl


def test_a_line_resolves_like_studio_generate(tmp_path: Path, registry: Registry) -> None:
    src = write_jsonl(
        tmp_path / "b.jsonl",
        [
            {
                "kind": "music",
                "emotion": "joy:0.6,trust:0.4",
                "intensity": 0.8,
                "seed": 3,
                "duration": 5,
                "out": "a.mid",
            },
            {
                "kind": "image",
                "word": "melancholy",
                "size": 64,
                "prompt": "a lighthouse",
                "out": "sub/b.png",
            },
            {"kind": "music", "valence": -0.5, "arousal": 0.2, "dominance": 0.3, "out": "c.mid"},
            {"kind": "echo", "param": {"steps": 2}, "out": "d.json"},
        ],
    )
    lines = read_lines(registry, src, tmp_path / "out")
    assert [line.number for line in lines] == [1, 2, 3, 4]
    a, b, c, d = (line.request for line in lines)
    assert a.condition is not None and a.condition.mixture.keys() == {"joy", "trust"}
    assert a.condition.intensity == pytest.approx(0.8)
    assert (a.seed, a.params["duration"], a.output) == (3, "5", tmp_path / "out" / "a.mid")
    assert b.output == tmp_path / "out" / "sub" / "b.png"
    assert not (tmp_path / "out").exists()  # validating makes nothing
    assert b.params == {"size": "64", "prompt": "a lighthouse"}
    assert c.condition == Condition.from_vad(-0.5, 0.2, 0.3)
    assert d.condition == Condition.from_vad(0.0, 0.0, 0.0)  # no emotion: neutral
    assert d.params == {"steps": 2}


def test_inline_and_file_states(tmp_path: Path, registry: Registry) -> None:
    arc = {
        "keyframes": [
            {"time": 0, "condition": {"vad": {"valence": -0.6, "arousal": 0.1, "dominance": 0}}},
            {"time": 4, "condition": {"vad": {"valence": 0.7, "arousal": 0.5, "dominance": 0}}},
        ]
    }
    (tmp_path / "arc.json").write_text(json.dumps(arc), encoding="utf-8")
    cond = Condition.from_vad(0.3, -0.2, 0.1).to_dict()
    src = write_jsonl(
        tmp_path / "b.jsonl",
        [
            {"kind": "music", "trajectory": "arc.json", "out": "arc.mid"},  # beside the file
            {"kind": "music", "trajectory": arc, "out": "arc2.mid"},
            {"kind": "music", "condition": cond, "intensity": 0.5, "out": "c.mid"},
        ],
    )
    one, two, three = read_lines(registry, src, tmp_path / "out")
    assert one.request.trajectory == two.request.trajectory == Trajectory.from_dict(arc)
    assert three.request.condition == Condition.from_dict(cond).with_intensity(0.5)


def test_csv_with_a_header(tmp_path: Path, registry: Registry) -> None:
    src = tmp_path / "b.csv"
    src.write_text(
        "kind,emotion,valence,seed,size,duration,out\n"
        "image,fear:0.7,,2,64,,f.png\n"
        'music,,0.5,1,,5,"cue, one.mid"\n',
        encoding="utf-8",
    )
    image, music = read_lines(registry, src, tmp_path / "out")
    assert (image.number, music.number) == (2, 3)  # the header is line 1
    assert image.request.condition is not None and "fear" in image.request.condition.mixture
    assert (image.request.seed, music.request.seed) == (2, 1)
    assert music.request.output.name == "cue, one.mid"
    assert music.request.condition == Condition.from_vad(0.5, 0.0, 0.0)


def test_every_bad_line_is_listed_and_nothing_runs(
    tmp_path: Path, registry: Registry, capsys: pytest.CaptureFixture[str]
) -> None:
    src = write_jsonl(
        tmp_path / "b.jsonl",
        [
            {"kind": "music", "out": "ok.mid"},
            "{not json",
            {"kind": "music", "emotion": "glee", "out": "x.mid"},
            {"kind": "music", "valence": 3, "out": "y.mid"},
            {"kind": "music", "colour": "red", "out": "z.mid"},
            {"kind": "music", "out": "../escape.mid"},
            {"kind": "music", "out": "ok.mid"},
            {"kind": "image", "out": "wrong.mid"},
            {"kind": "nope", "out": "n.png"},
            {"kind": "music", "seed": "three", "out": "s.mid"},
            "[1, 2]",
            {"kind": "music", "prompt": "a lighthouse", "out": "p.mid"},
        ],
    )
    out = tmp_path / "out"
    code = main(["batch", str(src), "-o", str(out)], registry=registry)
    assert code == 2
    err = capsys.readouterr().err.splitlines()
    listed = [int(line.split(":")[2]) for line in err]
    assert listed == list(range(2, 13)), err
    assert "not JSON" in err[0] and "glee" in err[1] and "valence" in err[2]
    assert "colour" in err[3] and "out" in err[4] and "line 1's" in err[5]
    assert "music" in err[8] or "seed" in err[8]
    assert not out.exists()  # nothing made, not even the folder


def test_empty_and_missing_files(tmp_path: Path, registry: Registry) -> None:
    empty = tmp_path / "e.jsonl"
    empty.write_text("\n\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no lines"):
        read_lines(registry, empty, tmp_path / "out")
    with pytest.raises(ValueError, match="no such file"):
        read_lines(registry, tmp_path / "missing.jsonl", tmp_path / "out")
    bad = write_jsonl(tmp_path / "b.jsonl", ['{"kind": "music", "out": "a.mid"', "3"])
    with pytest.raises(BadLines) as info:
        read_lines(registry, bad, tmp_path / "out")
    assert [n for n, _ in info.value.problems] == [1, 2]


def test_default_output_names(tmp_path: Path, registry: Registry) -> None:
    src = write_jsonl(tmp_path / "b.jsonl", [{"kind": "music"}, {"kind": "image"}])
    lines = read_lines(registry, src, tmp_path / "out")
    assert [line.out for line in lines] == ["music_0001.mid", "image_0002.png"]


def test_done_means_the_same_request_is_embedded(tmp_path: Path, registry: Registry) -> None:
    from studio import session

    src = write_jsonl(tmp_path / "b.jsonl", [{"kind": "music", "seed": 4, "out": "a.mid"}])
    (line,) = read_lines(registry, src, tmp_path / "out")
    assert not is_done(registry, line)  # nothing there yet
    (tmp_path / "out").mkdir()  # the batch makes its folders when it runs
    line.request.output.write_bytes(b"MThd garbage")
    assert not is_done(registry, line)  # a file without a state
    session.generate(registry, line.request)
    assert is_done(registry, line)
    assert expected_state(registry, line)["seed"] == 4
    src = write_jsonl(tmp_path / "b.jsonl", [{"kind": "music", "seed": 5, "out": "a.mid"}])
    (changed,) = read_lines(registry, src, tmp_path / "out")
    assert not is_done(registry, changed)


def test_file_options_read_beside_the_batch_file(tmp_path: Path, registry: Registry) -> None:
    from PIL import Image

    (tmp_path / "in").mkdir()
    Image.new("RGB", (32, 24), (120, 80, 40)).save(tmp_path / "in" / "photo.png")
    src = write_jsonl(
        tmp_path / "b.jsonl",
        [
            {"kind": "image", "input": "in/photo.png", "word": "nostalgic", "out": "g.png"},
            {"kind": "image", "backend": "procedural", "model": "someone/tiny-sd", "out": "m.png"},
        ],
    )
    graded, named = read_lines(registry, src, tmp_path / "out")
    assert graded.request.params["input"] == str(tmp_path / "in" / "photo.png")
    assert named.request.params["model"] == "someone/tiny-sd"  # not a folder here: an id


def test_a_parameter_the_file_predates_is_not_a_new_request(
    tmp_path: Path, registry: Registry
) -> None:
    from studio import session

    src = write_jsonl(tmp_path / "b.jsonl", [{"kind": "echo", "seed": 1, "out": "a.json"}])
    (line,) = read_lines(registry, src, tmp_path / "out")
    (tmp_path / "out").mkdir()  # the batch makes its folders when it runs
    session.generate(registry, line.request)
    state = read_state(line.request.output)
    older = {**state, "params": {k: v for k, v in state["params"].items() if k != "steps"}}
    (tmp_path / "out" / "a.json.json").write_text(json.dumps(older), encoding="utf-8")
    assert is_done(registry, line)  # made before the generator had "steps"
    changed = {**state, "params": {**state["params"], "steps": 999}}
    (tmp_path / "out" / "a.json.json").write_text(json.dumps(changed), encoding="utf-8")
    assert not is_done(registry, line)  # a default that changed since


def test_batch_help_explains_the_line_format(capsys: pytest.CaptureFixture[str]) -> None:
    from studio.cli import main

    with pytest.raises(SystemExit) as stop:
        main(["batch", "--help"])
    assert stop.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "plus kind (required) and out" in out and "KIND_NNNN.EXT by line number" in out
    assert "A rerun skips lines" in out
