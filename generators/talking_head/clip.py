"""One clip from start to finish: audio + timings → tracks → frames → MP4 + metadata."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from generators.talking_head import audio as sound
from generators.talking_head import lipsync, timeline
from generators.talking_head.character import load_character
from generators.talking_head.params import TalkingHeadParams
from generators.talking_head.speech import Anchors, Tagged
from studio.emotion import Condition, Trajectory, blend
from studio.sdk import (
    CancelToken,
    InputError,
    ProgressCallback,
    Rendered,
    Request,
    check_cancel,
)

PROGRESS_EVERY: Final = 10
# A tagged emotion reaches the face a little before the words it goes with and fades over a
# few hundred milliseconds after them (project calibration, set by eye on the contact sheet).
TAG_LEAD_S: Final = 0.25
TAG_EASE_S: Final = 0.35
TRACK_NAMES: Final = (*timeline.TRACK_AUS, "mouth_open", "gaze_x", "gaze_y", "yaw", "pitch", "roll")


@dataclass(frozen=True)
class Source:
    samples: NDArray[np.float32]
    rate: int
    phonemes: Sequence[Mapping[str, Any]] | None
    tagged: Sequence[Tagged] = ()
    arc_anchors: Anchors = ()  # how the voice laid an arc onto the line (speech.anchors)

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate


def load_source(
    path: Path,
    phonemes: Sequence[Mapping[str, Any]] | None,
    tagged: Sequence[Tagged] = (),
    arc_anchors: Anchors = (),
) -> Source:
    samples, rate = sound.read_audio(path)
    return Source(samples, rate, phonemes or None, tuple(tagged), tuple(arc_anchors))


def arc_times(
    arc: Trajectory, source: Source, times: NDArray[np.float64]
) -> tuple[NDArray[np.float64], dict[str, Any]]:
    """Arc seconds for each frame time, and the ``arc_mapping`` metadata entry.

    The arc is stretched (or compressed) onto the clip, as the speech plugin does: with
    ``--text`` through the voice's own anchors (the arc advances with the phonemes spoken
    and holds through pauses), so face and voice are at the same point of the arc on every
    frame; with ``--audio`` evenly over the recording's length."""
    span = max(0.0, arc.end)
    if source.arc_anchors:
        media = np.array([m for m, _ in source.arc_anchors])
        at = np.array([a for _, a in source.arc_anchors])
        by, pairs = "spoken phonemes", [[round(m, 4), round(a, 4)] for m, a in source.arc_anchors]
        mapped = np.interp(times, media, at)
    else:
        by, pairs = "recording length", [[0.0, 0.0], [round(source.seconds, 4), round(span, 4)]]
        mapped = np.clip(times / max(source.seconds, 1e-6), 0.0, 1.0) * span
    entry = {
        "mode": "stretched",
        "arc_seconds": round(span, 4),
        "media_seconds": round(source.seconds, 4),
        "by": by,
        "anchors": pairs,
    }
    return mapped, entry


def follow_tags(
    conditions: list[Condition], times: NDArray[np.float64], tagged: Sequence[Tagged]
) -> list[Condition]:
    """The face takes each tagged stretch's emotion, easing in from TAG_LEAD_S before the
    words (the face leads the voice) and out over TAG_EASE_S after them; a later stretch
    takes over from an earlier one where their ramps overlap."""
    out = list(conditions)
    for seg in tagged:
        rise = np.clip((times - (seg.start - TAG_LEAD_S)) / TAG_LEAD_S, 0.0, 1.0)
        fall = np.clip((seg.end + TAG_EASE_S - times) / TAG_EASE_S, 0.0, 1.0)
        for i in np.flatnonzero(rise * fall > 0).tolist():
            out[i] = blend(out[i], seg.condition, float(rise[i] * fall[i]))
    return out


def plan(
    request: Request, params: TalkingHeadParams, source: Source
) -> tuple[timeline.Timeline, str, dict[str, Any] | None]:
    """Every per-frame control of the clip (nothing drawn yet), the lip-sync mode and,
    under an arc, how it was laid onto the clip."""
    fps = int(params.fps)
    n = max(1, round(source.seconds * fps))
    times = (np.arange(n) + 0.5) / fps
    mapping: dict[str, Any] | None = None
    if request.trajectory is not None:
        mapped, mapping = arc_times(request.trajectory, source, times)
        conditions = request.trajectory.sample(mapped.tolist())
    else:
        conditions = [request.condition_at(0.0)] * n
    conditions = follow_tags(conditions, times, source.tagged)
    db = sound.frame_rms_db(source.samples, source.rate, fps, n)
    envelope = sound.loudness_envelope(db, fps)
    if source.phonemes:
        mouth, visemes = lipsync.from_phonemes(source.phonemes, n, fps)
        lipsync.follow_loudness(mouth, envelope)
        mode = "phonemes"
    else:
        tilt = sound.spectral_tilt(source.samples, source.rate, fps, n)
        mouth, visemes = lipsync.from_audio(envelope, tilt)
        mode = "audio"
    visemes = lipsync.anticipate(mouth, visemes, fps)
    mouth["open"] = mouth["open"] * lipsync.articulation(np.array([c.arousal for c in conditions]))
    rng = np.random.default_rng(request.seed)
    built = timeline.build(
        conditions,
        mouth,
        visemes,
        envelope,
        fps,
        rng,
        expression=float(params.expression),
        head_motion=float(params.head_motion),
    )
    if params.portrait is not None:
        from generators.talking_head.portrait.expression import held_jaw, relax_track

        built.tracks["relax"] = relax_track(conditions, float(params.expression))
        built.tracks["jaw"] = held_jaw(
            conditions, built.tracks["jaw"], mouth["open"], mouth["press"], float(params.expression)
        )
    return built, mode, mapping


