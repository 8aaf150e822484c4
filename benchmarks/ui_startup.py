"""Cold start of the studio window: a fresh Python process builds the window, shows it and
processes its first event (target <= 1.5 s); also reports whether torch (or any other
heavy library, or QtMultimedia) was imported on the way, and the import-time share.
Median of several runs, each in a new process with an empty data folder. Prints JSON.

Run: python benchmarks/ui_startup.py [--runs N] [--platform offscreen|xcb]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

# Runs in the child: t0 is taken before any project import, so the figure includes
# importing PySide6, the emotion tables and every registered generator module.
CHILD = r"""
import time
t0 = time.perf_counter()
import sys, json
from studio.ui.app import build_window, ensure_app
from PySide6.QtCore import QTimer
t_import = time.perf_counter()
app = ensure_app()
window = build_window()
window.show()
t_built = time.perf_counter()
marks = {}
def first_event():
    marks["interactive"] = time.perf_counter()
    app.quit()
QTimer.singleShot(0, first_event)
app.exec()
heavy = sorted({m.split(".")[0] for m in sys.modules
                if m.split(".")[0] in ("torch", "diffusers", "transformers", "onnxruntime")})
print(json.dumps({
    "import_s": t_import - t0,
    "built_s": t_built - t0,
    "interactive_s": marks["interactive"] - t0,
    "heavy_imported": heavy,
    "qtmultimedia_imported": any(m.startswith("PySide6.QtMultimedia") for m in sys.modules),
    "panels": len(window.panels),
}))
window.close()
"""


def one_run(platform: str) -> dict:
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "STUDIO_HOME": home, "QT_QPA_PLATFORM": platform}
        out = subprocess.run(
            [sys.executable, "-c", CHILD], capture_output=True, text=True, env=env, timeout=120
        )
    if out.returncode != 0:
        raise SystemExit(f"child failed: {out.stderr.strip()[-2000:]}")
    line = [ln for ln in out.stdout.splitlines() if ln.startswith("{")][-1]
    return json.loads(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--platform", default=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    args = parser.parse_args()
    one_run(args.platform)  # warm the OS file cache: "cold" means a new process, not a new disk
    runs = [one_run(args.platform) for _ in range(args.runs)]
    median = {
        k: round(statistics.median(r[k] for r in runs), 3)
        for k in ("import_s", "built_s", "interactive_s")
    }
    print(
        json.dumps(
            {
                "runs": args.runs,
                "platform": args.platform,
                "median": median,
                "max_interactive_s": round(max(r["interactive_s"] for r in runs), 3),
                "target_interactive_s": 1.5,
                "meets_target": median["interactive_s"] <= 1.5,
                "heavy_imported": sorted({m for r in runs for m in r["heavy_imported"]}),
                "qtmultimedia_imported": any(r["qtmultimedia_imported"] for r in runs),
                "panels": runs[0]["panels"],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
