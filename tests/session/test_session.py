"""One generation through ``studio.session``: embedded, recorded, typed errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from studio import session
from studio.emotion import Condition
from studio.errors import BadInput, GenerationFailed
from studio.library.export import read_state, sidecar_path
from studio.library.history import History
from studio.plugins import Artifact, Registry, Request, fakes


@pytest.fixture
def registry() -> Registry:
    return fakes.registry("echo", "fail", "buggy")


@pytest.fixture
def history(tmp_path: Path) -> Iterator[History]:
    with History(tmp_path / "home") as h:
        yield h


def _request(generator: str, output: Path, **kw: object) -> Request:
    return Request(
        generator=generator,
        output=output,
        condition=Condition.from_vad(0.6, -0.2, 0.1),
        params={"text": "hi"},
        seed=7,
        **kw,  # type: ignore[arg-type]
    )


def test_generate_embeds_records_and_reports(
    registry: Registry, history: History, tmp_path: Path
) -> None:
    out = tmp_path / "a.json"
    seen: list[float] = []
    result = session.generate(
        registry,
        _request("echo", out),
        history=history,
        progress=lambda f, m="", p=None: seen.append(f),
    )
    assert result.artifact.path == out and result.warnings == ()
    assert seen[0] == 0.0 and seen[-1] == 1.0
    state = read_state(out)  # .json cannot embed: the state is in the sidecar
    assert sidecar_path(out).is_file() and state["seed"] == 7 and "timings" not in state
    assert state["condition"]["vad"]["valence"] == pytest.approx(0.6)
    (entry,) = history.list()
    assert result.entry is not None and entry.id == result.entry.id
    assert entry.request is not None and entry.request["output"] == str(out)
    record = result.record()
    assert record["file"] == str(out) and record["seed"] == 7 and record["generator"] == "echo"
    json.dumps(record)  # a JSON result record


def test_bad_request_is_bad_input_before_any_file(registry: Registry, tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="backend"):
        session.generate(registry, _request("echo", tmp_path / "a.json", backend="nope"))
    with pytest.raises(BadInput, match="output"):
        session.generate(registry, _request("echo", tmp_path / "a.wav"))
    with pytest.raises(ValueError, match="unknown generator"):
        session.generate(registry, _request("nope", tmp_path / "a.json"))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("kind", "message"),
    [("fail", "fail: RuntimeError: the backend ran out of ink"), ("buggy", "buggy: ValueError")],
)
def test_generator_failure_is_generation_failed_and_unrecorded(
    registry: Registry, history: History, tmp_path: Path, kind: str, message: str
) -> None:
    with pytest.raises(GenerationFailed, match=message):
        session.generate(registry, _request(kind, tmp_path / "a.json"), history=history)
    assert history.list() == []
    assert not (tmp_path / "a.json").exists()


def test_keep_warns_when_the_history_cannot_record(registry: Registry, tmp_path: Path) -> None:
    out = tmp_path / "a.json"
    request = _request("echo", out)
    artifact = registry.get("echo").generate(request)
    broken = Artifact(files=artifact.files, metadata={**artifact.metadata, "condition": {}})
    with History(tmp_path / "home") as history:
        kept = session.keep(broken, request, history)
        assert kept.entry is None and kept.warnings[0].startswith("not recorded in the history")
        assert history.list() == []
    assert sidecar_path(out).is_file()  # the file still carries its state


def test_keep_into_a_vanished_folder_is_bad_input(registry: Registry, tmp_path: Path) -> None:
    folder = tmp_path / "gone"
    folder.mkdir()
    request = _request("echo", folder / "a.json")
    artifact = registry.get("echo").generate(request)
    (folder / "a.json").unlink()
    folder.rmdir()
    with pytest.raises(BadInput):
        session.keep(artifact, request, None)


def test_a_signal_during_the_final_rename_waits_for_the_history_row(
    registry: Registry, history: History, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGINT arriving between the rename and the history row (with other threads alive,
    as BLAS pools and the job queue are) is delivered only once both are done."""
    import os
    import signal
    import threading

    idle = threading.Event()
    other = threading.Thread(target=idle.wait, daemon=True)
    other.start()
    real_move = session.move_into_place
    sent: list[Path] = []

    def move_then_signal(tmp: Path, target: Path) -> None:
        real_move(tmp, target)
        if not sent:
            sent.append(target)
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(session, "move_into_place", move_then_signal)
    out = tmp_path / "a.json"
    # Python's own SIGINT handler, even where the run inherited SIGINT ignored (a shell's
    # background job): the test is about when the handler runs, not whether one is set.
    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            session.generate(registry, _request("echo", out), history=history)
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, inherited)
        idle.set()
    assert sent and out.is_file() and read_state(out)["seed"] == 7
    assert [e.request["output"] for e in history.list() if e.request] == [str(out)]
