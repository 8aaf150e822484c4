"""What the frozen application must carry, derived from the installed distributions.

Used by ``emotion-studio.spec`` (at build time, inside the build venv) and by
``licenses.py``. The rules are generic so that a dependency added to ``pyproject.toml``
is bundled without editing a hand-kept list:

* every distribution in the runtime closure of ``emotion-studio`` (its requirements
  without extras, recursively, markers evaluated here) gets its metadata copied, so
  ``importlib.metadata`` works in the bundle (entry points, versions);
* a top-level package of such a distribution that PyInstaller has no hook for gets all of
  its data files and shared libraries (voices, soundfonts, espeak-ng data, tables);
  packages with a hook (PySide6, numpy, scipy, …) are left to their hook;
* every module named by a ``studio.generators`` entry point is collected with all its
  submodules, since plugins are found only through entry points;
* the Qt modules the studio's source imports (some only inside functions) are named as
  hidden imports, so their plugins (multimedia backends) come along.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from importlib import metadata
from pathlib import Path

APP = "emotion-studio"
PLUGIN_GROUP = "studio.generators"

# Never bundled: the optional neural extra (the frozen build is the embedded-backends one),
# the cluster extra, build tools and test tools.
EXCLUDES = (
    "torch",
    "torchvision",
    "diffusers",
    "transformers",
    "accelerate",
    "ray",
    "pkg_resources",
    "setuptools",
    "distutils",
    "pip",
    "PyInstaller",
    "pytest",
    "tkinter",
    "IPython",
    "matplotlib",
)

_QT_IMPORT = re.compile(r"\bPySide6\.(Qt\w+)")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_names(dist: metadata.Distribution) -> Iterator[str]:
    from packaging.requirements import InvalidRequirement, Requirement

    for line in dist.requires or []:
        try:
            req = Requirement(line)
        except InvalidRequirement:
            continue
        # Extras are optional by definition: an 'extra == ...' marker is false with extra="".
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            yield req.name


def runtime_closure(root: str = APP) -> list[metadata.Distribution]:
    """The installed distributions ``root`` needs at run time, ``root`` first."""
    seen: dict[str, metadata.Distribution] = {}
    todo = [root]
    while todo:
        name = canonical(todo.pop())
        if name in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # a marker-less requirement of a platform we are not on
        seen[name] = dist
        todo.extend(_requirement_names(dist))
    return list(seen.values())


def top_level_names(dist: metadata.Distribution) -> list[str]:
    """The importable top-level names a distribution installs."""
    text = dist.read_text("top_level.txt")
    if text:
        names = {n.strip() for n in text.splitlines() if n.strip()}
    else:
        names = set()
        for f in dist.files or []:
            first = f.parts[0]
            if first.endswith((".dist-info", ".data")) or first in ("..", "__pycache__"):
                continue
            if len(f.parts) > 1:
                names.add(first)
            elif f.suffix in (".py", ".so", ".pyd"):
                names.add(first.split(".")[0])
    return sorted(n for n in names if n.isidentifier() and not n.startswith("_"))


def hook_dirs() -> list[Path]:
    """PyInstaller's own hook folders and the contributed hooks'."""
    import PyInstaller

    dirs = [Path(PyInstaller.__file__).parent / "hooks"]
    try:
        import _pyinstaller_hooks_contrib as contrib

        base = Path(contrib.__file__).parent
        dirs += [base / "stdhooks", base / "hooks" / "stdhooks"]
    except ImportError:
        pass
    return [d for d in dirs if d.is_dir()]


def has_hook(name: str, dirs: Iterable[Path]) -> bool:
    return any((d / f"hook-{name}.py").is_file() for d in dirs)


def unhooked_packages(dists: Iterable[metadata.Distribution], dirs: list[Path]) -> list[str]:
    """Top-level names of the closure that no PyInstaller hook looks after (the app's own
    ``studio`` and ``generators`` included: their tables and assets are data files)."""
    out = set()
    for dist in dists:
        for name in top_level_names(dist):
            if name not in EXCLUDES and not has_hook(name, dirs):
                out.add(name)
    return sorted(out)


def plugin_modules(group: str = PLUGIN_GROUP) -> list[str]:
    """Top-level modules of every installed generator plugin."""
    return sorted({ep.module.split(".")[0] for ep in metadata.entry_points(group=group)})


def qt_modules(source_dirs: Iterable[Path]) -> list[str]:
    """``PySide6.QtX`` modules named anywhere in the given source trees."""
    found = set()
    for folder in source_dirs:
        for path in folder.rglob("*.py"):
            found.update(_QT_IMPORT.findall(path.read_text(encoding="utf-8")))
    return sorted(f"PySide6.{m}" for m in found)
