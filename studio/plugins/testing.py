"""The shared conformance suite every generator's tests reuse.

In the spirit of diffusers' ``PipelineTesterMixin``: a generator's test module subclasses
:class:`GeneratorConformance`, names the generator class and a cheap set of params, and
inherits the checks that every plugin must pass::

    class TestMusicConformance(GeneratorConformance):
        generator_class = MusicGenerator
        extension = ".mid"
        params = {"duration": 5}
        invalid_params = [{"duration": 0}, {"duration": float("nan")}]

Needs pytest (the ``dev`` extra); imported only by tests.
"""

from __future__ import annotations

import threading
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any, ClassVar

import pytest

from studio.emotion import Condition, Trajectory
from studio.plugins.contract import (
    AnyGenerator,
    Artifact,
    Cancelled,
    MediaType,
    PreviewMode,
    Request,
)
from studio.plugins.manifest import manifest_of, manifest_path, read_manifest
from studio.plugins.registry import GROUP
from studio.plugins.roles import Role, check_roles, fields_with


class RecordingProgress:
    """A progress callback that keeps every report."""

    def __init__(self) -> None:
        self.reports: list[tuple[float, str]] = []

    def __call__(self, fraction: float, message: str = "", preview: Path | None = None) -> None:
        self.reports.append((fraction, message))


class CancelAfter:
    """A cancel token that becomes set after ``n`` progress reports."""

    def __init__(self, n: int = 1) -> None:
        self.remaining = n
        self._event = threading.Event()

    def progress(self, fraction: float, message: str = "", preview: Path | None = None) -> None:
        self.remaining -= 1
        if self.remaining <= 0:
            self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()


