"""Pictures into the finished video: the backdrops cross-fading section by section, the
face composited over them through its alpha matte, framed for the preset, muxed with the
mix into H.264 + AAC (PyAV) in one pass."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from generators.clip.arc import Section
from studio.sdk import atomic_path

Picture = Any  # a PIL image (PIL has no type stubs here)
# veryfast + CRF 20 as the talking head's encoder; no animation tune: backdrops are soft
# gradients, where the default psychovisual settings band less.
X264_OPTIONS: Final = {"preset": "veryfast", "crf": "20"}
AAC_BITRATE: Final = 192_000
AUDIO_BLOCK: Final = 1024
CROSSFADE_S: Final = 1.5
# A vertical frame is as wide as the face's square: scale the character up so head and
# shoulders fill the frame's lower part instead of sitting small in it.
VERTICAL_FACE_SCALE: Final = 1.4
FEATHER: Final = 0.08  # an opaque face's soft edge, as a share of its square's side


@dataclass(frozen=True)
class Framing:
    """Where the face's square goes in the frame (pixels; may overhang the sides)."""

    x: int
    y: int
    side: int  # the square's side in the frame, after scaling


def framing(width: int, height: int, face: int) -> Framing:
    """Landscape and square: the face's square as tall as the frame, centred; vertical:
    scaled up, shoulders on the bottom edge (head and shoulders, not a letterbox)."""
    if height > width:
        side = round(face * VERTICAL_FACE_SCALE) // 2 * 2
        return Framing((width - side) // 2, height - side, side)
    return Framing((width - face) // 2, height - face, face)


def face_size(width: int, height: int, largest: int = 1080) -> int:
    """The size to ask the face for: the frame's short side (even, at most ``largest``)."""
    return min(largest, min(width, height)) // 2 * 2


def soft_edges(width: int, height: int, at: Framing) -> Picture:
    """An alpha matte for an opaque face (a portrait has its own background, no matte):
    its square fades into the backdrop over ``FEATHER`` of its side on each edge that lies
    inside the frame; edges on or past the frame's border stay hard (no backdrop seeps in
    at the frame's edge)."""
    from PIL import Image

    side = at.side
    ramp = max(1, round(side * FEATHER))
    # A raised-cosine ramp: no visible band where the fade starts or ends.
    edge = 0.5 - 0.5 * np.cos(np.pi * np.clip((np.arange(side) + 0.5) / ramp, 0.0, 1.0))
    ones = np.ones(side)
    cols = (edge if at.x > 0 else ones) * (edge[::-1] if at.x + side < width else ones)
    rows = (edge if at.y > 0 else ones) * (edge[::-1] if at.y + side < height else ones)
    return Image.fromarray(np.round(255 * np.outer(rows, cols)).astype(np.uint8), "L")


def plain_backdrop(width: int, height: int) -> Picture:
    """A quiet dark gradient for --no-backdrop."""
    from PIL import Image

    rows = np.linspace(52, 22, height, dtype=np.float32)[:, None, None]
    tint = np.array([1.0, 1.02, 1.1], dtype=np.float32)[None, None, :]
    return Image.fromarray(np.broadcast_to(rows * tint, (height, width, 3)).astype(np.uint8))


def backdrop_weights(t: float, sections: Sequence[Section]) -> list[tuple[int, float]]:
    """Which backdrops show at ``t`` and how much (a raised-cosine cross-fade centred on
    each section boundary, never longer than half either section)."""
    for i, s in enumerate(sections):
        if t < s.end or i == len(sections) - 1:
            break
    # i: the section holding t
    if i + 1 < len(sections):
        nxt = sections[i + 1]
        half = min(CROSSFADE_S, s.end - s.start, nxt.end - nxt.start) / 2
        if half > 0 and t > s.end - half:
            u = (t - (s.end - half)) / (2 * half)
            w = 0.5 - 0.5 * np.cos(np.pi * min(1.0, u))
            return [(i, 1.0 - w), (i + 1, w)]
    if i > 0:
        prev = sections[i - 1]
        half = min(CROSSFADE_S, s.end - s.start, prev.end - prev.start) / 2
        if half > 0 and t < s.start + half:
            u = (t - (s.start - half)) / (2 * half)
            w = 0.5 - 0.5 * np.cos(np.pi * max(0.0, u))
            return [(i - 1, 1.0 - w), (i, w)]
    return [(i, 1.0)]


def backdrop_at(t: float, sections: Sequence[Section], pictures: Sequence[Picture]) -> Picture:
    weights = [(i, w) for i, w in backdrop_weights(t, sections) if w > 1e-3]
    if len(weights) == 1:
        return pictures[weights[0][0]]
    from PIL import Image

    (a, _), (b, wb) = weights
    return Image.blend(pictures[a], pictures[b], wb)


def face_frames(path: Path, side: int) -> Iterator[Picture]:
    """The face video's frames as straight-alpha RGBA pictures, scaled to ``side``."""
    import av
    from PIL import Image

    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            picture = Image.fromarray(frame.to_ndarray(format="rgba"), "RGBA")
            if picture.size != (side, side):
                picture = picture.resize((side, side), Image.Resampling.BILINEAR)
            yield picture


def composite(back: Picture, face: Picture, at: Framing) -> Picture:
    """``face`` over ``back`` through its own alpha (straight alpha: out = fg·a + bg·(1−a),
    PIL's paste with a mask), clipped to the frame."""
    out = back.copy()
    out.paste(face, (at.x, at.y), face)
    return out


def _with_alpha(face: Picture, matte: Picture) -> Picture:
    face.putalpha(matte)
    return face


def write(
    path: Path,
    size: tuple[int, int],
    fps: int,
    n_frames: int,
    pictures: Sequence[Picture],
    sections: Sequence[Section],
    face: Path | None,
    at: Framing,
    audio: NDArray[np.float32],
    rate: int,
    on_frame: Callable[[int], None],
    opaque: bool = False,
) -> None:
    """Encode ``n_frames`` frames and the stereo mix into one MP4 at ``path``; an
    ``opaque`` face (a portrait, no matte of its own) gets :func:`soft_edges`."""
    import av

    width, height = size
    faces = face_frames(face, at.side) if face is not None else None
    if faces is not None and opaque:
        matte = soft_edges(width, height, at)
        faces = (_with_alpha(f, matte) for f in faces)
    last_face: Picture | None = None
    samples = np.ascontiguousarray(audio.T, dtype=np.float32)  # (2, n) planar
    total = samples.shape[1]
    with atomic_path(path) as tmp, av.open(str(tmp), "w", format="mp4") as container:
        video = container.add_stream("libx264", rate=fps, options=dict(X264_OPTIONS))
        video.width, video.height = width, height
        video.pix_fmt = "yuv420p"
        video.codec_context.time_base = Fraction(1, fps)
        video.codec_context.thread_count = 2
        sound = container.add_stream("aac", rate=rate)
        sound.layout = "stereo"
        sound.bit_rate = AAC_BITRATE
        sent = 0

        def send_audio(upto: int) -> None:
            nonlocal sent
            while sent < upto:
                block = samples[:, sent : min(upto, sent + AUDIO_BLOCK)]
                chunk = av.AudioFrame.from_ndarray(
                    np.ascontiguousarray(block), format="fltp", layout="stereo"
                )
                chunk.sample_rate = rate
                chunk.pts = sent
                container.mux(sound.encode(chunk))
                sent += block.shape[1]

        for i in range(n_frames):
            t = (i + 0.5) / fps
            picture = backdrop_at(t, sections, pictures)
            if faces is not None:
                last_face = next(faces, last_face)  # hold the last frame if the face is short
                if last_face is not None:
                    picture = composite(picture, last_face, at)
            frame = av.VideoFrame.from_image(picture)
            frame.pts = i
            container.mux(video.encode(frame))
            send_audio(min(total, round((i + 1) * rate / fps)))
            on_frame(i)
        send_audio(total)
        container.mux(video.encode(None))
        container.mux(sound.encode(None))
