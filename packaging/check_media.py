"""Check that files an installed studio wrote are real media, read by the libraries' own
readers (not the studio's): an image that is not one flat colour, speech and music that
are not silence, a video with moving frames and a sound track.

Run: python check_media.py IMAGE SPEECH VIDEO MUSIC  — one line per file; exit 1 if any fails.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import numpy as np


def image(path: Path) -> str:
    from PIL import Image

    with Image.open(path) as im:
        pixels = np.asarray(im.convert("RGB"), dtype=np.float32)
    spread = float(pixels.std())
    assert pixels.shape[0] >= 64 and pixels.shape[1] >= 64, f"tiny image {pixels.shape}"
    assert spread > 5, f"flat image (std {spread:.1f})"
    return f"{pixels.shape[1]}×{pixels.shape[0]}, pixel std {spread:.0f}"


def audio(path: Path) -> str:
    import soundfile

    data, rate = soundfile.read(str(path), always_2d=True)
    seconds = len(data) / rate
    rms = float(np.sqrt(np.mean(data**2))) if len(data) else 0.0
    assert seconds > 0.5, f"{seconds:.2f} s long"
    assert rms > 1e-3, f"silent (rms {rms:.5f})"
    return f"{seconds:.1f} s at {rate} Hz, rms {20 * np.log10(rms):.0f} dBFS"


def video(path: Path) -> str:
    import av

    with av.open(str(path)) as box:
        assert box.streams.audio, "no sound track"
        frames = [f.to_ndarray(format="gray").astype(np.float32) for f in box.decode(video=0)]
    assert len(frames) >= 10, f"{len(frames)} frames"
    motion = float(np.mean([np.abs(a - b).mean() for a, b in itertools.pairwise(frames)]))
    assert motion > 0.01, "the frames do not move"
    return f"{len(frames)} frames {frames[0].shape[1]}×{frames[0].shape[0]}, with sound"


CHECKS = {".png": image, ".jpg": image, ".wav": audio, ".flac": audio, ".mp4": video}


def main(paths: list[str]) -> int:
    failed = 0
    for name in paths:
        path = Path(name)
        try:
            print(f"  {path.name}: {CHECKS[path.suffix](path)}")
        except Exception as exc:  # any reader error is a broken file
            print(f"  {path.name}: FAILED ({exc})")
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
