"""Mixture + intensity ⇄ VAD, in both directions.

Forward (documented in DESIGN §2)::

    vad = clip(intensity · Σᵢ wᵢ · pᵢ, -1, 1)        pᵢ = VAD prototype of primary i

Inverse, by soft assignment. A VAD point ``v`` with radius ``r = |v|`` and direction
``v̂ = v / r`` gets, for each primary, the Gaussian likelihood of its direction around the
prototype's direction ``p̂ᵢ`` on the unit sphere (isotropic, variance ``σ² = 1/KAPPA``)::

    ℓᵢ = exp(-|v̂ - p̂ᵢ|² / 2σ²) = exp(KAPPA · (cos∠(v, pᵢ) - 1))

Weights are the normalised likelihoods with those under ``MIN_WEIGHT`` dropped (so a pad
point reads as "mostly joy, some trust", not as eight slivers). Intensity is the radius
measured along the blended prototype ``μ = Σ wᵢ pᵢ``: ``intensity = clip(v·μ / μ·μ, 0, 1)``,
which is exactly the value the forward formula needs to land on ``v``'s projection onto
``μ``. Both directions are pure functions; a round trip lands near where it started (the
property tests bound the distance).

Pure Python on 8 prototypes is faster than numpy here (the pad calls this while dragging).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Final

from studio.emotion.primaries import PRIMARIES, PRIMARY_IDS

KAPPA: Final = 40.0
MIN_WEIGHT: Final = 0.02
SUM_TOLERANCE: Final = 1e-6

_PROTOS: Final = tuple((p.id, p.vad, p.norm) for p in PRIMARIES)
_IDS: Final = frozenset(PRIMARY_IDS)

VADTuple = tuple[float, float, float]


def _clip(x: float) -> float:
    return -1.0 if x < -1.0 else 1.0 if x > 1.0 else x


def check_unit(name: str, value: float, lo: float = -1.0, hi: float = 1.0) -> float:
    """``value`` as a float if it is finite and in ``[lo, hi]``; ``ValueError`` naming it."""
    try:
        if isinstance(value, bool | str):
            raise TypeError
        x = float(value)
    except OverflowError:  # a 400-digit integer from JSON
        raise ValueError(f"{name} must be in [{lo:g}, {hi:g}], got a number too large") from None
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not (lo <= x <= hi):  # also rejects NaN, which fails every comparison
        raise ValueError(f"{name} must be in [{lo:g}, {hi:g}], got {value!r}")
    return x


def check_mixture(weights: Mapping[str, float], *, normalise: bool = False) -> dict[str, float]:
    """Validate a mixture: known ids, finite non-negative weights summing to 1 (or empty).

    With ``normalise=True`` (user input such as ``--emotion joy:3,trust:1``) the weights
    are divided by their sum instead of being required to sum to 1; an all-zero mixture is
    still an error because it names no emotion. Zero weights are dropped.
    """
    if not isinstance(weights, Mapping):
        raise ValueError(f"mixture must map emotion ids to weights, got {weights!r}")
    out: dict[str, float] = {}
    for key, raw in weights.items():
        if key not in _IDS:
            raise ValueError(
                f"mixture: unknown emotion id {key!r}; expected one of {', '.join(PRIMARY_IDS)}"
            )
        w = _finite_or_none(raw)
        if w is None:
            raise ValueError(f"mixture.{key} must be a finite number, got {raw!r}")
        if w < 0:
            raise ValueError(f"mixture.{key} must be non-negative, got {raw!r}")
        if w > 0:
            out[key] = w
    total = sum(out.values())
    if not out:
        if normalise and weights:
            raise ValueError("mixture: weights are all zero")
        return {}
    if normalise:
        return {k: w / total for k, w in out.items()}
    if abs(total - 1.0) > SUM_TOLERANCE:
        raise ValueError(f"mixture weights must sum to 1, got {total:.6g}")
    return out


def _finite_or_none(raw: object) -> float | None:
    """``raw`` as a finite float if it is a real number (numpy scalars too), else ``None``."""
    if isinstance(raw, bool) or not isinstance(raw, numbers.Real):
        return None
    try:
        value = float(raw)
    except OverflowError:
        return None
    return value if math.isfinite(value) else None


def mixture_to_vad(mixture: Mapping[str, float], intensity: float) -> VADTuple:
    """``clip(intensity · Σ wᵢ pᵢ)`` for an already validated mixture."""
    v = a = d = 0.0
    for pid, proto, _ in _PROTOS:
        w = mixture.get(pid, 0.0)
        if w:
            v += w * proto[0]
            a += w * proto[1]
            d += w * proto[2]
    # Rounded to 1e-9 so stored JSON reads cleanly (0.5208, not 0.5207999999999999).
    return (
        round(_clip(intensity * v), 9),
        round(_clip(intensity * a), 9),
        round(_clip(intensity * d), 9),
    )


def vad_to_mixture(vad: VADTuple) -> tuple[dict[str, float], float]:
    """Soft-assign a VAD point to the primaries: ``(mixture, intensity)``."""
    x, y, z = vad
    r = math.sqrt(x * x + y * y + z * z)
    if r < 1e-9:
        return {}, 0.0
    cosines = [(pid, (x * p[0] + y * p[1] + z * p[2]) / (r * n)) for pid, p, n in _PROTOS]
    best = max(c for _, c in cosines)
    # Shift by the best cosine before exp so the largest likelihood is exactly 1.
    likes = [(pid, math.exp(KAPPA * (c - best))) for pid, c in cosines]
    total = sum(like for _, like in likes)
    kept = [(pid, like / total) for pid, like in likes if like / total >= MIN_WEIGHT]
    kept_total = sum(w for _, w in kept)
    mixture = {pid: w / kept_total for pid, w in kept}
    mu = [0.0, 0.0, 0.0]
    for pid, p, _ in _PROTOS:
        w = mixture.get(pid)
        if w:
            mu[0] += w * p[0]
            mu[1] += w * p[1]
            mu[2] += w * p[2]
    mu_sq = mu[0] ** 2 + mu[1] ** 2 + mu[2] ** 2
    proj = (x * mu[0] + y * mu[1] + z * mu[2]) / mu_sq if mu_sq > 1e-12 else 0.0
    return mixture, round(min(1.0, max(0.0, proj)), 9)
