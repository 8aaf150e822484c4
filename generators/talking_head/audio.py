"""Reading any audio a user brings, and the per-frame signal features lip sync uses."""

from __future__ import annotations

from pathlib import Path
from typing import Final

import numpy as np
from numpy.typing import NDArray

from studio.sdk import InputError, check_regular

MAX_SECONDS: Final = 600.0
MIN_SECONDS: Final = 0.1
# Telephone speech (8 kHz) to studio masters (192 kHz): outside that, lip sync's per-frame
# analysis has too few samples a frame or a file is hostile (a 1 Hz WAV).
MIN_RATE: Final = 8000
MAX_RATE: Final = 192_000
MAX_CHANNELS: Final = 64
AAC_RATES: Final = (
    8000,
    11025,
    12000,
    16000,
    22050,
    24000,
    32000,
    44100,
    48000,
    64000,
    88200,
    96000,
)

Audio = NDArray[np.float32]


def read_audio(path: Path) -> tuple[Audio, int]:
    """Mono float32 samples and the rate; ``InputError`` with one line when unreadable.

    soundfile (libsndfile: WAV, FLAC, OGG, MP3) first, then PyAV's FFmpeg for anything
    else (M4A/AAC, Opus in WebM, ...). Only a regular file is opened, and its duration and
    rate come from the header before any sample is decoded; samples are decoded in blocks
    and mixed to mono on the way, so memory stays at 4 bytes a mono sample however many
    channels the file has.
    """
    import soundfile

    try:
        check_regular(path, "audio")
    except ValueError as exc:
        raise InputError(str(exc)) from None
    try:
        info = soundfile.info(str(path))
    except (soundfile.LibsndfileError, RuntimeError, TypeError, ValueError) as first:
        try:
            samples, rate = _read_with_av(path)
        except InputError:
            raise
        except Exception:
            reason = str(first).splitlines()[0] if str(first) else type(first).__name__
            raise InputError(f"cannot read audio {path}: {reason}") from None
    else:
        rate = int(info.samplerate)
        _check_header(path, rate, info.frames / rate if rate else 0.0, info.channels)
        samples = _read_with_soundfile(path)
    seconds = len(samples) / rate if rate else 0.0
    if not np.all(np.isfinite(samples)):
        raise InputError(f"cannot read audio {path}: it contains non-finite samples")
    if seconds < MIN_SECONDS:
        raise InputError(f"audio {path} is too short ({seconds:.2f} s; at least {MIN_SECONDS} s)")
    if seconds > MAX_SECONDS:
        raise InputError(f"audio {path} is too long ({seconds:.0f} s; at most {MAX_SECONDS:.0f} s)")
    return samples, int(rate)


def _check_header(path: Path, rate: int, seconds: float, channels: int) -> None:
    """Refuse from what the header says, before decoding."""
    if not MIN_RATE <= rate <= MAX_RATE:
        raise InputError(
            f"audio {path} has a sample rate of {rate} Hz; it must be {MIN_RATE}–{MAX_RATE} Hz"
        )
    if not 1 <= channels <= MAX_CHANNELS:
        raise InputError(f"audio {path} has {channels} channels; at most {MAX_CHANNELS}")
    if seconds > MAX_SECONDS:
        raise InputError(f"audio {path} is too long ({seconds:.0f} s; at most {MAX_SECONDS:.0f} s)")


def _read_with_soundfile(path: Path) -> Audio:
    import soundfile

    chunks = []
    with soundfile.SoundFile(str(path)) as f:
        limit = int(MAX_SECONDS * f.samplerate) + 1  # a header may understate the length
        total = 0
        for block in f.blocks(blocksize=1 << 16, dtype="float32", always_2d=True):
            chunks.append(block.mean(axis=1, dtype=np.float32))
            total += len(block)
            if total > limit:
                raise InputError(f"audio {path} is too long (at most {MAX_SECONDS:.0f} s)")
    return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)


