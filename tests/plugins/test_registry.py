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


def test_installed_entry_points_load_cleanly() -> None:
    reg = Registry()
    reg.load_all()
    assert not reg.errors, [str(e) for e in reg.errors]


def test_first_party_wins_a_clash(monkeypatch: pytest.MonkeyPatch) -> None:
    import studio.plugins.registry as registry

    ours = ep("echo", "studio.plugins.fakes:EchoGenerator")
    theirs = ep("echo", "studio.plugins.fakes:StubbornGenerator")
    monkeypatch.setattr(registry, "_dist_name", lambda e: "emotion-studio" if e is ours else "x")
    reg = Registry([theirs, ours])
    assert reg.names() == ["echo"] and reg.entry_point("echo") is ours
    (error,) = reg.errors
    assert "kept studio.plugins.fakes:EchoGenerator" in error.message


def test_plugin_calling_sys_exit_on_import_is_contained(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "exits_on_import.py").write_text("raise SystemExit(3)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    reg = Registry(
        [ep("bad", "exits_on_import:Gen"), ep("echo", "studio.plugins.fakes:EchoGenerator")]
    )
    assert list(reg.load_all()) == ["echo"]
    assert "SystemExit" in reg.errors[0].message
