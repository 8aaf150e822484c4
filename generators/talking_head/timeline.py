"""Every per-frame control of a clip: expression (AUs), mouth, blinks, gaze, head, breath."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from generators.talking_head import life
from generators.talking_head.expression import AUS
from generators.talking_head.expression import expression_tracks as au_tracks
from studio.emotion import Condition

Array = NDArray[np.float64]
# Share of a held jaw drop (surprise, fear) that gives way to speech inside a phrase: what
# stays is a floor the syllables open from and the bilabials close from, so the more
# stays, the less the opening follows the voice (project calibration, face-landmark
# check in benchmarks/talking_head_fidelity.py).
SPEAKING_FLOOR_CUT = 0.7
TRACK_AUS = (*AUS, "AU45")


@dataclass
class Timeline:
    fps: int
    tracks: dict[str, Array]  # every control the rig reads, one value per frame
    visemes: list[str]
    blink_onsets: list[float]

    @property
    def n_frames(self) -> int:
        return len(self.visemes)

    def states(self) -> list[dict[str, float]]:
        """One control dict per frame, in frame order."""
        names = list(self.tracks)
        columns = [self.tracks[k].tolist() for k in names]
        return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def build(
    conditions: Sequence[Condition],
    mouth: dict[str, Array],
    visemes: list[str],
    envelope: Array,
    fps: int,
    rng: np.random.Generator,
    *,
    expression: float = 1.0,
    head_motion: float = 1.0,
) -> Timeline:
    """All tracks of a clip. ``expression`` scales the emotional AUs and pose biases,
    ``head_motion`` the head's movement (both 1 = as calibrated): artists ask for both
    to be separately adjustable (emotion-facts §3)."""
    n = len(conditions)
    expr = {k: v * expression for k, v in au_tracks(conditions).items()}
    arousal = np.array([c.arousal for c in conditions])
    au = {k: np.clip(expr[k], 0.0, 1.0) for k in AUS}
    # While speaking, the lips must move: held mouth postures (surprise's jaw drop,
    # anger's pressed lips) give way to speech for the whole phrase, short pauses
    # included, and come back only when the speaker stops.
    speaking = phrase_gate(envelope, fps)
    hold = 1.0 - 0.85 * speaking
    # A dropped jaw (surprise, and fear's parted lips) is kept in part while talking:
    # speech opens the mouth further from there and p/b/m still close it.
    dropped = np.clip(0.8 * au["AU26"] + 0.2 * au["AU25"], 0.0, 1.0)
    floor = dropped * (1.0 - SPEAKING_FLOOR_CUT * speaking)
    jaw = np.clip((floor + (1.0 - floor) * mouth["open"]) * (1.0 - mouth["press"]), 0.0, 1.0)
    au["AU26"] = np.maximum(au["AU26"] * hold, mouth["open"])
    au["AU25"] = np.maximum(au["AU25"] * hold, np.clip(mouth["open"] * 3.0, 0.0, 1.0))
    au["AU23"] = au["AU23"] * (1.0 - 0.3 * speaking)
    au["AU24"] = np.maximum(au["AU24"] * (1.0 - 0.5 * speaking), mouth["press"])
    # Accent brow flashes (AU1+2) are held down by a frown: lifting the inner brows of
    # anger would turn its AU4 into the oblique brow of sadness (AU1+4).
    flash = life.brow_flashes(envelope, fps, rng) * min(1.0, expression) * (1.0 - au["AU4"])
    au["AU1"] = np.clip(au["AU1"] + flash, 0.0, 1.0)
    au["AU2"] = np.clip(au["AU2"] + flash, 0.0, 1.0)
    blink, onsets = life.blinks(arousal, fps, rng)
    au["AU45"] = blink
    gx, gy = life.gaze(n, fps, arousal, rng)
    yaw, pitch, roll = (head_motion * x for x in life.head_motion(envelope, arousal, fps, rng))
    tracks: dict[str, Array] = {
        **au,
        "jaw": jaw,
        "spread": mouth["spread"],
        # A held jaw drop (surprise, fear) relaxes the lips into an oval.
        "round": np.maximum(
            mouth["round"], 0.8 * np.clip(expr["AU26"], 0, 1) * (1.0 - 0.25 * speaking)
        ),
        "press": mouth["press"],
        "teeth": mouth["teeth"],
        "tongue": mouth["tongue"],
        "gaze_x": np.clip(gx, -1.0, 1.0),
        "gaze_y": np.clip(gy + expr["gaze_down"], -1.0, 1.0),
        "yaw": yaw,
        "pitch": pitch + expr["head_pitch"],
        "roll": roll,
        "breath": life.breathing(n, fps, arousal, rng),
        "speaking": speaking,
    }
    return Timeline(fps=fps, tracks=tracks, visemes=visemes, blink_onsets=onsets)


def phrase_gate(envelope: Array, fps: int, bridge_s: float = 0.45) -> Array:
    """1 inside a spoken phrase (pauses shorter than ~2×``bridge_s`` bridged), else 0,
    with soft edges."""
    voiced = np.clip((envelope - 0.05) / 0.15, 0.0, 1.0)
    k = max(1, int(bridge_s * fps))
    padded = np.pad(voiced, k)
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * k + 1)
    held = windows.max(axis=1)
    kernel = np.hanning(max(3, k)) / np.hanning(max(3, k)).sum()
    return np.clip(np.convolve(held, kernel, mode="same"), 0.0, 1.0)
