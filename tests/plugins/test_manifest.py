"""Plugin capabilities as data: roles on params fields, manifests read without importing
the plugin, and the command paying only for the plugin it runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Annotated

from studio.plugins import Params, Registry, fakes
from studio.plugins.manifest import Manifest, manifest_of, read_manifest
from studio.plugins.roles import Role, check_roles, fields_with, first_with

FIRST_PARTY = ("image", "music", "speech", "talking-head")


def test_roles_are_checked_against_field_types() -> None:
    class Good(Params):
        text: Annotated[str | None, Role.OPTION, Role.MULTILINE] = None
        seconds: Annotated[float, Role.ARC_LENGTH] = 5.0
        quick: Annotated[bool, Role.DRAFT] = False
        photo: Annotated[str | None, Role.INPUT_FILE] = None

    class Bad(Params):
        length: Annotated[bool, Role.ARC_LENGTH] = False  # a switch is not a length
        notes: Annotated[int, Role.MULTILINE] = 0
        quick: Annotated[str, Role.DRAFT] = ""

    assert check_roles(Good) == []
    assert fields_with(Good, Role.OPTION) == ("text",) and first_with(Good, Role.DRAFT) == "quick"
    problems = check_roles(Bad)
    assert len(problems) == 3 and problems[0].startswith("length: role 'arc-length' needs int")


def test_first_party_generators_ship_current_manifests() -> None:
    registry = Registry()
    for name in FIRST_PARTY:
        shipped = read_manifest(registry.entry_point(name))
        assert shipped is not None, f"{name} ships no studio-plugin.json"
        assert shipped == manifest_of(registry.get(name)), f"{name}: regenerate its manifest"
        assert Manifest.from_dict(json.loads(json.dumps(shipped.to_dict()))) == shipped


def test_manifests_come_in_panel_order_and_fall_back_to_import() -> None:
    registry = fakes.registry("echo", "fail")  # test plugins ship no manifest
    manifests = registry.manifests()
    assert list(manifests) == ["echo", "fail"]  # same order: then by id
    assert manifests["echo"].with_role(Role.OPTION) == ("steps", "text")


def test_a_command_imports_only_the_plugin_it_runs(tmp_path: Path) -> None:
    """Options and help come from manifests: ``studio generate music`` never imports the
    image, speech or talking-head plugins."""
    code = (
        "import sys; from studio.cli import main; "
        f"rc = main(['generate', 'music', '--duration', '5', '-o', {str(tmp_path / 'a.mid')!r}]); "
        "print(sorted({m.split('.')[1] for m in sys.modules "
        "if m.startswith('generators.') and m.count('.') >= 1})); sys.exit(rc)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "['music']"
