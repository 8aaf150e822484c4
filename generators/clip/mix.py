"""The clip's sound: the voice over a music bed that ducks under it, faded at both ends,
normalised to an integrated loudness target (ITU-R BS.1770-4, via pyloudnorm) under a
true-peak ceiling (BS.1770-4 Annex 2: 4× oversampled peak)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

Audio = NDArray[np.float32]

RATE: Final = 48_000  # the video world's audio rate
HOP_S: Final = 0.01
# Ducking (project calibration within common broadcast-ducker ranges: attack 10–100 ms,
# release 0.25–0.5 s): the duck opens ahead of the voice, holds across gaps between words
# and short phrase breaks, and lets the bed back up only in real pauses (no pumping).
DUCK_LEAD_S: Final = 0.08
ATTACK_S: Final = 0.06
RELEASE_S: Final = 0.35
BRIDGE_S: Final = 0.6  # silences shorter than this are gaps between words, not pauses
# Voice activity: a hop is voiced when its level is within this much of the voice's loud
# end (95th percentile of hop levels), and above an absolute floor.
ACTIVITY_RANGE_DB: Final = 30.0
ACTIVITY_FLOOR_DB: Final = -55.0
# Between phrases the bed sits this far under the voice's loudness (a bed, not a song).
BED_BELOW_LU: Final = 8.0
FADE_IN_S: Final = 0.5
FADE_OUT_S: Final = 1.5
# True-peak target below the requested -1 dBTP ceiling: AAC's own overshoot (typically
# a few tenths of a dB) must not cross the ceiling after encoding.
CEILING_DBTP: Final = -1.0
CODEC_MARGIN_DB: Final = 0.7
OVERSAMPLE: Final = 4  # BS.1770-4 Annex 2: 4× oversampling for 48 kHz input
LOOKAHEAD_S: Final = 0.005
BLOCK: Final = 1 << 18


def mono(x: NDArray[np.floating]) -> Audio:
    a = np.asarray(x, dtype=np.float32)
    return a if a.ndim == 1 else a.mean(axis=1).astype(np.float32)


def resample(x: Audio, rate: int, target: int = RATE) -> Audio:
    """Polyphase resampling (scipy) to ``target``; channels on axis 1."""
    if rate == target:
        return x
    from math import gcd

    from scipy.signal import resample_poly

    g = gcd(rate, target)
    return resample_poly(x, target // g, rate // g, axis=0).astype(np.float32)


def fit(x: Audio, n: int) -> Audio:
    """``x`` cut or padded with silence to ``n`` samples."""
    if len(x) >= n:
        return x[:n]
    pad = [(0, n - len(x))] + [(0, 0)] * (x.ndim - 1)
    return np.pad(x, pad)


def hop_levels(voice: Audio, rate: int) -> NDArray[np.float64]:
    """RMS level of each HOP_S hop, in dBFS."""
    hop = round(HOP_S * rate)
    n = len(voice) // hop
    frames = voice[: n * hop].astype(np.float64).reshape(n, hop)
    return 10.0 * np.log10(np.mean(frames**2, axis=1) + 1e-12)


def activity(voice: Audio, rate: int) -> NDArray[np.bool_]:
    """Per hop: is the voice speaking (short gaps between words bridged)."""
    db = hop_levels(voice, rate)
    if not len(db):
        return np.zeros(0, dtype=bool)
    threshold = max(ACTIVITY_FLOOR_DB, float(np.percentile(db, 95)) - ACTIVITY_RANGE_DB)
    active = db > threshold
    bridge = round(BRIDGE_S / HOP_S)
    idx = np.flatnonzero(active)
    if len(idx) > 1:
        gaps = np.flatnonzero(np.diff(idx) > 1)
        for g in gaps:
            a, b = idx[g], idx[g + 1]
            if b - a <= bridge:
                active[a:b] = True
    return active


def duck_gain(active: NDArray[np.bool_], n: int, rate: int, depth_db: float) -> Audio:
    """Per-sample linear gain of the bed: ``-depth_db`` while the voice speaks, with a
    smooth, early attack and a slower release (one-pole smoothing in dB)."""
    target = np.where(active, -depth_db, 0.0)
    lead = round(DUCK_LEAD_S / HOP_S)
    if lead and len(target):  # the bed is already down when the first word starts
        target = np.minimum(target, np.concatenate([target[lead:], np.zeros(lead)]))
    attack = np.exp(-HOP_S / ATTACK_S)
    release = np.exp(-HOP_S / RELEASE_S)
    smooth = np.empty_like(target)
    level = 0.0
    for i, want in enumerate(target.tolist()):
        k = attack if want < level else release
        level = want + k * (level - want)
        smooth[i] = level
    hop = round(HOP_S * rate)
    t_hops = (np.arange(len(smooth)) + 0.5) * hop
    db = np.interp(np.arange(n), t_hops, smooth) if len(smooth) else np.zeros(n)
    return (10.0 ** (db / 20.0)).astype(np.float32)


def fades(n: int, rate: int) -> Audio:
    """Raised-cosine fade-in and fade-out envelope for the bed."""
    env = np.ones(n, dtype=np.float32)
    for length, ramp_in in ((round(FADE_IN_S * rate), True), (round(FADE_OUT_S * rate), False)):
        length = min(length, n // 2)
        if length <= 0:
            continue
        ramp = (0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, length))).astype(np.float32)
        if ramp_in:
            env[:length] *= ramp
        else:
            env[n - length :] *= ramp[::-1]
    return env


def loudness(x: Audio, rate: int) -> float:
    """Integrated loudness (LUFS, BS.1770-4 gated); -inf for silence or under 0.4 s."""
    import pyloudnorm

    if len(x) < round(0.4 * rate) or not np.any(x):
        return float("-inf")
    return float(pyloudnorm.Meter(rate).integrated_loudness(np.asarray(x, dtype=np.float64)))


def _oversampled_peaks(x: Audio) -> NDArray[np.float32]:
    """Per original sample, the largest |value| among its 4× oversampled neighbours
    (max over channels); computed in overlapping blocks to bound memory."""
    from scipy.signal import resample_poly

    two = x if x.ndim == 2 else x[:, None]
    n = len(two)
    out = np.empty(n, dtype=np.float32)
    pad = 64
    for start in range(0, n, BLOCK):
        lo, hi = max(0, start - pad), min(n, start + BLOCK + pad)
        up = resample_poly(two[lo:hi], OVERSAMPLE, 1, axis=0)
        peaks = np.abs(up).max(axis=1).reshape(-1, OVERSAMPLE).max(axis=1)
        out[start : min(n, start + BLOCK)] = peaks[start - lo : start - lo + min(BLOCK, n - start)]
    return out


def true_peak(x: Audio) -> float:
    """True peak in dBTP (4× oversampled)."""
    if not len(x):
        return float("-inf")
    peak = float(_oversampled_peaks(x).max())
    return 20.0 * np.log10(peak) if peak > 0 else float("-inf")


def limit(x: Audio, rate: int, ceiling_db: float) -> Audio:
    """Look-ahead peak limiter on the true peak: the gain needed at each sample, spread
    over LOOKAHEAD_S by a minimum filter and a moving average (so it is reached before
    the peak and moves smoothly)."""
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    ceiling = 10.0 ** (ceiling_db / 20.0)
    peaks = _oversampled_peaks(x)
    need = np.minimum(1.0, ceiling / np.maximum(peaks, 1e-9)).astype(np.float32)
    if float(need.min()) >= 1.0:
        return x
    width = max(3, round(LOOKAHEAD_S * rate))
    gain = minimum_filter1d(need, size=2 * width + 1, mode="nearest")
    gain = uniform_filter1d(gain, size=width, mode="nearest")
    return (x * (gain[:, None] if x.ndim == 2 else gain)).astype(np.float32)


@dataclass(frozen=True)
class Mix:
    audio: Audio  # (n, 2) float32 at RATE
    voice: Audio  # the voice as it sits in the mix (mono)
    bed: Audio  # the bed as it sits in the mix, ducked and faded ((n, 2); empty without)
    active: NDArray[np.bool_]
    loudness_lufs: float
    true_peak_dbtp: float
    gain_db: float


def master(voice: Audio, bed: Audio | None, target_lufs: float, duck_db: float) -> Mix:
    """Voice (mono, RATE) over the bed ((n, 2), RATE, same length), ducked, faded,
    normalised to ``target_lufs`` and limited under the true-peak ceiling."""
    n = len(voice)
    active = activity(voice, RATE)
    stereo_voice = np.repeat(voice[:, None], 2, axis=1)
    if bed is not None and len(bed):
        bed = fit(bed, n)
        voice_lufs = loudness(voice, RATE)
        bed_lufs = loudness(bed, RATE)
        if np.isfinite(voice_lufs) and np.isfinite(bed_lufs):
            bed = bed * np.float32(10.0 ** ((voice_lufs - BED_BELOW_LU - bed_lufs) / 20.0))
        bed = (bed * (duck_gain(active, n, RATE, duck_db) * fades(n, RATE))[:, None]).astype(
            np.float32
        )
        mixed = stereo_voice + bed
    else:
        bed = np.zeros((0, 2), dtype=np.float32)
        mixed = stereo_voice
    ceiling = CEILING_DBTP - CODEC_MARGIN_DB
    total_gain = 0.0
    out = mixed
    for _ in range(3):  # normalise, limit, and correct what the limiter took away
        level = loudness(out, RATE)
        if not np.isfinite(level):
            break
        step = target_lufs - level
        if abs(step) < 0.05:
            break
        total_gain += step
        out = limit((mixed * np.float32(10.0 ** (total_gain / 20.0))), RATE, ceiling)
    out = limit(out, RATE, ceiling)
    scale = np.float32(10.0 ** (total_gain / 20.0))
    return Mix(
        audio=out.astype(np.float32),
        voice=(voice * scale).astype(np.float32),
        bed=(bed * scale).astype(np.float32),
        active=active,
        loudness_lufs=loudness(out, RATE),
        true_peak_dbtp=true_peak(out),
        gain_db=total_gain,
    )


def bed_levels(bed: Audio, active: NDArray[np.bool_]) -> float:
    """How far the bed sits lower while the voice speaks than between phrases (dB, mean
    power per hop; the fades at the ends left out)."""
    if not len(bed) or not len(active):
        return float("nan")
    db = hop_levels(mono(bed), RATE)
    k = min(len(db), len(active))
    db, on = db[:k], active[:k]
    edge_in, edge_out = round(FADE_IN_S / HOP_S), round(FADE_OUT_S / HOP_S)
    keep = np.zeros(k, dtype=bool)
    keep[edge_in : max(edge_in, k - edge_out)] = True
    # Leave out the duck's own transitions: only hops well inside a speaking or a quiet run.
    settle = round(RELEASE_S * 2 / HOP_S)
    change = np.flatnonzero(np.diff(on.astype(np.int8)) != 0)
    for c in change:
        keep[max(0, c - settle) : c + settle] = False
    speaking, quiet = db[keep & on], db[keep & ~on]
    if not len(speaking) or not len(quiet):
        return float("nan")
    power = lambda x: 10.0 * np.log10(np.mean(10.0 ** (x / 10.0)))  # noqa: E731
    return float(power(quiet) - power(speaking))
