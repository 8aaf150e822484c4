"""The prosody stage: WORLD analysis → F0, envelope and aperiodicity edits → time warp →
resynthesis (pyworld).

The speaker stays the same person: the spectral envelope keeps its formant structure
(F0 moves without warping formants; only a broadband tilt and gains touch the envelope),
F0 shifts are bounded by the control table, and excursions are scaled around the
sentence's own declination line, not replaced.

Controls arrive per frame (``ControlsAt``: output time → control arrays), so a trajectory
or a change of emotion moves smoothly inside a sentence. Output time depends on the rate
controls, which depend on output time: two fixed-point passes settle it (rates vary slowly).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import numpy as np

FRAME_MS: Final = 5.0  # WORLD frame period (pyworld's default; 5 ms keeps jitter per period)
F0_FLOOR: Final = 55.0  # Hz: below a low male voice
F0_CEIL: Final = 500.0
# Bounds of the modified contour (Hz). Below FLOOR_KNEE the contour bends smoothly towards
# F0_MIN_OUT instead of reaching vocal-fry rates, where pitch trackers (and listeners) lose
# the pitch and a lowered voice turns creaky (project calibration on the 'joe' voice,
# median ~85 Hz).
F0_MIN_OUT: Final = 65.0
FLOOR_KNEE: Final = 78.0
F0_MAX_OUT: Final = 600.0
REF_DBFS: Final = -23.0  # active-speech RMS of neutral speech (EBU R128's -23 as reference)
# Piper's length_scale reached ~60 % of its nominal change here (1.25 → +15 %): WORLD time
# scaling adds rate^-WORLD_RATE_SHARE on top (project calibration, see speech_fidelity).
WORLD_RATE_SHARE: Final = 0.5
FINAL_S: Final = 0.4  # phrase-final contour ramp length
JITTER: Final = 0.025  # F0 perturbation at irregularity 1 (relative)
SHIMMER_DB: Final = 1.5  # amplitude perturbation at irregularity 1
EXCURSION_ST: Final = 10.0  # excursions beyond this are F0-tracker errors, not intonation
TILT_FROM_HZ: Final = 1000.0
PAUSES: Final = frozenset("^$ ,.!?;:-…—()\"'")

ControlsAt = Callable[[np.ndarray], dict[str, np.ndarray]]


@dataclass(frozen=True)
class Shaped:
    """One sentence after the prosody stage."""

    audio: np.ndarray  # float64 at the voice's rate
    boundaries: np.ndarray  # output seconds (from the sentence start) of each alignment edge
    controls: dict[str, float]  # the controls at the sentence start (for metadata)


def active_rms_db(x: np.ndarray, fs: int) -> float:
    """RMS level (dBFS) over the 20 ms blocks within 40 dB of the loudest block."""
    n = max(1, int(0.02 * fs))
    blocks = x[: len(x) // n * n].reshape(-1, n) if len(x) >= n else x.reshape(1, -1)
    power = np.mean(blocks**2, axis=1)
    if not np.any(power > 0):
        return -np.inf
    active = power[power > power.max() * 1e-4]
    return float(10.0 * np.log10(np.mean(active)))


def transform(
    audio: np.ndarray,
    fs: int,
    alignments: list[tuple[str, int]],
    controls_at: ControlsAt,
    start: float,
    rng: np.random.Generator,
) -> Shaped:
    """Apply the prosody controls to one sentence of Piper audio."""
    import pyworld as pw

    x = np.asarray(audio, dtype=np.float64)
    level = active_rms_db(x, fs)
    if not np.isfinite(level):
        raise RuntimeError("the voice produced a silent sentence")
    x *= 10.0 ** ((REF_DBFS - level) / 20.0)
    f0, t = track_f0(x, fs)
    f0 = pw.stonemask(x, f0, t, fs)
    fft = pw.get_cheaptrick_fft_size(fs, F0_FLOOR)
    sp = pw.cheaptrick(x, f0, t, fs, f0_floor=F0_FLOOR, fft_size=fft)
    ap = pw.d4c(x, f0, t, fs, fft_size=fft)
    freqs = np.linspace(0.0, fs / 2.0, sp.shape[1])
    frame_db = 10.0 * np.log10(np.sum(sp, axis=1) + 1e-20)
    pause = _pause_frames(alignments, t, fs, frame_db)

    # Controls at each frame's output time (two passes: rate ⇄ time).
    c = controls_at(np.asarray([start]))
    ctrl = {k: np.full(len(t), v[0]) for k, v in c.items()}
    for _ in range(2):
        stretch = _stretch(ctrl, pause)
        out_pos = np.concatenate([[0.0], np.cumsum(stretch)[:-1]])
        ctrl = controls_at(start + (out_pos + 0.5 * stretch) * FRAME_MS / 1000.0)
    stretch = _stretch(ctrl, pause)

    voiced = f0 > 0
    f0_new = _shape_f0(f0, t, voiced, ctrl, rng)
    sp_new = _shape_envelope(sp, freqs, frame_db, voiced, ctrl, rng)
    ap_new = _shape_aperiodicity(ap, freqs, voiced, ctrl)

    f0_out, sp_out, ap_out, q = _warp(f0_new, sp_new, ap_new, stretch)
    y = pw.synthesize(f0_out, sp_out, ap_out, fs, FRAME_MS)
    if not np.all(np.isfinite(y)):
        raise RuntimeError("WORLD resynthesis produced invalid samples")
    edges = np.concatenate([[0], np.cumsum([n for _, n in alignments])]) / fs
    src_frames = edges * 1000.0 / FRAME_MS
    ends = np.concatenate([q, [q[-1] + stretch[-1]]])
    out_frames = np.interp(src_frames, np.arange(len(ends)), ends)
    boundaries = np.minimum(out_frames * FRAME_MS / 1000.0, len(y) / fs)
    first = {k: float(v[0]) for k, v in ctrl.items()}
    return Shaped(audio=y, boundaries=boundaries, controls=first)


def track_f0(x: np.ndarray, fs: int) -> tuple[np.ndarray, np.ndarray]:
    """F0 on WORLD's frame grid, by Praat's autocorrelation tracker (parselmouth).

    WORLD's own DIO locked onto the second harmonic of the embedded voice in about a third
    of the voiced frames (its resynthesis measured an octave-ish higher than the Piper
    original); Praat's tracker round-trips (same median F0 and voicing after WORLD
    resynthesis), which keeps the speaker's pitch — and so the speaker — intact.
    """
    import parselmouth

    step = FRAME_MS / 1000.0
    t = np.arange(int(len(x) / fs / step) + 1) * step
    pitch = parselmouth.Sound(x, fs).to_pitch_ac(
        time_step=step, pitch_floor=F0_FLOOR, pitch_ceiling=F0_CEIL
    )
    hz, xs = pitch.selected_array["frequency"], pitch.xs()
    if len(xs) == 0:
        return np.zeros_like(t), t
    near = np.clip(np.searchsorted(xs, t), 0, len(xs) - 1)
    left = np.clip(near - 1, 0, len(xs) - 1)
    near = np.where(np.abs(xs[left] - t) < np.abs(xs[near] - t), left, near)
    voiced = hz[near] > 0
    smooth = np.interp(t, xs[hz > 0], hz[hz > 0]) if np.any(hz > 0) else np.zeros_like(t)
    return np.where(voiced, smooth, 0.0), t


def _pause_frames(
    alignments: list[tuple[str, int]], t: np.ndarray, fs: int, frame_db: np.ndarray
) -> np.ndarray:
    """Frames inside a silence marker ('^', '$', word gaps, punctuation) that are quiet."""
    edges = np.cumsum([n for _, n in alignments])
    which = np.minimum(np.searchsorted(edges, t * fs, side="right"), len(alignments) - 1)
    marker = np.asarray([ph in PAUSES for ph, _ in alignments])[which]
    quiet = frame_db < frame_db.max() - 35.0
    return marker & quiet


def _stretch(ctrl: dict[str, np.ndarray], pause: np.ndarray) -> np.ndarray:
    """Output frames per source frame: WORLD's share of the rate, pauses scaled apart."""
    rate = np.clip(ctrl["rate"], 0.1, 10.0)
    stretch = rate ** (-WORLD_RATE_SHARE)
    return np.where(pause, stretch * np.clip(ctrl["pause"], 0.1, 10.0), stretch)


