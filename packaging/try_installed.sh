#!/usr/bin/env bash
# Build the Debian package, install it on this machine as a user would (apt-get, root),
# and try the INSTALLED studio outside the checkout with a clean environment: --version,
# list, one generate of each medium (checked by independent readers), inspect of each,
# the window's smoke test (offscreen, and under Xvfb when xvfb-run is installed); then
# remove it and check nothing is left. Prints sizes, the build time and start-up times
# beside the source install's (SOURCE_STUDIO, default .venv/bin/studio).
# Needs root and apt-get; elsewhere it says so and exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "packaging check skipped: installing the .deb needs root and apt-get"
    exit 0
fi
VERSION=$(python3 -c 'import tomllib; print(tomllib.load(open("pyproject.toml","rb"))["project"]["version"])')
DEB=$ROOT/dist/emotion-studio_${VERSION}_amd64.deb
SOURCE_STUDIO=${SOURCE_STUDIO:-$ROOT/.venv/bin/studio}
CHECK_PY=$ROOT/build/venv/bin/python
STUDIO=/usr/bin/studio
WORK=$(mktemp -d /tmp/studio-installed.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
fail() { echo "packaging check FAILED: $*" >&2; exit 1; }

# 1. Build.
t0=$(date +%s)
bash packaging/build.sh
BUILD_S=$(( $(date +%s) - t0 ))

# 2. Install (a copy left by an earlier run is removed first, so this build is what runs).
if dpkg -s emotion-studio >/dev/null 2>&1; then apt-get remove -y emotion-studio >/dev/null; fi
install_deb() { timeout 600 apt-get install -y "$DEB" > "$WORK/apt.log" 2>&1; }
install_deb || { timeout 300 apt-get update > /dev/null 2>&1; install_deb; } \
    || { tail -20 "$WORK/apt.log"; fail "apt-get install $DEB"; }
[ -x "$STUDIO" ] || fail "$STUDIO is not installed"
[ -f /usr/share/applications/emotion-studio.desktop ] || fail "no menu entry"
[ -f /usr/share/icons/hicolor/scalable/apps/emotion-studio.svg ] || fail "no icon"
[ -f /opt/emotion-studio/THIRD-PARTY.md ] || fail "no THIRD-PARTY.md"
echo "installed: $(dpkg-query -W -f='${Package} ${Version}' emotion-studio)"

# 3. Run the installed command from outside the checkout, with a clean environment.
cd "$WORK"
run() { env -i HOME="$WORK" STUDIO_HOME="$WORK/home" PATH=/usr/bin:/bin LANG=C.UTF-8 "$@"; }
said=$(run "$STUDIO" --version)
[ "$said" = "studio $VERSION" ] || fail "--version says '$said'"
run "$STUDIO" list > list.txt
cat list.txt
for backend in "ok procedural" "ok composer" "ok piper" "ok rig"; do
    grep -q "$backend" list.txt || fail "studio list has no '$backend'"
done
grep -q "packaged build" list.txt || fail "studio list does not say how to get the diffusers backend"

run "$STUDIO" generate image --word serene -o image.png
run "$STUDIO" generate speech --word melancholy --text "The rain has not stopped all day." -o speech.wav
run "$STUDIO" generate talking-head --word joy --text "Hello! It is good to see you." -o head.mp4
run "$STUDIO" generate music --word tense -o music.wav
for f in image.png speech.wav head.mp4 music.wav; do
    run "$STUDIO" inspect "$f" > inspect.txt || fail "inspect $f"
    head -1 inspect.txt | sed "s/^/  $f: /"
done
"$CHECK_PY" "$ROOT/packaging/check_media.py" image.png speech.wav head.mp4 music.wav \
    || fail "a generated file is not valid media"

smoke() {  # smoke NAME COMMAND... → prints the window-shown seconds
    local name=$1; shift
    local log=$WORK/smoke-$name.log
    # A data folder of its own: the window rightly makes no second copy of a result it
    # already holds (the same request after a restart), so a shared history would leave the
    # second run nothing to generate.
    if ! env -i HOME="$WORK" STUDIO_HOME="$WORK/home-$name" PATH=/usr/bin:/bin LANG=C.UTF-8 \
        "$@" gui --smoke-test "$WORK/shots-$name" > "$log" 2>&1; then
        cat "$log" >&2; fail "window smoke test ($name)"
    fi
    # Every installed generator (the four media and the clip) made its file through the window.
    grep -Eq "generated ([0-9]+) of \1;" "$log" || { cat "$log" >&2; fail "smoke test ($name) did not generate with every generator"; }
    sed -n 's/^window shown: \([0-9.]*\) s.*/\1/p' "$log"
}
median_list_s() {  # median_list_s STUDIO → seconds for `studio list`, median of 5
    for _ in 1 2 3 4 5; do
        local a; a=$(date +%s.%N); run "$1" list > /dev/null
        awk -v a="$a" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f\n", b - a }'
    done | sort -n | sed -n 3p
}
SHOWN=$(smoke offscreen env QT_QPA_PLATFORM=offscreen "$STUDIO")
echo "window smoke test (offscreen): passed, window shown after ${SHOWN} s"
if command -v xvfb-run >/dev/null; then
    smoke xvfb xvfb-run -a "$STUDIO" > /dev/null
    echo "window smoke test (Xvfb): passed"
else
    echo "window smoke test (Xvfb): skipped, xvfb-run is not installed"
fi
LIST_S=$(median_list_s "$STUDIO")
SRC_LIST_S=n/a SRC_SHOWN=n/a
if [ -x "$SOURCE_STUDIO" ]; then  # for comparison only: a failure here is not the package's
    SRC_LIST_S=$(median_list_s "$SOURCE_STUDIO" 2>/dev/null) || SRC_LIST_S=n/a
    SRC_SHOWN=$(smoke source env QT_QPA_PLATFORM=offscreen "$SOURCE_STUDIO" 2>/dev/null) \
        || SRC_SHOWN=n/a
fi
INSTALLED_MB=$(( $(du -sk /opt/emotion-studio | cut -f1) / 1024 ))
DEB_MB=$(( $(stat -c %s "$DEB") / 1048576 ))

# 4. Remove, and check nothing is left behind.
cd "$ROOT"
apt-get remove -y emotion-studio > "$WORK/apt.log" 2>&1 || fail "apt-get remove"
for left in /opt/emotion-studio /usr/bin/studio /usr/share/applications/emotion-studio.desktop; do
    [ ! -e "$left" ] || fail "$left is still there after apt-get remove"
done
echo "removed: /opt/emotion-studio, /usr/bin/studio and the menu entry are gone"

printf '\n%-34s %12s %12s\n' "packaging" "installed" "source"
printf '%-34s %12s\n' "build time (s)" "$BUILD_S"
printf '%-34s %12s\n' ".deb size (MB)" "$DEB_MB"
printf '%-34s %12s\n' "installed folder (MB)" "$INSTALLED_MB"
printf '%-34s %12s %12s\n' "studio list, median of 5 (s)" "$LIST_S" "$SRC_LIST_S"
printf '%-34s %12s %12s\n' "window shown, offscreen (s)" "$SHOWN" "$SRC_SHOWN"
echo "packaging check passed"
