"""The Debian packages the frozen folder needs from the system, for the .deb's Depends.

Two sources, merged: the libraries Qt's X11 platform plugin opens (the table the window
itself checks, studio.ui.app.XCB_LIBRARIES) plus PulseAudio for Qt Multimedia; and every
shared library that an ELF file in the folder links to and that resolves outside the
folder (``ldd``), mapped to its package with ``dpkg -S``. glibc's version floor is the
build machine's (a bundle built on Debian 12 needs glibc >= 2.36).

Run with the build venv's python: ``python debian_depends.py FROZEN_DIR`` prints one line.
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
from pathlib import Path

# Opened by Qt at run time (plugins are dlopen()ed), so ldd of the plugin is not enough
# when the build machine lacks them: Qt's xcb plugin and QtMultimedia's audio output.
ALWAYS = ("libpulse0",)
_LDD_LINE = re.compile(r"^\s*(\S+)\s+=>\s+(/\S+)\s+\(")


def is_elf(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def outside_libraries(folder: Path) -> set[str]:
    """Absolute paths of system libraries that the folder's ELF files resolve to."""
    root = str(folder.resolve())
    found: set[str] = set()
    elves = [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink() and is_elf(p)]
    env = {**os.environ, "LD_LIBRARY_PATH": str(folder / "_internal")}
    for start in range(0, len(elves), 200):
        out = subprocess.run(
            ["ldd", *map(str, elves[start : start + 200])],
            capture_output=True, text=True, env=env, check=False,
        ).stdout
        for line in out.splitlines():
            m = _LDD_LINE.match(line)
            if m and not os.path.realpath(m.group(2)).startswith(root):
                found.add(m.group(2))
    return found


def owning_packages(paths: set[str]) -> set[str]:
    """The Debian packages that ship these files (merged-/usr aware)."""
    packages: set[str] = set()
    for path in sorted(paths):
        candidates = {path, os.path.realpath(path)}
        candidates |= {"/usr" + c for c in list(candidates) if not c.startswith("/usr/")}
        candidates |= {c.removeprefix("/usr") for c in list(candidates) if c.startswith("/usr/")}
        for candidate in sorted(candidates):
            out = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
            if out.returncode == 0:
                packages.add(out.stdout.split(":", 1)[0].strip())
                break
    return packages


def depends(folder: Path) -> str:
    from studio.ui.app import XCB_LIBRARIES

    names = set(XCB_LIBRARIES.values()) | set(ALWAYS) | owning_packages(outside_libraries(folder))
    names.discard("libc6")
    glibc = platform.libc_ver()[1] or "2.36"
    return ", ".join([f"libc6 (>= {glibc})", *sorted(names)])


if __name__ == "__main__":
    print(depends(Path(sys.argv[1])))
