from __future__ import annotations

from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from studio.plugins import GROUP, Registry


@pytest.fixture(autouse=True)
def studio_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("STUDIO_HOME", str(home))
    return home


@pytest.fixture
def fake_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the CLI see the test-only plugins as if they were installed."""
    eps = [
        EntryPoint("echo", "studio.plugins.fakes:EchoGenerator", GROUP),
        EntryPoint("fail", "studio.plugins.fakes:FailingGenerator", GROUP),
        EntryPoint("buggy", "studio.plugins.fakes:BuggyGenerator", GROUP),
    ]
    original = Registry.__init__

    def patched(self: Registry, found: object = None) -> None:
        original(self, eps if found is None else found)  # type: ignore[arg-type]

    monkeypatch.setattr(Registry, "__init__", patched)
