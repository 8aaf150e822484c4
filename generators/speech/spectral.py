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
    n = int(2 ** np.ceil(np.log2(WINDOW_S * fs)))
    hop = n // OVERLAP
    spec = stft(x, n, hop)
    freqs = np.fft.rfftfreq(n, 1.0 / fs)
    times = np.arange(spec.shape[1]) * hop / fs
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
    y = istft(out, n, hop)
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
    """A centred moving average along frequency (odd ``width``), edges held."""
    half = width // 2
    padded = np.pad(mag, ((half, half), (0, 0)), mode="edge")
    sums = np.cumsum(padded, axis=0)
    sums = np.concatenate([np.zeros((1, mag.shape[1])), sums], axis=0)
    return np.asarray((sums[width:] - sums[:-width]) / width)


# -- the STFT pair, in numpy ---------------------------------------------------------------
# scipy.signal's stft/istft (window "hann", boundary "even", padded, "spectrum" scaling;
# istft with boundary=True) computed the same way here: importing scipy.signal costs about
# 0.5 s of a command's start-up, more than the whole prosody stage on a sentence.


def _hann(n: int) -> np.ndarray:
    """The periodic Hann window (scipy's ``get_window("hann", n)``)."""
    return np.asarray(0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n) / n))


def stft(x: np.ndarray, n: int, hop: int) -> np.ndarray:
    """One-sided spectra of Hann-windowed frames, shape (n // 2 + 1, frames); the signal
    is extended by an even reflection of n // 2 samples at each end, then zero-padded to
    a whole number of hops."""
    half = n // 2
    ext = np.concatenate([x[half:0:-1], x, x[-2 : -half - 2 : -1]])
    extra = (-(len(ext) - n) % hop) % n
    ext = np.concatenate([ext, np.zeros(extra, dtype=ext.dtype)])
    frames = np.lib.stride_tricks.sliding_window_view(ext, n)[::hop]
    win = _hann(n)
    return np.asarray(np.fft.rfft(frames * win, n=n, axis=-1).T / win.sum())


def istft(spec: np.ndarray, n: int, hop: int) -> np.ndarray:
    """The signal back from :func:`stft`'s spectra: windowed overlap-add, normalised by
    the summed squared window, the n // 2 extension at each end removed (``hop`` divides
    ``n``)."""
    win = _hann(n)
    frames = np.fft.irfft(spec.T, n=n, axis=-1) * win.sum() * win
    count, per = frames.shape[0], n // hop
    length = n + hop * (count - 1)
    y, norm = np.zeros(length), np.zeros(length)
    for i in range(min(per, count)):  # frames i, i + per, … abut: add each run at once
        run = frames[i::per]
        start = i * hop
        y[start : start + run.size] += run.reshape(-1)
        norm[start : start + run.size] += np.tile(win**2, len(run))
    y /= np.where(norm > 1e-10, norm, 1.0)
    return y[n // 2 : length - n // 2]
