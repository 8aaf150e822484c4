"""Write the licence texts of everything in the frozen bundle, and THIRD-PARTY.md.

Run inside the build venv: ``python packaging/licenses.py OUT_DIR``. For every
distribution in the runtime closure of emotion-studio (see bundle_rules.py) the licence
files its wheel ships are copied to ``OUT_DIR/licenses/<name>/``; a distribution whose
wheel ships none gets the standard text of its declared licence from Debian's
/usr/share/common-licenses (or the MIT text, license-texts/MIT), named as such in
THIRD-PARTY.md. Components that are
bundled inside a wheel without metadata of their own (Qt, FFmpeg, espeak-ng, the
soundfont) are listed from a short table below; the Python interpreter's licence and,
for each shared library the freezer copied from this system, its Debian package's
copyright file are added too.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import sysconfig
from importlib import metadata
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bundle_rules as rules

COMMON = Path("/usr/share/common-licenses")
# Debian ships no MIT text (each copy carries its own notice): ours names the project.
MIT_TEXT = Path(__file__).resolve().parent / "license-texts" / "MIT"
# SPDX id (prefix) → file in /usr/share/common-licenses.
COMMON_TEXTS = {
    "GPL-3.0": "GPL-3",
    "GPL-2.0": "GPL-2",
    "LGPL-3.0": "LGPL-3",
    "LGPL-2.1": "LGPL-2.1",
    "Apache-2.0": "Apache-2.0",
    "MPL-2.0": "MPL-2.0",
    "CC0-1.0": "CC0-1.0",
}
_LICENSE_FILE = re.compile(r"^(LICEN[CS]E|COPYING|NOTICE|COPYRIGHT)", re.IGNORECASE)

# Bundled inside another wheel, with no Python metadata of their own.
EMBEDDED = [
    ("Qt 6 (libraries and plugins)", "PySide6-Essentials / PySide6-Addons",
     "LGPL-3.0-only", "https://www.qt.io/licensing/open-source-lgpl-obligations"),
    ("FFmpeg (libavcodec, libavformat, …)", "av", "LGPL-2.1-or-later",
     "https://ffmpeg.org/legal.html"),
    ("espeak-ng (phonemizer and its data)", "piper-tts", "GPL-3.0-or-later",
     "https://github.com/espeak-ng/espeak-ng"),
    ("TimGM6mb General MIDI soundfont", "pretty-midi", "GPL-2.0-or-later",
     "https://sourceforge.net/p/mscore/code/HEAD/tree/trunk/mscore/share/sound/"),
    ("libsndfile", "soundfile", "LGPL-2.1-or-later", "https://libsndfile.github.io/libsndfile/"),
]


def declared_licence(dist: metadata.Distribution) -> str:
    meta: Any = dist.metadata  # an email.message.Message underneath
    expr = meta.get("License-Expression")
    if expr:
        return expr.strip()
    text = (meta.get("License") or "").strip()
    if text and len(text) <= 80 and "\n" not in text:
        return text
    classifiers = [
        c.split(" :: ")[-1] for c in meta.get_all("Classifier") or [] if c.startswith("License ::")
    ]
    if classifiers:
        return "; ".join(classifiers)
    return "see the licence files" if text else "UNKNOWN"


def licence_files(dist: metadata.Distribution) -> list[Path]:
    out = []
    for f in dist.files or []:
        in_licenses_dir = len(f.parts) > 2 and f.parts[0].endswith(".dist-info") and f.parts[1] in (
            "licenses",
            "license_files",
        )
        if in_licenses_dir or _LICENSE_FILE.match(f.name):
            path = Path(str(f.locate()))
            if path.is_file() and not f.name.endswith((".py", ".pyc")):
                out.append(path)
    return out


def common_text(licence: str) -> Path | None:
    for spdx, name in COMMON_TEXTS.items():
        if spdx.lower() in licence.lower().replace(" ", "-"):
            return COMMON / name if (COMMON / name).is_file() else None
    return None


def system_library_packages(internal: Path) -> dict[str, list[str]]:
    """Debian packages whose shared libraries the freezer copied from this system into
    ``internal`` (package → library names), found with ``dpkg -S`` by file name."""
    names = sorted(p.name for p in internal.glob("*.so*") if p.is_file())
    if not names or shutil.which("dpkg") is None:
        return {}
    dirs = ("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib")
    paths = [f"{d}/{n}" for n in names for d in dirs if Path(d, n).exists()]
    owners: dict[str, list[str]] = {}
    for start in range(0, len(paths), 100):
        out = subprocess.run(
            ["dpkg", "-S", *paths[start : start + 100]], capture_output=True, text=True
        ).stdout
        for line in out.splitlines():
            package, _, path = line.partition(": ")
            owners.setdefault(package.split(":")[0], []).append(Path(path.strip()).name)
    return {k: sorted(set(v)) for k, v in sorted(owners.items())}


def python_licence() -> Path | None:
    text = Path(sysconfig.get_paths()["stdlib"]) / "LICENSE.txt"
    return text if text.is_file() else None


def main(out_dir: Path) -> int:
    target = out_dir / "licenses"
    shutil.rmtree(target, ignore_errors=True)
    rows = []
    missing = []
    for dist in sorted(rules.runtime_closure(), key=lambda d: rules.canonical(d.metadata["Name"])):
        name = rules.canonical(dist.metadata["Name"])
        licence = declared_licence(dist)
        folder = target / name
        files = licence_files(dist)
        source = "from the wheel"
        meta: Any = dist.metadata
        home = meta.get("Home-page") or next(
            (u.split(",", 1)[-1].strip() for u in meta.get_all("Project-URL") or []), ""
        )
        if not files and licence.strip().upper() in ("MIT", "MIT LICENSE"):
            folder.mkdir(parents=True, exist_ok=True)
            text = MIT_TEXT.read_text().replace("@NAME@", name)
            (folder / "LICENSE").write_text(text.replace("@HOME@", home or "its home page"))
            source = "standard MIT text (the wheel ships none)"
        elif not files:
            fallback = common_text(licence)
            if fallback is not None:
                files, source = [fallback], "standard text (Debian common-licenses)"
            else:
                missing.append(name)
                source = "no licence file shipped"
        for path in files:
            folder.mkdir(parents=True, exist_ok=True)
            dest = folder / path.name
            n = 2
            while dest.exists():  # two files named LICENSE in one wheel (vendored parts)
                dest = folder / f"{path.stem}-{n}{path.suffix}"
                n += 1
            shutil.copyfile(path, dest)
        rows.append(f"| {name} | {dist.version} | {licence} | {source} | {home} |")
    embedded = []
    for component, inside, licence, url in EMBEDDED:
        standard = common_text(licence)
        if standard is not None:
            folder = target / "embedded"
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(standard, folder / standard.name)
        embedded.append(f"| {component} | {inside} | {licence} | {url} |")
    python = python_licence()
    if python is not None:
        (target / "python").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(python, target / "python" / "LICENSE.txt")
    embedded.append(
        f"| Python {sys.version.split()[0]} (interpreter and standard library) | the bundle "
        "itself | PSF-2.0 | https://www.python.org/ |"
    )
    for package, libs in system_library_packages(out_dir / "_internal").items():
        copyright_file = Path("/usr/share/doc") / package / "copyright"
        if copyright_file.is_file():
            (target / "debian" / package).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(copyright_file, target / "debian" / package / "copyright")
        embedded.append(
            f"| {', '.join(libs)} | copied from Debian package {package} | "
            f"see licenses/debian/{package}/copyright | https://packages.debian.org/{package} |"
        )
    (out_dir / "THIRD-PARTY.md").write_text(
        "# Third-party software in this bundle\n\n"
        "This folder is the Emotion Studio application frozen with PyInstaller, one-folder\n"
        "layout: every library below is a separate file under `_internal/` and can be\n"
        "replaced by the user (as the LGPL's relinking terms ask of Qt/PySide6).\n"
        "Because piper-tts and espeak-ng are GPL-3.0, the bundle as a whole is distributed\n"
        "under the GNU GPL version 3 (licenses/embedded/GPL-3); Emotion Studio's own code\n"
        "is MIT. The source of every component is public; Emotion Studio's source is\n"
        "at the project's repository. Licence texts: `licenses/<name>/`.\n\n"
        "| distribution | version | licence | licence text | home |\n"
        "| --- | --- | --- | --- | --- |\n" + "\n".join(rows) + "\n\n"
        "## Inside those wheels\n\n"
        "| component | shipped in | licence | source |\n| --- | --- | --- | --- |\n"
        + "\n".join(embedded) + "\n",
        encoding="utf-8",
    )
    print(f"licences: {len(rows)} distributions, texts in {target}"
          + (f"; no text found for: {', '.join(missing)}" if missing else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
