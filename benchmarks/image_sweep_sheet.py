"""Contact sheets of the image generator: a 5×5 valence–arousal sweep (valence →,
arousal ↑) made through the ``studio sweep`` command, one sheet of every style, and one of
anger, fear, disgust, joy and sadness in every style (form, not only hue).

Writes PNGs into the git-ignored ``benchmarks/out/`` and prints their paths and the mean
L* / colourfulness of each cell as JSON, so the sheet and the figures can be compared.

Run: python benchmarks/image_sweep_sheet.py [--prompt "a lighthouse"] [--size 256] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from PIL import Image, ImageDraw

from generators.image import ImageGenerator
from studio.emotion import Condition
from studio.plugins.contract import Request

OUT = Path(__file__).with_name("out")
STYLES = ("flow", "wash", "shards", "landscape")
FORMS = ("anger", "fear", "disgust", "joy", "sadness")
CORNERS = ((0.8, 0.8), (-0.8, 0.8), (-0.8, -0.8), (0.8, -0.8), (0.0, 0.0))


def tile(cells: list[list[Path]], labels: list[list[str]], size: int) -> Image.Image:
    rows, cols = len(cells), len(cells[0])
    pad = 4
    sheet = Image.new("RGB", (cols * (size + pad) + pad, rows * (size + pad) + pad), (20, 20, 20))
    draw = ImageDraw.Draw(sheet)
    for r, row in enumerate(cells):
        for c, path in enumerate(row):
            x, y = pad + c * (size + pad), pad + r * (size + pad)
            with Image.open(path) as im:
                sheet.paste(im.convert("RGB").resize((size, size)), (x, y))
            draw.text((x + 4, y + 4), labels[r][c], fill=(255, 255, 255))
    return sheet


def sweep_sheet(prompt: str | None, size: int, seed: int) -> tuple[Path, list[dict]]:
    folder = OUT / "image_sweep"
    cmd = [sys.executable, "-m", "studio.cli", "sweep", "image", "--grid", "5", "--ext", "png"]
    cmd += ["-o", str(folder), "--size", str(size), "--seed", str(seed), "--no-history"]
    if prompt:
        cmd += ["--prompt", prompt]
    subprocess.run(cmd, check=True, capture_output=True)
    rows = json.loads((folder / "sweep.json").read_text())
    cells = [[folder / r["file"] for r in rows[i * 5 : i * 5 + 5]] for i in range(5)]
    labels = [[f"v{r['valence']:+.1f} a{r['arousal']:+.1f} {r['name']}" for r in
               rows[i * 5 : i * 5 + 5]] for i in range(5)]  # fmt: skip
    sheet = OUT / "image_sweep_sheet.png"
    tile(cells, labels, size).save(sheet)
    return sheet, rows


def style_sheet(prompt: str | None, size: int, seed: int) -> Path:
    folder = OUT / "image_styles"
    folder.mkdir(parents=True, exist_ok=True)
    gen = ImageGenerator()
    cells, labels = [], []
    for style in STYLES:
        row, names = [], []
        for v, a in CORNERS:
            out = folder / f"{style}_v{v:+.1f}_a{a:+.1f}.png"
            cond = Condition.from_vad(v, a)
            params = {"size": size, "style": style, "prompt": prompt}
            gen.generate(Request("image", out, condition=cond, params=params, seed=seed))
            row.append(out)
            names.append(f"{style} {cond.name}")
        cells.append(row)
        labels.append(names)
    sheet = OUT / "image_styles_sheet.png"
    tile(cells, labels, size).save(sheet)
    return sheet


def forms_sheet(prompt: str | None, size: int, seed: int) -> Path:
    """Anger, fear and disgust (and joy, sadness for contrast) in every style: they should
    differ in form — cracks, closing-in dark shapes, sagging stains — not only in hue."""
    folder = OUT / "image_forms"
    folder.mkdir(parents=True, exist_ok=True)
    gen = ImageGenerator()
    cells, labels = [], []
    for style in STYLES:
        row, names = [], []
        for emotion in FORMS:
            out = folder / f"{style}_{emotion}.png"
            cond = Condition.from_mixture({emotion: 1.0}, 1.0)
            params = {"size": size, "style": style, "prompt": prompt}
            gen.generate(Request("image", out, condition=cond, params=params, seed=seed))
            row.append(out)
            names.append(f"{style} {emotion}")
        cells.append(row)
        labels.append(names)
    sheet = OUT / "image_forms_sheet.png"
    tile(cells, labels, size).save(sheet)
    return sheet


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--prompt", default=None)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    sweep, rows = sweep_sheet(args.prompt, args.size, args.seed)
    styles = style_sheet(args.prompt, args.size, args.seed)
    forms = forms_sheet(args.prompt, args.size, args.seed)
    figures = []
    for r in rows:
        path = str(OUT / "image_sweep" / r["file"])
        cmd = [sys.executable, "-m", "studio.cli", "inspect", path, "--json"]
        meta = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
        f = meta.get("features", {})
        cell = {"file": r["file"], "L*": f.get("mean_lightness"), "M": f.get("colourfulness")}
        figures.append({**cell, "styles": meta.get("image", {}).get("styles")})
    summary = {"sweep_sheet": str(sweep), "style_sheet": str(styles), "forms_sheet": str(forms),
               "cells": figures}  # fmt: skip
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