class GeneratorConformance:
    """Mixin of contract checks; subclass it in a generator's tests (see module doc)."""

    generator_class: ClassVar[type[AnyGenerator]]
    extension: ClassVar[str]
    params: ClassVar[dict[str, Any]] = {}
    invalid_params: ClassVar[list[dict[str, Any]]] = []
    condition: ClassVar[Condition] = Condition.from_vad(0.6, 0.5, 0.1)
    other_condition: ClassVar[Condition] = Condition.from_vad(-0.6, -0.4, -0.2)

    # -- helpers a subclass may override -------------------------------------------------
    def make_generator(self) -> AnyGenerator:
        return self.generator_class()

    def make_request(self, folder: Path, name: str = "out", **changes: Any) -> Request:
        fields: dict[str, Any] = {
            "generator": self.generator_class.id,
            "output": folder / f"{name}{self.extension}",
            "condition": self.condition,
            "params": dict(self.params),
            "seed": 7,
        }
        fields.update(changes)
        return Request(**fields)

    def output_fingerprint(self, artifact: Artifact) -> bytes:
        """What must be identical for the same request and seed (override for formats
        that stamp the time into the file)."""
        return b"".join(Path(f).read_bytes() for f in artifact.files)

    # -- the suite -----------------------------------------------------------------------
    def test_declares_contract(self) -> None:
        gen = self.make_generator()
        assert isinstance(gen.id, str) and gen.id
        assert isinstance(gen.media_type, MediaType)
        assert self.extension in gen.extensions
        backends = gen.backends()
        assert backends, "a generator declares at least one backend"
        assert any(b.available for b in backends), "the embedded default must be available"
        for b in backends:
            assert b.available or b.reason, f"unavailable backend {b.name} must say why"
        described = gen.describe()
        assert described["id"] == gen.id and "properties" in described["params"]

    def test_capabilities_are_well_formed(self) -> None:
        """Every role names a field of the right type, at most one field per single-valued
        role, and the preview/order declarations are of their types."""
        gen = self.make_generator()
        assert check_roles(gen.params_model) == []
        for role in (Role.ARC_LENGTH, Role.FRAME_SIZE, Role.DRAFT):
            assert len(fields_with(gen.params_model, role)) <= 1, f"two fields claim {role}"
        assert isinstance(gen.preview, PreviewMode) and isinstance(gen.order, int)
        assert gen.listen_as is None or gen.listen_as in gen.extensions
        for b in gen.backends():
            assert isinstance(b.needs_gpu, bool) and b.devices

    def test_shipped_manifest_matches_the_class(self) -> None:
        """A shipped ``studio-plugin.json`` says what the class declares (regenerate it with
        ``python -m studio.plugins.manifest module:Class``)."""
        gen = self.make_generator()
        cls = type(gen)
        ep = EntryPoint(name=gen.id, value=f"{cls.__module__}:{cls.__name__}", group=GROUP)
        path = manifest_path(ep)
        package = cls.__module__.rpartition(".")[0]
        if (path is None or not path.is_file()) and package:  # the class sits in a submodule
            ep = EntryPoint(name=gen.id, value=f"{package}:{cls.__name__}", group=GROUP)
        shipped = read_manifest(ep)
        if shipped is not None:
            assert shipped == manifest_of(gen), "studio-plugin.json is stale: regenerate it"

    def test_invalid_params_rejected(self, tmp_path: Path) -> None:
        gen = self.make_generator()
        for bad in self.invalid_params:
            request = self.make_request(tmp_path, params={**self.params, **bad})
            with pytest.raises(ValueError, match=next(iter(bad))):
                gen.generate(request)
            assert not request.output.exists(), f"{bad} left a file behind"
        with pytest.raises(ValueError, match="params"):
            gen.generate(self.make_request(tmp_path, params={**self.params, "no_such_param": 1}))

    def test_invalid_output_rejected(self, tmp_path: Path) -> None:
        gen = self.make_generator()
        with pytest.raises(ValueError, match="output"):
            gen.generate(self.make_request(tmp_path, output=tmp_path / "x.unknownext"))
        with pytest.raises(ValueError, match="does not exist"):
            gen.generate(
                self.make_request(tmp_path, output=tmp_path / "missing" / f"x{self.extension}")
            )
        with pytest.raises(ValueError, match="backend"):
            gen.generate(self.make_request(tmp_path, backend="no-such-backend"))

    def test_same_seed_same_output(self, tmp_path: Path) -> None:
        gen = self.make_generator()
        a = gen.generate(self.make_request(tmp_path, "a"))
        b = gen.generate(self.make_request(tmp_path, "b"))
        assert self.output_fingerprint(a) == self.output_fingerprint(b)
        assert a.metadata["features"] == b.metadata["features"]

    def test_progress_monotonic(self, tmp_path: Path) -> None:
        progress = RecordingProgress()
        self.make_generator().generate(self.make_request(tmp_path), progress)
        fractions = [f for f, _ in progress.reports]
        assert fractions, "progress must be reported"
        assert all(0.0 <= f <= 1.0 for f in fractions)
        assert fractions == sorted(fractions), f"progress went backwards: {fractions}"
        assert fractions[-1] == 1.0

    def test_cancel_honoured(self, tmp_path: Path) -> None:
        token = CancelAfter(1)
        request = self.make_request(tmp_path)
        with pytest.raises(Cancelled):
            self.make_generator().generate(request, token.progress, token)
        assert not request.output.exists(), "a cancelled generation must leave no file"
        leftovers = [p.name for p in tmp_path.iterdir()]
        assert leftovers == [], f"cancel left files behind: {leftovers}"

    def test_declared_files_exist_and_metadata_carries_condition(self, tmp_path: Path) -> None:
        artifact = self.make_generator().generate(self.make_request(tmp_path))
        assert artifact.files and all(Path(f).is_file() for f in artifact.files)
        assert artifact.path.suffix == self.extension
        meta = artifact.metadata
        assert Condition.from_dict(meta["condition"]) == self.condition
        for key in ("generator", "backend", "params", "seed", "versions", "timings", "features"):
            assert key in meta, f"metadata lacks {key}"
        assert meta["seed"] == 7

    def test_condition_changes_output(self, tmp_path: Path) -> None:
        gen = self.make_generator()
        a = gen.generate(self.make_request(tmp_path, "a"))
        b = gen.generate(self.make_request(tmp_path, "b", condition=self.other_condition))
        assert self.output_fingerprint(a) != self.output_fingerprint(b)

    def test_trajectory_when_supported(self, tmp_path: Path) -> None:
        gen = self.make_generator()
        arc = Trajectory.of([(0.0, self.condition), (2.0, self.other_condition)])
        request = self.make_request(tmp_path, condition=None, trajectory=arc)
        if not gen.supports_trajectory:
            with pytest.raises(ValueError, match="trajectory"):
                gen.generate(request)
            return
        artifact = gen.generate(request)
        assert Trajectory.from_dict(artifact.metadata["trajectory"]) == arc
