"""A contact sheet of a clip: N frames evenly spread, tiled with their times, as a PNG.

python benchmarks/clip_contact_sheet.py CLIP.mp4 SHEET.png [--frames 12] [--columns 4]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import av
from PIL import Image, ImageDraw


def sheet(clip: Path, out: Path, frames: int = 12, columns: int = 4, width: int = 480) -> dict:
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        total = stream.frames or 0
        fps = float(stream.average_rate or 25)
        pictures = [f.to_image() for f in container.decode(stream)]
    total = len(pictures) or total
    picks = [round(i * (total - 1) / max(1, frames - 1)) for i in range(frames)]
    first = pictures[0]
    height = round(width * first.height / first.width)
    rows = -(-frames // columns)
    canvas = Image.new("RGB", (columns * width, rows * (height + 18)), "black")
    draw = ImageDraw.Draw(canvas)
    for k, i in enumerate(picks):
        x, y = (k % columns) * width, (k // columns) * (height + 18)
        canvas.paste(pictures[i].resize((width, height)), (x, y + 18))
        draw.text((x + 4, y + 3), f"{i / fps:5.2f} s  frame {i}", fill="white")
    canvas.save(out)
    return {"clip": str(clip), "sheet": str(out), "frames": total, "picked": picks}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("clip", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument("--frames", type=int, default=12)
    p.add_argument("--columns", type=int, default=4)
    a = p.parse_args()
    print(json.dumps(sheet(a.clip, a.out, a.frames, a.columns)))


if __name__ == "__main__":
    main()