def _shape_f0(
    f0: np.ndarray,
    t: np.ndarray,
    voiced: np.ndarray,
    ctrl: dict[str, np.ndarray],
    rng: np.random.Generator,
) -> np.ndarray:
    jitter = rng.standard_normal(len(f0))  # drawn always, so the stream never shifts
    if np.count_nonzero(voiced) < 2:
        return f0.copy()
    st = np.zeros_like(f0)
    st[voiced] = 12.0 * np.log2(f0[voiced] / 100.0)
    tv, sv = t[voiced], st[voiced]
    if tv[-1] - tv[0] > 0.3:  # declination line: the sentence's own slope
        slope, icept = np.polyfit(tv, sv, 1)
        base = slope * t + icept
    else:
        base = np.full_like(t, float(np.median(sv)))
    excursion = np.clip(st - base, -EXCURSION_ST, EXCURSION_ST)
    last = tv[-1]
    ramp = np.clip((t - (last - FINAL_S)) / FINAL_S, 0.0, 1.0) ** 2
    shaped = base + ctrl["f0_range"] * excursion + ctrl["f0_shift"] + ctrl["final_contour"] * ramp
    hz = 100.0 * 2.0 ** (shaped / 12.0)
    hz *= 1.0 + JITTER * np.clip(ctrl["irregularity"], 0.0, 1.0) * np.clip(jitter, -3.0, 3.0)
    return np.where(voiced, np.clip(soft_floor(hz), F0_MIN_OUT, F0_MAX_OUT), 0.0)


