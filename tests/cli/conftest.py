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
def fake_plugins() -> Registry:
    """The test-only plugins, as a registry to hand to the command."""
    return Registry(
        [
            EntryPoint("echo", "studio.plugins.fakes:EchoGenerator", GROUP),
            EntryPoint("fail", "studio.plugins.fakes:FailingGenerator", GROUP),
            EntryPoint("buggy", "studio.plugins.fakes:BuggyGenerator", GROUP),
        ]
    )