def _read_with_av(path: Path) -> tuple[Audio, int]:
    import av

    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        declared = container.duration  # microseconds, from the header, when known
        if declared is not None and declared / 1e6 > MAX_SECONDS + 1:
            raise InputError(
                f"audio {path} is too long ({declared / 1e6:.0f} s; at most {MAX_SECONDS:.0f} s)"
            )
        resampler = av.AudioResampler(format="flt", layout="mono")
        chunks = []
        rate = 0
        total = 0
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                rate = out.sample_rate
                if not MIN_RATE <= rate <= MAX_RATE:
                    _check_header(path, rate, 0.0, 1)
                chunks.append(out.to_ndarray().reshape(-1))
                total += chunks[-1].size
                if total > MAX_SECONDS * rate + rate:  # decoding stops at the cap
                    raise InputError(f"audio {path} is too long (at most {MAX_SECONDS:.0f} s)")
    if not chunks:
        raise ValueError("no audio frames")
    return np.concatenate(chunks).astype(np.float32), rate


def frame_rms_db(samples: Audio, rate: int, fps: int, n_frames: int) -> NDArray[np.float64]:
    """Loudness per video frame: RMS level in dBFS over a window of two frames."""
    hop = rate / fps
    win = int(2 * hop)
    centres = ((np.arange(n_frames) + 0.5) * hop).astype(np.int64)
    padded = np.pad(samples.astype(np.float64), (win, win))
    csum = np.concatenate([[0.0], np.cumsum(padded**2)])
    lo = centres + win - win // 2
    hi = lo + win
    power = (csum[hi] - csum[lo]) / win
    return 10.0 * np.log10(power + 1e-10)


def loudness_envelope(db: NDArray[np.float64], fps: int) -> NDArray[np.float64]:
    """Loudness 0..1 relative to the clip's own speaking level, with attack/release.

    The top (95th percentile) maps to 1 and 32 dB below it to 0, so a quiet recording
    moves the mouth as much as a loud one. Attack ~20 ms, release ~60 ms: the mouth opens
    fast on an onset and closes a little slower (project calibration).
    """
    top = float(np.percentile(db, 95))
    level = np.clip((db - (top - 32.0)) / 32.0, 0.0, 1.0) ** 1.6
    attack = 1.0 - np.exp(-1.0 / (0.02 * fps))
    release = 1.0 - np.exp(-1.0 / (0.06 * fps))
    out = np.empty_like(level)
    prev = 0.0
    for i, x in enumerate(level):  # one pass over frames (not samples): cheap
        prev += (attack if x > prev else release) * (x - prev)
        out[i] = prev
    return out


def spectral_tilt(samples: Audio, rate: int, fps: int, n_frames: int) -> NDArray[np.float64]:
    """Per frame, high-band (2–6 kHz) minus low-band (250–1000 Hz) energy in dB.

    Front vowels and sibilants (spread lips) carry more high-frequency energy than back
    rounded vowels, whose lip rounding lowers the formants (Stevens 1998, Acoustic
    Phonetics): a cheap cue for spread vs. round mouth shapes.
    """
    hop = rate / fps
    n_fft = 1 << int(np.ceil(np.log2(max(64, 2 * hop))))
    starts = ((np.arange(n_frames) + 0.5) * hop - n_fft / 2).astype(np.int64)
    padded = np.pad(samples.astype(np.float64), (n_fft, n_fft))
    freqs = np.fft.rfftfreq(n_fft, 1.0 / rate)
    high_band = (freqs >= 2000) & (freqs < 6000)
    low_band = (freqs >= 250) & (freqs < 1000)
    window = np.hanning(n_fft)
    high = np.empty(n_frames)
    low = np.empty(n_frames)
    for a in range(0, n_frames, 500):  # chunks keep memory flat for long clips
        idx = starts[a : a + 500, None] + n_fft + np.arange(n_fft)[None, :]
        spec = np.abs(np.fft.rfft(padded[np.clip(idx, 0, len(padded) - 1)] * window, axis=1)) ** 2
        high[a : a + 500] = spec[:, high_band].sum(axis=1)
        low[a : a + 500] = spec[:, low_band].sum(axis=1)
    return 10.0 * np.log10((high + 1e-10) / (low + 1e-10))


def for_aac(samples: Audio, rate: int) -> tuple[Audio, int]:
    """Samples at a rate AAC supports (resampled to 48 kHz when not)."""
    if rate in AAC_RATES:
        return samples, rate
    n_out = round(len(samples) * 48000 / rate)
    t_out = np.arange(n_out) * (rate / 48000)
    return np.interp(t_out, np.arange(len(samples)), samples).astype(np.float32), 48000
