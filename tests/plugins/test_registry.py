"""Entry-point discovery: lazy import, clashes and broken plugins reported, rest loads."""

from __future__ import annotations

import sys
from importlib.metadata import EntryPoint

import pytest

from studio.plugins import GROUP, PluginLoadError, PluginNotFound, Registry


def ep(name: str, value: str) -> EntryPoint:
    return EntryPoint(name=name, value=value, group=GROUP)


def test_lazy_import_on_first_use(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "studio.plugins.fakes", raising=False)
    reg = Registry([ep("echo", "studio.plugins.fakes:EchoGenerator")])
    assert reg.names() == ["echo"]
    assert "studio.plugins.fakes" not in sys.modules  # discovery reads metadata only
    gen = reg.get("echo")
    assert gen.id == "echo" and reg.get("echo") is gen


def test_broken_plugins_reported_while_rest_load() -> None:
    reg = Registry(
        [
            ep("echo", "studio.plugins.fakes:EchoGenerator"),
            ep("missing", "no_such_module_anywhere:Thing"),
            ep("notgen", "studio.plugins.fakes:BrokenOnImport"),
            ep("wrongid", "studio.plugins.fakes:FailingGenerator"),
        ]
    )
    loaded = reg.load_all()
    assert list(loaded) == ["echo"]
    messages = {e.name: e.message for e in reg.errors}
    assert "failed to import no_such_module_anywhere" in messages["missing"]
    assert "not a Generator subclass" in messages["notgen"]
    assert "declares id 'fail'" in messages["wrongid"]
    assert reg.names() == ["echo"]


def test_name_clash_refuses_both_third_party_entries() -> None:
    reg = Registry(
        [
            ep("echo", "studio.plugins.fakes:EchoGenerator"),
            ep("echo", "studio.plugins.fakes:StubbornGenerator"),
            ep("fail", "studio.plugins.fakes:FailingGenerator"),
        ]
    )
    assert reg.names() == ["fail"]
    (error,) = reg.errors
    assert error.name == "echo" and "registered more than once" in error.message
    assert "none of them is loaded" in str(error)
    with pytest.raises(PluginNotFound, match="unknown generator 'echo'"):
        reg.get("echo")


def test_get_unknown_and_broken() -> None:
    reg = Registry([ep("missing", "no_such_module_anywhere:Thing")])
    with pytest.raises(PluginNotFound, match="available: missing"):
        reg.get("nope")
    with pytest.raises(PluginLoadError, match="ModuleNotFoundError"):
        reg.get("missing")


def test_installed_entry_points_load() -> None:
    reg = Registry()
    reg.load_all()
    assert not reg.errors, [str(e) for e in reg.errors]
