"""The prosody stage: what Piper cannot do itself, applied only as strongly as asked.

Piper carries the rate (``length_scale``) and the variability of its own prosody (its two
noise scales, see ``pipeline.py``). This stage adds, per sentence, in order:

1. F0 level, range, phrase-final contour and jitter by PSOLA (``psola.py``), skipped when
   those controls are at neutral;
2. loudness, accent strength, spectral tilt, breathiness and shimmer as smooth STFT gains
   (``spectral.py``), reduced to one broadband gain when only the level changes;
3. pauses: silent stretches inside the sentence lengthened or shortened by the ``pause``
   control, cut and padded inside the silence itself (no time-stretching of speech).

At neutral nothing but one gain to the reference level touches Piper's samples.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

from generators.speech import psola, spectral
from generators.speech.analysis import ControlsAt, active_rms_db

REF_DBFS: Final = -23.0  # active-speech RMS of neutral speech (EBU R128's -23 as reference)
PAUSES: Final = frozenset(",.!?;:-…—()\"' ")
# Below these distances from neutral a control is "at neutral" and its stage is skipped.
TOLERANCE: Final = {
    "f0_shift": 0.05,
    "f0_range": 0.01,
    "final_contour": 0.05,
    "irregularity": 0.005,
    "energy_var": 0.01,
    "tilt_db": 0.05,
    "breathiness": 0.005,
    "pause": 0.01,
}
NEUTRAL: Final = {
    "f0_shift": 0.0,
    "f0_range": 1.0,
    "final_contour": 0.0,
    "irregularity": 0.0,
    "energy_var": 1.0,
    "tilt_db": 0.0,
    "breathiness": 0.0,
    "pause": 1.0,
}
PITCH: Final = ("f0_shift", "f0_range", "final_contour", "irregularity")
SPECTRAL: Final = ("energy_var", "tilt_db", "breathiness", "irregularity")
QUIET_DB: Final = 35.0  # a pause is quieter than the loudest 10 ms by this much
MIN_PAUSE_S: Final = 0.05  # shorter silences (stop closures) are left alone
KEEP_S: Final = 0.012  # silence kept at each edge of a pause, with its own fade
GRID_S: Final = 0.01


@dataclass(frozen=True)
class Shaped:
    """One sentence after the prosody stage."""

    audio: np.ndarray  # float64 at the voice's rate
    boundaries: np.ndarray  # output seconds (from the sentence start) of each alignment edge
    controls: dict[str, float]  # the controls at the sentence start (for metadata)
    stages: tuple[str, ...]  # which stages changed the samples ("pitch", "spectrum", "pauses")


def moves(ctrl: dict[str, np.ndarray], names: tuple[str, ...]) -> bool:
    """Whether any of ``names`` is away from neutral anywhere in ``ctrl``."""
    return any(
        float(np.max(np.abs(ctrl[k] - NEUTRAL[k]))) > TOLERANCE[k] for k in names if k in ctrl
    )


def transform(
    audio: np.ndarray,
    fs: int,
    alignments: list[tuple[str, int]],
    controls_at: ControlsAt,
    start: float,
    rng: np.random.Generator,
) -> Shaped:
    """Apply the prosody controls to one sentence of Piper audio."""
    x = np.asarray(audio, dtype=np.float64).copy()
    level = active_rms_db(x, fs)
    if not np.isfinite(level):
        raise RuntimeError("the voice produced a silent sentence")
    x *= 10.0 ** ((REF_DBFS - level) / 20.0)
    grid = np.arange(0.0, len(x) / fs + GRID_S, GRID_S)
    ctrl = controls_at(start + grid)
    stages: list[str] = []
    if moves(ctrl, PITCH):
        x = psola.reshape(x, fs, controls_at, start, rng)
        stages.append("pitch")
    if moves(ctrl, SPECTRAL):
        x = spectral.shape(x, fs, controls_at, start, rng)
        stages.append("spectrum")
    else:  # the level alone: one smooth gain, no analysis
        x *= np.interp(np.arange(len(x)) / fs, grid, 10.0 ** (ctrl["energy_db"] / 20.0))
    edges = np.concatenate([[0], np.cumsum([n for _, n in alignments])]).astype(float)
    if moves(ctrl, ("pause",)):
        x, edges, changed = scale_pauses(x, fs, alignments, controls_at, start)
        if changed:
            stages.append("pauses")
    if not np.all(np.isfinite(x)):
        raise RuntimeError("the prosody stage produced invalid samples")
    boundaries = np.minimum(edges / fs, len(x) / fs)
    first = {k: float(v[0]) for k, v in ctrl.items()}
    return Shaped(audio=x, boundaries=boundaries, controls=first, stages=tuple(stages))


def quiet_runs(x: np.ndarray, fs: int, alignments: list[tuple[str, int]]) -> list[tuple[int, int]]:
    """Sample spans of silence inside pause markers (word gaps, punctuation), excluding the
    sentence's leading and trailing silence (the gap between sentences handles those)."""
    hop = max(1, int(0.005 * fs))
    n = len(x) // hop
    if n < 3:
        return []
    power = np.mean(x[: n * hop].reshape(n, hop) ** 2, axis=1)
    db = 10.0 * np.log10(power + 1e-20)
    loud = np.convolve(db, np.ones(2) / 2, mode="same").max()
    quiet = db < loud - QUIET_DB
    edges = np.concatenate([[0], np.cumsum([k for _, k in alignments])])
    runs: list[tuple[int, int]] = []
    for i, (ph, _k) in enumerate(alignments[1:-1], start=1):
        if ph not in PAUSES:
            continue
        a, b = int(edges[i]) // hop, min(n, int(edges[i + 1]) // hop)
        # widen to the whole quiet run around the marker's centre
        mid = (a + b) // 2
        if mid >= n or not quiet[mid]:
            continue
        lo, hi = mid, mid
        while lo > 0 and quiet[lo - 1]:
            lo -= 1
        while hi < n - 1 and quiet[hi + 1]:
            hi += 1
        span = (lo * hop, (hi + 1) * hop)
        if span[1] - span[0] >= MIN_PAUSE_S * fs and (not runs or span[0] >= runs[-1][1]):
            runs.append(span)
    return runs


