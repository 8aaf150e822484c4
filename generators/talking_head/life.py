"""What keeps a face alive: blinks, gaze shifts, head motion, breathing.

Everything is drawn from random processes seeded by the request (no loops, no fixed
periods), so a long clip never visibly repeats, and the same seed gives the same clip.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]

# Spontaneous blink rate ~17/min at rest and ~26/min in conversation (Bentivoglio et al.
# 1997, Movement Disorders 12:1028) [check]; it rises with arousal/stress: the rate here
# runs 12 → 17 → 26 per minute over arousal -1 → 0 → 1 (project calibration inside that
# published range).
BLINK_RATE_REST: Final = 17.0
BLINK_RATE_SLOPE: Final = 8.0
BLINK_RATE_LIMITS: Final = (9.0, 28.0)
# Blink shape: the lid closes in ~100 ms and reopens more slowly, ~200 ms (VanderWerf et
# al. 2003, J. Neurophysiol. 89:2784) [check].
BLINK_CLOSE_S: Final = 0.09
BLINK_HOLD_S: Final = 0.03
BLINK_OPEN_S: Final = 0.2


def blink_rate(arousal: float) -> float:
    lo, hi = BLINK_RATE_LIMITS
    return float(np.clip(BLINK_RATE_REST + BLINK_RATE_SLOPE * arousal, lo, hi))


def blinks(arousal: Array, fps: int, rng: np.random.Generator) -> tuple[Array, list[float]]:
    """AU45 per frame and the blink onset times (s). Intervals are gamma distributed
    (shape 3: regular-ish but never periodic); 1 blink in 12 is doubled."""
    n = len(arousal)
    track = np.zeros(n)
    onsets: list[float] = []
    t = float(rng.uniform(0.3, 2.5))
    duration = n / fps
    while t < duration:
        onsets.append(t)
        if rng.random() < 1 / 12:
            onsets.append(t + BLINK_CLOSE_S + BLINK_HOLD_S + BLINK_OPEN_S * 0.6)
        i = min(n - 1, int(t * fps))
        mean = 60.0 / blink_rate(float(arousal[i]))
        t = onsets[-1] + max(0.35, float(rng.gamma(3.0, mean / 3.0)))
    times = (np.arange(n) + 0.5) / fps
    for onset in onsets:
        dt = times - onset
        closing = np.clip(dt / BLINK_CLOSE_S, 0, 1)
        opening = 1.0 - np.clip((dt - BLINK_CLOSE_S - BLINK_HOLD_S) / BLINK_OPEN_S, 0, 1)
        lid = np.where(dt < BLINK_CLOSE_S, closing, opening) * (dt >= 0)
        track = np.maximum(track, np.sin(lid * np.pi / 2) ** 2)
    onsets = [o for o in onsets if o < duration]
    return track, onsets


def smooth_noise(n: int, fps: int, rng: np.random.Generator, seconds: float) -> Array:
    """Unit-variance noise low-passed to a time scale of ``seconds`` (two one-pole passes:
    smooth, aperiodic)."""
    a = np.exp(-1.0 / (seconds * fps))
    x = rng.standard_normal(n + int(4 * seconds * fps))
    for _ in range(2):
        y = np.empty_like(x)
        acc = 0.0
        for i, v in enumerate(x.tolist()):
            acc = a * acc + (1 - a) * v
            y[i] = acc
        x = y
    # Scale by the process's stationary deviation, (1-a)^4 (1+a^2) / (1-a^2)^3 for two
    # one-pole passes over unit white noise, not by the clip's own: a clip shorter than the
    # time scale holds only a sliver of the process, and dividing that sliver by its own
    # tiny deviation blew a slow drift up into a head turned 40-180 degrees.
    stationary = math.sqrt((1 - a) ** 4 * (1 + a * a) / (1 - a * a) ** 3)
    return x[-n:] / stationary


def gaze(n: int, fps: int, arousal: Array, rng: np.random.Generator) -> tuple[Array, Array]:
    """Gaze x/y per frame (-1..1): holds and saccades.

    Holds last ~0.4–3 s (shorter when aroused); most returns go to the viewer (the camera),
    others to nearby points. A saccade takes ~40–60 ms (main sequence: Bahill et al. 1975)
    [check]; between saccades the eyes keep a faint drift.
    """
    gx, gy = np.zeros(n), np.zeros(n)
    t, x, y = 0.0, 0.0, 0.0
    duration = n / fps
    while t < duration:
        i = min(n - 1, int(t * fps))
        mean_hold = 1.5 - 0.6 * float(arousal[i])
        hold = max(0.35, float(rng.gamma(2.5, mean_hold / 2.5)))
        if rng.random() < 0.55:
            nx, ny = rng.normal(0, 0.06), rng.normal(0, 0.05)
        else:
            nx, ny = rng.uniform(-0.7, 0.7), rng.uniform(-0.35, 0.3)
        a, b = int(t * fps), min(n, int((t + hold) * fps) + 1)
        sac = max(1, round(0.05 * fps))
        ramp = np.clip((np.arange(b - a) + 1) / sac, 0, 1)
        gx[a:b] = x + (nx - x) * ramp
        gy[a:b] = y + (ny - y) * ramp
        x, y = nx, ny
        t += hold
    drift = 0.03
    return gx + drift * smooth_noise(n, fps, rng, 0.6), gy + drift * smooth_noise(n, fps, rng, 0.6)


def emphasis_onsets(envelope: Array, fps: int) -> list[tuple[int, float]]:
    """Frames where loudness jumps (stressed syllables), with their strength."""
    rise = np.diff(envelope, prepend=envelope[:1])
    gap = int(0.35 * fps)
    out: list[tuple[int, float]] = []
    for i in np.argsort(-rise).tolist():
        if rise[i] < 0.08:
            break
        if all(abs(i - j) >= gap for j, _ in out):
            out.append((i, float(rise[i])))
    out.sort()
    return out[: max(1, int(len(envelope) / fps * 2.5))]


def head_motion(
    envelope: Array, arousal: Array, fps: int, rng: np.random.Generator
) -> tuple[Array, Array, Array]:
    """Yaw, pitch, roll (degrees) per frame: idle sway + nods on speech emphasis.

    Head movement in speech lines up with stressed syllables and grows with vocal
    arousal (Busso et al. 2007, IEEE TASLP 15:1075) [check]; amplitudes are project
    calibration (a few degrees: explainer characters move, they do not bob).
    """
    n = len(envelope)
    energy = 0.6 + 0.5 * np.clip(arousal, -1, 1)
    yaw = 2.6 * smooth_noise(n, fps, rng, 1.6) * energy
    pitch = 1.4 * smooth_noise(n, fps, rng, 1.2) * energy
    roll = 1.3 * smooth_noise(n, fps, rng, 2.0) * energy
    times = np.arange(n) / fps
    for i, strength in emphasis_onsets(envelope, fps):
        dt = times - times[i]
        # A nod: down quickly, back up with a little overshoot (damped oscillation).
        shape = np.where(dt >= 0, np.exp(-dt / 0.22) * np.sin(2 * np.pi * dt / 0.55), 0.0)
        amp = (1.8 + 5.0 * strength) * energy[i]
        pitch -= amp * shape
        yaw += amp * 0.35 * rng.choice((-1.0, 1.0)) * shape
        roll += amp * 0.25 * rng.choice((-1.0, 1.0)) * shape
    return yaw, pitch, roll


def breathing(n: int, fps: int, arousal: Array, rng: np.random.Generator) -> Array:
    """Chest rise per frame (-1..1): ~15 breaths/min at rest, faster when aroused, with the
    period wandering so it never loops (project calibration)."""
    rate = (0.25 + 0.08 * np.clip(arousal, -1, 1)) * (1 + 0.15 * smooth_noise(n, fps, rng, 4.0))
    phase = np.cumsum(2 * np.pi * rate / fps) + rng.uniform(0, 2 * np.pi)
    return np.sin(phase)


def brow_flashes(envelope: Array, fps: int, rng: np.random.Generator) -> Array:
    """Brief brow raises (AU1+2) on some stressed syllables: speakers lift their brows
    with pitch accents (Cavé et al. 1996, ICSLP) [check]; one accent in three, ~0.4 s
    (project calibration)."""
    n = len(envelope)
    out = np.zeros(n)
    times = np.arange(n) / fps
    for i, strength in emphasis_onsets(envelope, fps):
        if rng.random() < 1 / 3:
            dt = times - times[i]
            pulse = np.where((dt >= 0) & (dt < 0.45), np.sin(np.pi * np.clip(dt / 0.45, 0, 1)), 0)
            out = np.maximum(out, (0.15 + 0.6 * strength) * pulse)
    return np.clip(out, 0.0, 0.4)
