from __future__ import annotations

import pytest

from studio.plugins import Registry, fakes


@pytest.fixture
def fake_plugins() -> Registry:
    """The test-only plugins, as a registry to hand to the command."""
    return fakes.registry("echo", "fail", "buggy")