def make(
    request: Request,
    params: TalkingHeadParams,
    source: Source,
    progress: ProgressCallback,
    cancel: CancelToken,
    start: float,
    portrait: Any = None,
) -> Rendered:
    """Render and encode the clip. ``portrait``: a ``portrait.load.Loaded`` already made
    (the generator loads it before synthesising speech, so a bad photo fails first);
    loaded here when ``params.portrait`` is set and none is given. A ``.mov`` output is the
    drawn character alone with its alpha matte, for compositing over a backdrop."""
    from generators.talking_head.encode import write_alpha_mov, write_mp4

    fps, size = int(params.fps), int(params.size)
    tl, mode, mapping = plan(request, params, source)
    n = tl.n_frames
    check_cancel(cancel)
    alpha = request.output.suffix.lower() == ".mov"
    rig, portrait = _rig(params, size, portrait, transparent=alpha)
    states = tl.states()
    frames = (rig.draw(s) for s in states)
    samples, rate = sound.for_aac(source.samples, source.rate)
    span = 0.99 - start

    def on_frame(i: int) -> None:
        if (i + 1) % PROGRESS_EVERY == 0 or i + 1 == n:
            progress(start + span * (i + 1) / n, f"frame {i + 1} of {n}")
            check_cancel(cancel)

    progress(start, "drawing")
    write = write_alpha_mov if alpha else write_mp4
    write(request.output, frames, n, size, fps, samples, rate, on_frame)
    features = _features(tl, source, params, mode)
    if portrait is not None:
        features.update(
            character="portrait",
            portrait=portrait.name,
            portrait_faces=portrait.faces,
            portrait_face_px=round(portrait.face_px, 1),
        )
    return Rendered(
        files=[request.output],
        features=features,
        extra={
            "talking_head": _tracks(tl, params, mode),
            # The stretches inline tags set, as the speech plugin records them.
            **(
                {"speech": {"segments": [t.to_dict() for t in source.tagged]}}
                if source.tagged
                else {}
            ),
            **({"arc_mapping": mapping} if mapping is not None else {}),
        },
    )


def _rig(
    params: TalkingHeadParams, size: int, loaded: Any, transparent: bool = False
) -> tuple[Any, Any]:
    """The drawn character's rig (``transparent``: no background drawn, for an alpha
    matte), or the portrait's (with what was found in the photo; its own background)."""
    if params.portrait is not None:
        if transparent:
            raise InputError("portrait: a .mov with alpha is for the drawn character only")
        if loaded is None:
            from generators.talking_head.portrait.load import load

            loaded = load(params.portrait, size)
        return loaded.rig, loaded
    from generators.talking_head.rig import Rig

    return Rig(load_character(params.character), size, transparent=transparent), None


def _series(tl: timeline.Timeline) -> dict[str, NDArray[np.float64]]:
    t = tl.tracks
    return {
        **{k: t[k] for k in timeline.TRACK_AUS},
        "mouth_open": t["jaw"],
        "gaze_x": t["gaze_x"],
        "gaze_y": t["gaze_y"],
        "yaw": t["yaw"],
        "pitch": t["pitch"],
        "roll": t["roll"],
    }


def _tracks(tl: timeline.Timeline, params: TalkingHeadParams, mode: str) -> dict[str, Any]:
    series: dict[str, Any] = {k: np.round(v, 3).tolist() for k, v in _series(tl).items()}
    series["viseme"] = list(tl.visemes)
    return {
        "fps": tl.fps,
        "frames": tl.n_frames,
        "character": "portrait" if params.portrait else params.character,
        "lip_sync": mode,
        "tracks": series,
    }


def _features(
    tl: timeline.Timeline, source: Source, params: TalkingHeadParams, mode: str
) -> dict[str, Any]:
    series = _series(tl)
    minutes = tl.n_frames / tl.fps / 60.0
    out: dict[str, Any] = {
        "duration_s": round(tl.n_frames / tl.fps, 4),
        "audio_s": round(source.seconds, 4),
        "frames": tl.n_frames,
        "fps": tl.fps,
        "size": int(params.size),
        "character": params.character,
        "lip_sync": mode,
        "blinks": len(tl.blink_onsets),
        "blinks_per_minute": round(len(tl.blink_onsets) / minutes, 2),
        "mouth_open_mean": round(float(series["mouth_open"].mean()), 4),
        "head_motion_deg": round(
            float(np.mean([series[k].std() for k in ("yaw", "pitch", "roll")])), 3
        ),
    }
    for k in timeline.TRACK_AUS:
        out[f"mean_{k}"] = round(float(series[k].mean()), 4)
    return out
