"""A third-party generator installed as a user would (its own distribution, its entry point)
gets everything a first-party one gets, with no edit of the studio: command options and
help, generation with history and embedded state, inspect, batches and resume, export, and a
window panel whose form follows the params' roles."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from importlib.metadata import distributions
from pathlib import Path
from typing import Any

import pytest

from studio.library.export import export_file, read_state
from studio.library.history import History
from studio.plugins import GROUP, Registry

PLUGIN = Path(__file__).parent / "third_party"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The plugin installed with pip into a folder of its own (offline: no build isolation,
    setuptools comes from the environment)."""
    target = tmp_path_factory.mktemp("site")
    build = tmp_path_factory.mktemp("build")
    subprocess.run(
        [
            sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
            "--no-build-isolation", "--no-index", "--target", str(target), str(PLUGIN),
        ],
        check=True,
        cwd=build,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )  # fmt: skip
    assert list(target.glob("studio_palette-*.dist-info"))
    return target


def studio(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real command in a new process that sees the installed plugin on its path."""
    path = os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return subprocess.run(
        [sys.executable, "-m", "studio.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": path},
        timeout=300,
    )


@pytest.fixture
def registry(site: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Registry]:
    """In this process: the installed plugin's entry point beside the built-ins."""
    monkeypatch.syspath_prepend(str(site))
    eps = [ep for d in distributions(path=[str(site)]) for ep in d.entry_points]
    yield Registry([ep for ep in eps if ep.group == GROUP])


def test_command_options_help_generate_inspect_and_history(site: Path, tmp_path: Path) -> None:
    listed = studio(site, "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert "palette" in [g["id"] for g in json.loads(listed.stdout)["generators"]]
    helped = studio(site, "generate", "--help")
    assert "--swatches" in helped.stdout and "palette: how many colours" in helped.stdout
    assert "--gaps, --no-gaps" in helped.stdout  # a bool option is a switch

    out = tmp_path / "joy.png"
    made = studio(
        site, "generate", "palette", "--emotion", "joy", "--swatches", "7", "--gaps",
        "--caption", "morning", "-o", str(out), "--json",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    record = json.loads(made.stdout)
    assert record["condition"]["name"] == "joy" and len(record["features"]["colours"]) == 7
    state = read_state(out)  # embedded in the PNG, as for every generator
    assert state["generator"] == "palette" and state["params"]["swatches"] == 7
    assert state["params"]["gaps"] is True
    assert state["palette"] == {"caption": "morning"}
    shown = studio(site, "inspect", str(out))
    assert shown.returncode == 0 and "generator: palette" in shown.stdout
    with History() as history:
        (entry,) = history.list()
    assert entry.generator == "palette" and entry.files == (out,)

    refused = studio(site, "generate", "palette", "--swatches", "40", "-o", str(tmp_path / "b.png"))
    assert refused.returncode == 2 and "swatches" in refused.stderr
    assert not (tmp_path / "b.png").exists()


def test_batch_lines_and_resume(site: Path, tmp_path: Path) -> None:
    lines = tmp_path / "lines.jsonl"
    lines.write_text(
        "\n".join(
            json.dumps(line)
            for line in (
                {"kind": "palette", "emotion": "anger", "swatches": 3, "gaps": True},
                {"kind": "palette", "word": "serene", "param": {"caption": "lake"}},
            )
        ),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    first = studio(site, "batch", str(lines), "-o", str(out), "--json")
    assert first.returncode == 0, first.stderr
    made = sorted(out.glob("*.png"))
    assert len(made) == 2
    assert read_state(made[0])["params"]["swatches"] == 3
    again = studio(site, "batch", str(lines), "-o", str(out), "--json")
    assert again.returncode == 0, again.stderr
    end = json.loads(again.stdout.strip().splitlines()[-1])
    assert end["event"] == "end" and end["skipped"] == 2 and end["done"] == 0


def test_export_carries_the_plugin_state(registry: Registry, tmp_path: Path) -> None:
    from studio import session
    from studio.emotion import Condition
    from studio.plugins import Request

    request = Request(
        generator="palette",
        output=tmp_path / "p.png",
        condition=Condition.from_mixture({"sadness": 1.0}, 0.8),
        params={"swatches": 4},
    )
    result = session.generate(registry, request)
    payload = dict(result.artifact.metadata)
    exported = export_file(result.artifact.path, tmp_path / "shared.png", payload)
    assert read_state(exported.path)["generator"] == "palette"
    assert json.loads(exported.sidecar.read_text())["params"]["swatches"] == 4  # type: ignore[union-attr]


def test_window_panel_with_its_form(registry: Registry, qtbot: Any) -> None:
    from PySide6.QtWidgets import QPlainTextEdit, QSpinBox

    from studio.ui.app import ensure_app, make_settings
    from studio.ui.job_bridge import JobBridge
    from studio.ui.main_window import MainWindow

    ensure_app()
    history = History()
    window = MainWindow(
        make_settings(),  # type: ignore[arg-type]
        registry=registry,
        history=history,
        bridge=JobBridge(history, workers=1),
    )
    qtbot.addWidget(window)
    try:
        panel = window.panels["palette"]
        titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
        assert titles[-1] == "Palette"  # order 90: after the built-ins
        assert isinstance(panel.form.editors["swatches"].widget, QSpinBox)
        assert isinstance(panel.form.editors["caption"].widget, QPlainTextEdit)  # MULTILINE
        assert panel.preview_depth >= 1 and panel.generator.preview == "live"
        panel.form.editors["swatches"].put(8)
        request = panel.build_request()
        assert request.generator == "palette" and request.params["swatches"] == 8
        window.tabs.setCurrentWidget(panel)
        panel.generate()  # a worker process imports the plugin from the same path
        qtbot.waitUntil(
            lambda: panel.current_job is not None and panel.current_job.state.is_final,
            timeout=60_000,
        )
        assert panel.current_job.state == "finished", panel.current_job.error
        qtbot.waitUntil(lambda: len(history.list()) == 1, timeout=10_000)  # kept, recorded
        (entry,) = history.list()
        assert entry.generator == "palette" and entry.params["swatches"] == 8
    finally:
        window.close()
