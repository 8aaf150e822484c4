"""Measurements the prosody stage and the features share: speech level and F0 tracking."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import numpy as np

FRAME_MS: Final = 5.0  # F0 tracking step
F0_FLOOR: Final = 55.0  # Hz: below a low male voice
F0_CEIL: Final = 500.0

# Output time (s) -> prosody control arrays (one value per time), for a condition, a tagged
# part or a trajectory.
ControlsAt = Callable[[np.ndarray], dict[str, np.ndarray]]


def block_power(x: np.ndarray, fs: int) -> np.ndarray:
    """Mean power of each 20 ms block (a shorter signal is one block)."""
    n = max(1, int(0.02 * fs))
    blocks = x[: len(x) // n * n].reshape(-1, n) if len(x) >= n else x.reshape(1, -1)
    return np.mean(np.asarray(blocks, dtype=np.float64) ** 2, axis=1)


def active_rms_db(x: np.ndarray, fs: int) -> float:
    """RMS level (dBFS) over the 20 ms blocks within 40 dB of the loudest block."""
    return active_level_db(block_power(x, fs))


def active_level_db(power: np.ndarray) -> float:
    """The active level of ``block_power`` values: blocks within 40 dB of the loudest."""
    if not np.any(power > 0):
        return -np.inf
    active = power[power > power.max() * 1e-4]
    return float(10.0 * np.log10(np.mean(active)))


def track_f0(x: np.ndarray, fs: int) -> tuple[np.ndarray, np.ndarray]:
    """F0 (Hz, 0 when unvoiced) every ``FRAME_MS`` by Praat's autocorrelation tracker.

    Praat's tracker follows the embedded voice without the octave jumps WORLD's DIO made on
    it (DIO locked onto the second harmonic in about a third of the voiced frames)."""
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
