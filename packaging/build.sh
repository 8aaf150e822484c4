#!/usr/bin/env bash
# Build the frozen application, the Debian package and the tarball, from a clean checkout:
#   packaging/build.sh            → dist/emotion-studio_VERSION_amd64.deb
#                                   dist/emotion-studio-VERSION-linux-x86_64.tar.zst
# Steps: a build venv of its own (build/venv: the package without the neural extra, and
# PyInstaller), the one-folder freeze (packaging/emotion-studio.spec), licences and
# THIRD-PARTY.md, the icon, a check that the frozen `studio` runs, then dpkg-deb and tar.
# BUILD_VENV_FRESH=1 rebuilds build/venv from scratch (otherwise it is reused and the
# package reinstalled into it). See packaging/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
START=$(date +%s)
step() { printf '[build %3ds] %s\n' "$(( $(date +%s) - START ))" "$*"; }
NICE="nice -n 5"

VERSION=$(python3 -c 'import tomllib; print(tomllib.load(open("pyproject.toml","rb"))["project"]["version"])')
ARCH=amd64
[ "$(uname -m)" = x86_64 ] || { echo "error: this script builds the amd64 package (machine: $(uname -m))" >&2; exit 2; }
for tool in dpkg-deb tar zstd ldd; do
    command -v "$tool" >/dev/null || { echo "error: $tool is needed (Debian: apt-get install dpkg zstd)" >&2; exit 2; }
done

VENV=$ROOT/build/venv
LOG=$ROOT/build/logs
mkdir -p "$LOG" dist
if [ "${BUILD_VENV_FRESH:-0}" = 1 ]; then rm -rf "$VENV"; fi
if [ ! -x "$VENV/bin/pyinstaller" ]; then
    step "build venv (the package without the neural extra, and PyInstaller)"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    $NICE "$VENV/bin/pip" install --quiet "pyinstaller>=6.10,<7" > "$LOG/pip.log" 2>&1 \
        || { tail -20 "$LOG/pip.log"; exit 1; }
