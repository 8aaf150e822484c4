"""Render the four quadrant corners (MIDI + WAV) and draw their piano rolls as PNGs under
``benchmarks/out/`` (Pillow; pretty_midi's ``get_piano_roll`` per track, one colour per
track, drums as grey ticks along the bottom, bar lines from ``get_downbeats``).

Run: python benchmarks/music_corners.py
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pretty_midi
from PIL import Image, ImageDraw

from generators.music import MusicGenerator
from studio.emotion import Condition
from studio.plugins.contract import Request

OUT = Path(__file__).with_name("out")
CORNERS = {
    "happy": (0.8, 0.7),
    "angry": (-0.8, 0.7),
    "sad": (-0.8, -0.7),
    "calm": (0.8, -0.7),
}
COLOURS = {"Melody": (230, 80, 60), "Accompaniment": (70, 130, 220), "Bass": (60, 170, 90)}
FS, LOW, HIGH, PX_PER_SEMITONE, SECONDS = 20, 28, 100, 4, 30.0


def draw(pm: pretty_midi.PrettyMIDI, title: str, path: Path) -> None:
    width = int(SECONDS * FS)
    height = (HIGH - LOW) * PX_PER_SEMITONE + 30
    img = Image.new("RGB", (width, height + 20), (250, 250, 245))
    d = ImageDraw.Draw(img)
    for t in pm.get_downbeats():
        x = int(t * FS)
        if x < width:
            d.line([(x, 20), (x, height)], fill=(215, 215, 215))
    order = {"Melody": 3, "Accompaniment": 1, "Bass": 2}
    for inst in sorted(pm.instruments, key=lambda i: order.get(i.name, 0)):
        if inst.is_drum:
            for n in inst.notes:
                x = int(n.start * FS)
                if x < width:
                    d.line([(x, height + 2), (x, height + 6 + n.velocity // 12)], fill=(90, 90, 90))
            continue
        roll = inst.get_piano_roll(fs=FS)[:, :width]
        colour = COLOURS.get(inst.name, (120, 120, 120))
        for pitch, col in zip(*np.nonzero(roll), strict=True):
            if LOW <= pitch < HIGH:
                y = 20 + (HIGH - 1 - pitch) * PX_PER_SEMITONE
                shade = 0.35 + 0.65 * min(1.0, roll[pitch, col] / 127)
                c = tuple(int(255 - (255 - ch) * shade) for ch in colour)
                d.rectangle([col, y, col, y + PX_PER_SEMITONE - 2], fill=c)
    d.text((4, 4), title, fill=(0, 0, 0))
    img.save(path)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    gen = MusicGenerator()
    report = {}
    for name, (v, a) in CORNERS.items():
        cond = Condition.from_vad(v, a)
        for ext in (".mid", ".wav"):
            art = gen.generate(
                Request(
                    "music",
                    OUT / f"corner_{name}{ext}",
                    condition=cond,
                    params={"duration": SECONDS},
                    seed=3,
                )
            )
        f = art.features
        pm = pretty_midi.PrettyMIDI(str(OUT / f"corner_{name}.mid"))
        title = (
            f"{name} v={v:+.1f} a={a:+.1f}: {f['tempo_bpm']:.0f} bpm, {f['key']}, "
            f"{f['note_density']:.1f} notes/s, vel {f['mean_velocity']:.0f}, "
            f"{art.metadata['music']['ensemble']}"
        )
        draw(pm, title, OUT / f"corner_{name}.png")
        report[name] = {"features": f, "plan": art.metadata["music"]}
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
