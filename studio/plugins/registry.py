"""Generator discovery through the ``studio.generators`` entry-point group.

Built-ins are plugins: first-party generators register exactly as a third party would.
Discovery reads entry-point metadata only; a plugin's module is imported the first time
its generator is asked for. A plugin that fails to import, is not a :class:`Generator`,
declares another id than its entry point, or clashes with another plugin's id is reported
in :attr:`Registry.errors` while every other plugin still loads.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Final

from studio.plugins.contract import AnyGenerator, Generator
from studio.plugins.manifest import Manifest, manifest_of, read_manifest

GROUP: Final = "studio.generators"
FIRST_PARTY: Final = "emotion-studio"


@dataclass(frozen=True, slots=True)
class PluginError:
    """Why one plugin did not load."""

    name: str
    source: str
    message: str

    def __str__(self) -> str:
        return f"plugin {self.name!r} ({self.source}): {self.message}"


class PluginNotFound(ValueError):
    pass


def _source(ep: EntryPoint) -> str:
    owner = _dist_name(ep)
    return f"{ep.value} from {owner}" if owner else ep.value


class Registry:
    """The generators that entry points declare, imported lazily."""

    def __init__(self, eps: Iterable[EntryPoint] | None = None) -> None:
        found = list(entry_points(group=GROUP) if eps is None else eps)
        self._eps: dict[str, EntryPoint] = {}
        self._loaded: dict[str, AnyGenerator] = {}
        self._manifests: dict[str, Manifest] = {}
        self.errors: list[PluginError] = []
        by_name: dict[str, list[EntryPoint]] = {}
        for ep in found:
            by_name.setdefault(ep.name, []).append(ep)
        for name, candidates in sorted(by_name.items()):
            if len(candidates) == 1:
                self._eps[name] = candidates[0]
                continue
            # A clash: keep a first-party generator if there is exactly one, refuse the rest.
            ours = [ep for ep in candidates if _dist_name(ep) == FIRST_PARTY]
            keep = ours[0] if len(ours) == 1 else None
            if keep is not None:
                self._eps[name] = keep
            others = ", ".join(_source(ep) for ep in candidates if ep is not keep)
            verdict = f"kept {_source(keep)}" if keep else "none of them is loaded"
            self.errors.append(
                PluginError(name, others, f"generator id registered more than once; {verdict}")
            )

    def names(self) -> list[str]:
        """Ids of the declared generators (not yet imported)."""
        return sorted(self._eps)

    def entry_point(self, name: str) -> EntryPoint:
        try:
            return self._eps[name]
        except KeyError:
            known = ", ".join(self.names()) or "none installed"
            raise PluginNotFound(f"unknown generator {name!r} (available: {known})") from None

    def get(self, name: str) -> AnyGenerator:
        """The generator called ``name``, imported on first use."""
        if name in self._loaded:
            return self._loaded[name]
        ep = self.entry_point(name)
        generator = load_generator(ep)
        self._loaded[name] = generator
        return generator

    def manifest(self, name: str) -> Manifest:
        """The generator's static facts: its shipped manifest when it has one (nothing of
        the plugin is imported), otherwise derived from the imported generator."""
        if name not in self._manifests:
            ep = self.entry_point(name)
            found = read_manifest(ep) if name not in self._loaded else None
            self._manifests[name] = found or manifest_of(self.get(name))
        return self._manifests[name]

    def manifests(self) -> dict[str, Manifest]:
        """Manifests of every declared generator, in panel order (``order``, then id); a
        plugin without a manifest that fails to import is recorded in :attr:`errors`."""
        out: dict[str, Manifest] = {}
        for name in list(self.names()):
            try:
                out[name] = self.manifest(name)
            except PluginLoadError as exc:
                self.errors.append(PluginError(name, _source(self._eps[name]), str(exc)))
                del self._eps[name]
        return dict(sorted(out.items(), key=lambda kv: (kv[1].order, kv[0])))

    def load_all(self) -> dict[str, AnyGenerator]:
        """Import every plugin; broken ones are recorded in :attr:`errors` and skipped."""
        out: dict[str, AnyGenerator] = {}
        for name in list(self.names()):
            try:
                out[name] = self.get(name)
            except PluginLoadError as exc:
                self.errors.append(PluginError(name, _source(self._eps[name]), str(exc)))
                del self._eps[name]
        return out


class PluginLoadError(RuntimeError):
    pass


def _dist_name(ep: EntryPoint) -> str | None:
    dist = getattr(ep, "dist", None)
    return getattr(dist, "name", None) if dist is not None else None


def load_generator(ep: EntryPoint) -> AnyGenerator:
    """Import an entry point and instantiate its generator, or raise ``PluginLoadError``."""
    try:
        obj = ep.load()
    except (Exception, SystemExit) as exc:  # a broken third-party module may raise anything
        raise PluginLoadError(f"failed to import {ep.value}: {type(exc).__name__}: {exc}") from exc
    if not (isinstance(obj, type) and issubclass(obj, Generator)):
        raise PluginLoadError(f"{ep.value} is not a Generator subclass")
    try:
        generator = obj()
    except Exception as exc:  # constructor of foreign code
        raise PluginLoadError(f"{ep.value} failed to start: {type(exc).__name__}: {exc}") from exc
    if getattr(generator, "id", None) != ep.name:
        raise PluginLoadError(
            f"{ep.value} declares id {getattr(generator, 'id', None)!r}, "
            f"but is registered as {ep.name!r}"
        )
    return generator


def load_spec(spec: str, name: str) -> AnyGenerator:
    """Load a generator from a ``module:Class`` spec (used inside worker processes)."""
    return load_generator(EntryPoint(name=name, value=spec, group=GROUP))