def soft_floor(hz: np.ndarray) -> np.ndarray:
    """Identity above FLOOR_KNEE; below it an exponential approach to F0_MIN_OUT with
    slope 1 at the knee (no corner in the contour)."""
    span = FLOOR_KNEE - F0_MIN_OUT
    return np.where(hz >= FLOOR_KNEE, hz, F0_MIN_OUT + span * np.exp((hz - FLOOR_KNEE) / span))


def _shape_envelope(
    sp: np.ndarray,
    freqs: np.ndarray,
    frame_db: np.ndarray,
    voiced: np.ndarray,
    ctrl: dict[str, np.ndarray],
    rng: np.random.Generator,
) -> np.ndarray:
    shimmer = rng.standard_normal(len(frame_db))
    # Accent strength: deviations of voiced-frame energy around a 300 ms moving level.
    k = np.ones(61)
    weight = np.convolve(voiced.astype(float), k, mode="same")
    level = np.convolve(np.where(voiced, frame_db, 0.0), k, mode="same") / np.maximum(weight, 1)
    deviation = np.where(voiced, np.clip(frame_db - level, -15.0, 15.0), 0.0)
    gain_db = ctrl["energy_db"] + (ctrl["energy_var"] - 1.0) * deviation
    irregular = np.clip(ctrl["irregularity"], 0.0, 1.0)
    gain_db = gain_db + np.where(voiced, SHIMMER_DB * irregular * np.clip(shimmer, -3, 3), 0.0)
    octaves = np.log2(np.maximum(freqs, TILT_FROM_HZ) / TILT_FROM_HZ)
    total_db = gain_db[:, None] + ctrl["tilt_db"][:, None] * octaves[None, :]
    return np.maximum(sp * 10.0 ** (total_db / 10.0), 1e-16)  # sp is a power spectrum


def _shape_aperiodicity(
    ap: np.ndarray, freqs: np.ndarray, voiced: np.ndarray, ctrl: dict[str, np.ndarray]
) -> np.ndarray:
    band = np.clip((freqs - 300.0) / 1700.0, 0.0, 1.0)  # breath noise lives above ~300 Hz
    amount = np.where(voiced, np.clip(ctrl["breathiness"], 0.0, 1.0), 0.0)
    out = ap + amount[:, None] * band[None, :] * (1.0 - ap)
    return np.clip(out, 0.0, 1.0)


def _warp(
    f0: np.ndarray, sp: np.ndarray, ap: np.ndarray, stretch: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Resample the frame sequence so source frame i lasts ``stretch[i]`` output frames.

    Returns the new tracks and ``q``: the output position (in frames) of each source frame.
    """
    q = np.concatenate([[0.0], np.cumsum(stretch)[:-1]])
    n_out = max(2, round(float(q[-1] + stretch[-1])))
    src = np.interp(np.arange(n_out, dtype=float), q, np.arange(len(q), dtype=float))
    i0 = np.floor(src).astype(int)
    i1 = np.minimum(i0 + 1, len(q) - 1)
    w = (src - i0)[:, None]
    sp_out = np.ascontiguousarray(sp[i0] * (1.0 - w) + sp[i1] * w)
    ap_out = np.ascontiguousarray(ap[i0] * (1.0 - w) + ap[i1] * w)
    near = np.where(w[:, 0] < 0.5, i0, i1)
    both = (f0[i0] > 0) & (f0[i1] > 0)
    f0_out = np.where(both, f0[i0] * (1.0 - w[:, 0]) + f0[i1] * w[:, 0], f0[near])
    f0_out = np.where(f0[near] > 0, f0_out, 0.0)
    return np.ascontiguousarray(f0_out), sp_out, ap_out, q
