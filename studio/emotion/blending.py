"""Mixture + intensity ⇄ VAD, in both directions.

Forward (documented in DESIGN §2)::

    vad = clip(intensity · Σᵢ wᵢ · pᵢ, -1, 1)        pᵢ = VAD prototype of primary i

Inverse, by soft assignment to naming regions. Each primary owns a region of directions
around its prototype: a von Mises–Fisher ("Gaussian on the sphere") likelihood with its own
concentration κᵢ (the ``spread`` column of ``assets/emotion/primaries.csv``)::

    ℓᵢ(v) = κᵢ / (1 − e^(−2κᵢ)) · exp(κᵢ · (cos∠(Wv, Wpᵢ) − 1)),   W = diag(1, 1, ½)

(the vMF density on the sphere up to a common factor: a narrow region is denser at its
centre, so a mild primary such as anticipation keeps its own point next to broad joy).
A region reaches from neutral to its full-intensity prototype: a point that projects
beyond it (``t = v·p̂ / |p|`` past 1, in the weighted space) loses
``REACH_PENALTY · (t − 1)²`` of log-likelihood, so the strong, excited–pleasant corner is
joy at full intensity, not a mild emotion (anticipation) pushed past its own scale.

Directions are compared with dominance at half weight: the pad is the valence–arousal
plane (Russell 1980; the Affect Grid), dominance is the least reliable of the three norms
(Warriner et al. 2013 report its lowest split-half reliability) and the artist mostly
leaves it at 0. Per-primary spreads let broad categories (joy spans "happy" to "excited",
7.8°–48.6° on Russell's circumplex) keep their whole region while narrow ones (surprise,
trust) do not swallow their neighbours; the rationale for each value is in SOURCES.md.

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

from studio.emotion.primaries import PRIMARIES, PRIMARY_IDS, Primary
from studio.emotion.quoting import quote

VADTuple = tuple[float, float, float]

DOMINANCE_WEIGHT: Final = 0.5
REACH_PENALTY: Final = 4.0
MIN_WEIGHT: Final = 0.02
SUM_TOLERANCE: Final = 1e-6

_PROTOS: Final = tuple((p.id, p.vad, p.norm) for p in PRIMARIES)


def _region(p: Primary) -> tuple[str, float, float, VADTuple, float]:
    """(id, κ, log vMF normaliser, unit direction and length of the weighted prototype)."""
    x, y, z = p.vad[0], p.vad[1], p.vad[2] * DOMINANCE_WEIGHT
    length = math.sqrt(x * x + y * y + z * z)
    log_norm = math.log(p.spread / -math.expm1(-2.0 * p.spread))
    return (p.id, p.spread, log_norm, (x / length, y / length, z / length), length)


_REGIONS: Final = tuple(_region(p) for p in PRIMARIES)
_IDS: Final = frozenset(PRIMARY_IDS)


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
        raise ValueError(f"mixture must map emotion ids to weights, got {quote(weights)}")
    out: dict[str, float] = {}
    for key, raw in weights.items():
        if key not in _IDS:
            raise ValueError(
                f"mixture: unknown emotion id {quote(key)}; "
                f"expected one of {', '.join(PRIMARY_IDS)}"
            )
        w = _finite_or_none(raw)
        if w is None:
            raise ValueError(f"mixture.{key} must be a finite number, got {quote(raw)}")
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
    wz = z * DOMINANCE_WEIGHT
    r = math.sqrt(x * x + y * y + wz * wz)
    if r < 1e-9:
        return {}, 0.0
    scores = []
    for pid, kappa, log_norm, q, length in _REGIONS:
        along = x * q[0] + y * q[1] + wz * q[2]  # the point's reach along the prototype
        overshoot = max(0.0, along / length - 1.0)
        score = log_norm + kappa * (along / r - 1.0) - REACH_PENALTY * overshoot * overshoot
        scores.append((pid, score))
    best = max(s for _, s in scores)
    # Shift by the best score before exp so the largest likelihood is exactly 1.
    likes = [(pid, math.exp(s - best)) for pid, s in scores]
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
