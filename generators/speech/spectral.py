"""Loudness, accent strength, spectral tilt, breathiness and shimmer as smooth STFT gains.

All edits are gains on Piper's own short-time spectrum (Hann window, 75 % overlap, exact
overlap-add), varying slowly across frames and frequencies, so the phase and the fine
structure of the voice stay its own:

- ``energy_db``: level relative to the neutral speech level;
- ``energy_var``: frame-energy deviations around a 300 ms moving level, scaled (accents
  stronger or flatter);
- ``tilt_db``: dB per octave above 1 kHz (vocal effort / tension);
- ``breathiness``: part of the voiced energy above ~1.5 kHz replaced by noise with the same
  smoothed spectral envelope (aspiration), random phase from the seeded generator;
- ``irregularity``: shimmer, a random frame gain of up to ``SHIMMER_DB``.
"""

from __future__ import annotations

from typing import Final

import numpy as np

from generators.speech.analysis import ControlsAt

WINDOW_S: Final = 0.023  # ~512 samples at 22.05 kHz
OVERLAP: Final = 4
TILT_FROM_HZ: Final = 1000.0
BREATH_FROM_HZ: Final = 1500.0
BREATH_FULL_HZ: Final = 4000.0
SHIMMER_DB: Final = 1.0
ACCENT_S: Final = 0.3
ACCENT_SMOOTH_S: Final = 0.08
MAX_ACCENT_DB: Final = 8.0


def shape(
    x: np.ndarray, fs: int, controls_at: ControlsAt, start: float, rng: np.random.Generator
) -> np.ndarray:
    """``x`` with the gains of the controls applied (same length)."""
    from scipy.signal import istft, stft

    n = int(2 ** np.ceil(np.log2(WINDOW_S * fs)))
    hop = n // OVERLAP
    freqs, times, spec = stft(x, fs, window="hann", nperseg=n, noverlap=n - hop, boundary="even")
    ctrl = controls_at(start + times)
    power = np.sum(np.abs(spec) ** 2, axis=0)
    frame_db = 10.0 * np.log10(power + 1e-20)
    active = frame_db > frame_db.max() - 35.0
    width = max(3, round(ACCENT_S * fs / hop))
    kernel = np.ones(width)
    weight = np.convolve(active.astype(float), kernel, mode="same")
    level = np.convolve(np.where(active, frame_db, 0.0), kernel, mode="same") / np.maximum(
        weight, 1
    )
    deviation = np.where(active, np.clip(frame_db - level, -15.0, 15.0), 0.0)
    accent = np.clip((ctrl["energy_var"] - 1.0) * deviation, -MAX_ACCENT_DB, MAX_ACCENT_DB)
    shimmer = SHIMMER_DB * np.clip(ctrl["irregularity"], 0.0, 1.0) * rng.standard_normal(len(times))
    # Accents move at syllable rate: gains smoothed over ACCENT_SMOOTH_S, shimmer over 3
    # frames (faster gain changes were heard as pumping and cost 0.2 DNSMOS).
    smooth = max(3, round(ACCENT_SMOOTH_S * fs / hop) | 1)
    gain_db = (
        ctrl["energy_db"] + _smooth(accent, smooth) + _smooth(np.where(active, shimmer, 0.0), 3)
    )
    octaves = np.log2(np.maximum(freqs, TILT_FROM_HZ) / TILT_FROM_HZ)
    total_db = gain_db[None, :] + octaves[:, None] * ctrl["tilt_db"][None, :]
    out = spec * 10.0 ** (total_db / 20.0)

    breath = np.clip(ctrl["breathiness"], 0.0, 1.0) * active
    if np.any(breath > 0):
        band = np.clip((freqs - BREATH_FROM_HZ) / (BREATH_FULL_HZ - BREATH_FROM_HZ), 0.0, 1.0)
        share = band[:, None] * breath[None, :]  # share of the energy that becomes noise
        envelope = _smooth_freq(np.abs(out), 9)
        phase = np.exp(2j * np.pi * rng.random(out.shape))
        out = out * np.sqrt(1.0 - share) + envelope * np.sqrt(share) * phase
    _t, y = istft(out, fs, window="hann", nperseg=n, noverlap=n - hop, boundary=True)
    result = np.zeros_like(x)
    m = min(len(x), len(y))
    result[:m] = y[:m]
    return result


def _smooth(values: np.ndarray, width: int) -> np.ndarray:
    if len(values) < width:
        return values
    padded = np.pad(values, width // 2, mode="edge")
    return np.convolve(padded, np.ones(width) / width, mode="valid")


def _smooth_freq(mag: np.ndarray, width: int) -> np.ndarray:
    from scipy.ndimage import uniform_filter1d

    return np.asarray(uniform_filter1d(mag, width, axis=0, mode="nearest"))
