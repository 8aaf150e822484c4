"""A generator's static facts as data, readable without importing the plugin (as napari's
npe2 manifests): id, name, media type, extensions, preview mode, order, and the params
fields that carry a role (with their help text).

A plugin package may ship ``studio-plugin.json`` beside its ``__init__.py`` (a plugin that
is a single module: ``MODULE.studio-plugin.json`` beside it). The command builds its options
and help from manifests, so a command pays only for the plugin it runs. A plugin without a
manifest is imported instead; the conformance suite checks a shipped manifest against the
class. Write one with ``python -m studio.plugins.manifest module:Class > FILE``.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any, Final

from studio.plugins.contract import AnyGenerator
from studio.plugins.roles import Role, field_roles

MANIFEST_NAME: Final = "studio-plugin.json"
MANIFEST_SCHEMA: Final = "emotion-studio/plugin-1"
MAX_MANIFEST_BYTES: Final = 256 * 1024


@dataclass(frozen=True)
class FieldFacts:
    """A params field that carries a role."""

    roles: frozenset[Role]
    help: str = ""
    switch: bool = False  # a bool field: the command offers --name / --no-name


@dataclass(frozen=True)
class Manifest:
    """What the front ends need to know about a generator before importing it."""

    id: str
    display_name: str
    media_type: str
    extensions: tuple[str, ...]
    supports_trajectory: bool = False
    preview: str = "on-demand"
    order: int = 100
    listen_as: str | None = None
    fields: Mapping[str, FieldFacts] = field(default_factory=dict)

    def with_role(self, role: Role) -> tuple[str, ...]:
        return tuple(name for name, f in self.fields.items() if role in f.roles)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": MANIFEST_SCHEMA,
            "id": self.id,
            "display_name": self.display_name,
            "media_type": self.media_type,
            "extensions": list(self.extensions),
            "supports_trajectory": self.supports_trajectory,
            "preview": self.preview,
            "order": self.order,
            "listen_as": self.listen_as,
            "fields": {
                name: {
                    "roles": sorted(r.value for r in f.roles),
                    "help": f.help,
                    **({"switch": True} if f.switch else {}),
                }
                for name, f in self.fields.items()
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Manifest:
        if data.get("schema") != MANIFEST_SCHEMA:
            raise ValueError(f"schema: expected {MANIFEST_SCHEMA!r}, got {data.get('schema')!r}")
        fields = {
            str(name): FieldFacts(
                roles=frozenset(Role(r) for r in facts["roles"]),
                help=str(facts.get("help", "")),
                switch=bool(facts.get("switch", False)),
            )
            for name, facts in dict(data.get("fields", {})).items()
        }
        return cls(
            id=str(data["id"]),
            display_name=str(data["display_name"]),
            media_type=str(data["media_type"]),
            extensions=tuple(str(e) for e in data["extensions"]),
            supports_trajectory=bool(data.get("supports_trajectory", False)),
            preview=str(data.get("preview", "on-demand")),
            order=int(data.get("order", 100)),
            listen_as=data.get("listen_as"),
            fields=fields,
        )


def manifest_of(gen: AnyGenerator) -> Manifest:
    """The manifest a loaded generator's declarations amount to."""
    model = gen.params_model
    fields = {
        name: FieldFacts(
            roles=roles,
            help=model.model_fields[name].description or "",
            switch=_is_switch(model.model_fields[name].annotation),
        )
        for name, roles in field_roles(model).items()
    }
    return Manifest(
        id=gen.id,
        display_name=gen.display_name,
        media_type=str(gen.media_type),
        extensions=tuple(gen.extensions),
        supports_trajectory=gen.supports_trajectory,
        preview=str(gen.preview),
        order=gen.order,
        listen_as=gen.listen_as,
        fields=fields,
    )


def _is_switch(annotation: Any) -> bool:
    """A plain ``bool`` field (``bool | None`` keeps a value option: it has three states)."""
    return annotation is bool


def manifest_path(ep: EntryPoint) -> Path | None:
    """Where the entry point's manifest would be, found without importing the plugin's
    module (a dotted module's parent packages are imported, as by any import)."""
    module = ep.value.partition(":")[0].strip()
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin is None:
        return None
    origin = Path(spec.origin)
    if spec.submodule_search_locations:  # a package: the file sits beside __init__.py
        return origin.parent / MANIFEST_NAME
    return origin.with_name(f"{origin.stem}.{MANIFEST_NAME}")


def read_manifest(ep: EntryPoint) -> Manifest | None:
    """The manifest an entry point ships, or ``None`` (none, unreadable, or another id)."""
    path = manifest_path(ep)
    if path is None or not path.is_file():
        return None
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_MANIFEST_BYTES + 1)
        if len(raw) > MAX_MANIFEST_BYTES:
            return None
        manifest = Manifest.from_dict(json.loads(raw))
    except (OSError, ValueError, KeyError, TypeError):
        return None  # a damaged manifest: the plugin is imported instead
    return manifest if manifest.id == ep.name else None


def main(argv: list[str] | None = None) -> int:
    """Print the manifest of ``module:Class`` (to write a plugin's ``studio-plugin.json``)."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or ":" not in args[0]:
        print("usage: python -m studio.plugins.manifest module:Class", file=sys.stderr)
        return 2
    module, _, name = args[0].partition(":")
    gen: AnyGenerator = getattr(importlib.import_module(module), name)()
    print(json.dumps(manifest_of(gen).to_dict(), indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