def scale_pauses(
    x: np.ndarray,
    fs: int,
    alignments: list[tuple[str, int]],
    controls_at: ControlsAt,
    start: float,
) -> tuple[np.ndarray, np.ndarray, bool]:
    """Lengthen or shorten the silent pauses inside a sentence by the ``pause`` control.

    Returns the new audio, the alignment edges (samples) mapped into it, and whether
    anything changed."""
    edges = np.concatenate([[0], np.cumsum([n for _, n in alignments])]).astype(float)
    runs = quiet_runs(x, fs, alignments)
    if not runs:
        return x, edges, False
    keep = int(KEEP_S * fs)
    ramp = 0.5 + 0.5 * np.cos(np.linspace(0.0, np.pi, keep))  # 1 → 0
    pieces: list[np.ndarray] = []
    src_anchor, out_anchor = [0.0], [0.0]
    pos, out_len = 0, 0
    for a, b in runs:
        factor = float(np.clip(controls_at(np.asarray([start + a / fs]))["pause"][0], 0.1, 10.0))
        length = b - a
        new = max(2 * keep, round(length * factor))
        if new == length or length < 2 * keep:
            continue
        head = x[a : a + keep] * ramp
        tail = x[b - keep : b] * ramp[::-1]
        pieces.extend([x[pos:a], head, _room(x[a:b], new - 2 * keep), tail])
        out_len += (a - pos) + new
        src_anchor.extend([float(a), float(b)])
        out_anchor.extend([float(out_len - new), float(out_len)])
        pos = b
    if pos == 0:
        return x, edges, False
    pieces.append(x[pos:])
    src_anchor.append(float(len(x)))
    out_anchor.append(float(out_len + len(x) - pos))
    mapped = np.interp(edges, src_anchor, out_anchor)
    return np.concatenate(pieces), mapped, True


def _room(quiet: np.ndarray, n: int) -> np.ndarray:
    """``n`` samples of the pause's own background (its middle, looped with short
    crossfades), so a longer pause does not drop into digital silence."""
    core = quiet[len(quiet) // 4 : len(quiet) - len(quiet) // 4]
    if n <= 0 or len(core) < 16:
        return np.zeros(max(0, n))
    reps = int(np.ceil(n / len(core))) + 1
    fade = min(len(core) // 4, 64)
    tile = core.copy()
    if fade > 1:
        ramp = np.linspace(0.0, 1.0, fade)
        tile[:fade] *= ramp
        tile[-fade:] *= ramp[::-1]
    return np.tile(tile, reps)[:n]