fi
step "install emotion-studio $VERSION into the build venv"
# From a wheel (not editable), so the package's data (studio/_assets) is laid out as in a
# wheel: its dependencies first, then the wheel itself again over an older copy.
rm -rf build/wheel
{ $NICE "$VENV/bin/pip" wheel --quiet --no-deps -w build/wheel . \
    && $NICE "$VENV/bin/pip" install --quiet build/wheel/*.whl \
    && "$VENV/bin/pip" install --quiet --force-reinstall --no-deps build/wheel/*.whl
} >> "$LOG/pip.log" 2>&1 || { tail -20 "$LOG/pip.log"; exit 1; }
if "$VENV/bin/python" -c 'import torch' 2>/dev/null; then
    echo "error: torch is in the build venv; the packaged build leaves the neural extra out" >&2
    exit 1
fi

step "freeze (PyInstaller one-folder)"
FROZEN=$ROOT/build/pyi/dist/emotion-studio
rm -rf "$ROOT/build/pyi" "$ROOT/build/pkg"
# Run from build/ so the checkout's own `studio` folder never shadows the installed package.
(cd build && $NICE "$VENV/bin/pyinstaller" --noconfirm --log-level WARN \
    --distpath pyi/dist --workpath pyi/work "$ROOT/packaging/emotion-studio.spec") \
    > "$LOG/pyinstaller.log" 2>&1 || { tail -40 "$LOG/pyinstaller.log"; exit 1; }
grep '^bundle:' "$LOG/pyinstaller.log" || true

step "licences, THIRD-PARTY.md and icon"
(cd build && "$VENV/bin/python" "$ROOT/packaging/licenses.py" "$FROZEN")
cp packaging/README-bundle.md "$FROZEN/README.md"
ICONS=$ROOT/build/icons
(cd build && "$VENV/bin/python" "$ROOT/packaging/make_icon.py" "$ICONS")
mkdir -p "$FROZEN/share"
cp "$ICONS/emotion-studio.svg" "$FROZEN/share/emotion-studio.svg"
cp "$ICONS/256.png" "$FROZEN/share/emotion-studio.png"
cp packaging/emotion-studio.desktop "$FROZEN/share/emotion-studio.desktop"

step "check the frozen folder runs"
said=$(env -i HOME="$ROOT/build" PATH=/usr/bin:/bin "$FROZEN/studio" --version)
[ "$said" = "studio $VERSION" ] || { echo "error: frozen studio says '$said', pyproject.toml says $VERSION" >&2; exit 1; }
n=$(env -i HOME="$ROOT/build" STUDIO_HOME="$ROOT/build/check-home" PATH=/usr/bin:/bin \
    "$FROZEN/studio" list --json | "$VENV/bin/python" -c '
import json, sys
gens = json.load(sys.stdin)["generators"]
print(sum(any(b["default"] and b["available"] for b in g["backends"]) for g in gens))')
[ "$n" -ge 4 ] || { echo "error: the frozen studio can run $n generators (expected 4)" >&2; exit 1; }

step "Debian package"
PKG=$ROOT/build/pkg/emotion-studio_${VERSION}_${ARCH}
mkdir -p "$PKG/DEBIAN" "$PKG/opt" "$PKG/usr/bin" "$PKG/usr/share/applications" \
    "$PKG/usr/share/doc/emotion-studio" "$PKG/usr/share/icons/hicolor/scalable/apps"
cp -a "$FROZEN" "$PKG/opt/emotion-studio"
ln -s /opt/emotion-studio/studio "$PKG/usr/bin/studio"
cp packaging/emotion-studio.desktop "$PKG/usr/share/applications/"
cp "$ICONS/emotion-studio.svg" "$PKG/usr/share/icons/hicolor/scalable/apps/"
for png in "$ICONS"/[0-9]*.png; do
    size=$(basename "$png" .png)
    mkdir -p "$PKG/usr/share/icons/hicolor/${size}x${size}/apps"
    cp "$png" "$PKG/usr/share/icons/hicolor/${size}x${size}/apps/emotion-studio.png"
done
cp packaging/debian/copyright "$PKG/usr/share/doc/emotion-studio/copyright"
DEPENDS=$(cd build && "$VENV/bin/python" "$ROOT/packaging/debian_depends.py" "$FROZEN")
INSTALLED_KB=$(du -sk --apparent-size "$PKG" | cut -f1)
sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@DEPENDS@/$DEPENDS/" \
    -e "s/@INSTALLED_SIZE@/$INSTALLED_KB/" packaging/debian/control.in > "$PKG/DEBIAN/control"
# No maintainer scripts: the menu and icon caches are refreshed by the dpkg triggers of
# desktop-file-utils and hicolor-icon-theme, and dpkg removes every file it installed.
chmod -R u+rwX,go+rX,go-w "$PKG"
DEB=dist/emotion-studio_${VERSION}_${ARCH}.deb
rm -f "$DEB"
# zstd: a few seconds where xz takes minutes, for a ~20% larger file.
$NICE dpkg-deb --root-owner-group -Zzstd -z3 --build "$PKG" "$DEB" > /dev/null

step "tarball"
TARBALL=dist/emotion-studio-${VERSION}-linux-x86_64.tar.zst
rm -f "$TARBALL"
$NICE tar -C build/pyi/dist --owner=0 --group=0 -cf - emotion-studio | $NICE zstd -q -3 -T2 -o "$TARBALL"

step "done"
END=$(date +%s)
printf 'build time: %d s\n' "$((END - START))"
printf 'deb: %s (%s MB)\ntarball: %s (%s MB)\nfrozen folder: %s MB\n' \
    "$DEB" "$(( $(stat -c %s "$DEB") / 1048576 ))" \
    "$TARBALL" "$(( $(stat -c %s "$TARBALL") / 1048576 ))" "$(( $(du -sk "$FROZEN" | cut -f1) / 1024 ))"
