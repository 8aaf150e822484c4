"""Mixture + intensity ⇄ VAD, in both directions.

Forward (documented in DESIGN §2)::

    vad = clip(intensity · Σᵢ wᵢ · Pᵢ, -1, 1)        Pᵢ = full-intensity point of primary i

``Pᵢ`` is the primary's rated prototype ``pᵢ`` (``assets/emotion/primaries.csv``) moved out
along its own direction to unit radius in the weighted space below: intensity is distance
from neutral, so every primary reaches full intensity at the rim of the circumplex (Russell
1980 places the affect words on a circle around neutral) and a point halfway out is at about
half intensity. The rated prototypes themselves lie at radius 0.44 (anticipation, whose
adjectives are mild) to 0.96 (joy); taking them as full intensity made anticipation read
"vigilance" halfway out on the pad.

Inverse, by soft assignment to naming regions. Each primary owns a region of directions
around its prototype: a von Mises–Fisher ("Gaussian on the sphere") likelihood with its own
concentration κᵢ (the ``spread`` column of ``assets/emotion/primaries.csv``)::

    ℓᵢ(v) = κᵢ / (1 − e^(−2κᵢ)) · exp(κᵢ · (cos∠(Wv, Wpᵢ) − 1)),   W = diag(1, 1, ½)

(the vMF density on the sphere up to a common factor: a narrow region is denser at its
centre, so a mild primary such as anticipation keeps its own point next to broad joy).
A region reaches from neutral to its rated prototype, and at least ``MIN_REACH``: a point
that projects beyond that reach ``L`` (``t = v·p̂ / L`` past 1, in the weighted space) loses
``REACH_PENALTY · (t − 1)²`` of log-likelihood, so the strong, excited–pleasant corner is
joy at full intensity, not a mild emotion (anticipation, rated at radius 0.44) pushed past
its own scale. The floor keeps each primary's own full-intensity point inside its region
(the round trip below), which a reach of 0.44 would not; 0.6 and the penalty 6 are the
values that keep both that and every row of the emotion-space table.

Directions are compared with dominance at half weight: the pad is the valence–arousal
plane (Russell 1980; the Affect Grid), dominance is the least reliable of the three norms
(Warriner et al. 2013 report its lowest split-half reliability) and the artist mostly
leaves it at 0. Per-primary spreads let broad categories (joy spans "happy" to "excited",
7.8°–48.6° on Russell's circumplex) keep their whole region while narrow ones (surprise,
trust) do not swallow their neighbours; the rationale for each value is in SOURCES.md.

Weights are the normalised likelihoods with those under ``MIN_WEIGHT`` dropped (so a pad
point reads as "mostly joy, some trust", not as eight slivers). Intensity is the point's
distance from neutral in the weighted space, discounted by the angle θ to the nearest
primary's direction::

    intensity = min(1, |Wv| · (1 − OFF_AXIS · (1 − max(0, cos θ))))

so halfway out is about half and the rim of the circumplex is full in a primary's direction
(0.7 at the least, between trust and sadness, where no primary lies), and a point off to the
side of every emotion (the calm–pleasant rim, 40° from trust's dominant direction) is felt
less strongly. It is computed from the eight fixed directions, not from the mixture, so it
has no step where a sliver of weight appears or drops out, and the ladder rings on the pad
are whole. On a primary's own ray it is exactly the intensity the forward formula used; a
blend, whose full-intensity point lies inside the rim and off every primary's axis, reads a
little lower (neighbours 40° apart, half and half: 8 %). Both directions are pure
functions; a round trip lands near where it started (the property tests bound the distance).

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
REACH_PENALTY: Final = 6.0
MIN_REACH: Final = 0.6
MIN_WEIGHT: Final = 0.02
OFF_AXIS: Final = 0.4
SUM_TOLERANCE: Final = 1e-6


def _full(p: Primary) -> VADTuple:
    """The primary's full-intensity point: its prototype scaled to unit weighted radius."""
    x, y, z = p.vad
    length = math.sqrt(x * x + y * y + (z * DOMINANCE_WEIGHT) ** 2)
    return (x / length, y / length, z / length)


_PROTOS: Final = tuple((p.id, _full(p)) for p in PRIMARIES)
FULL_INTENSITY: Final[dict[str, VADTuple]] = {pid: full for pid, full in _PROTOS}


def _region(p: Primary) -> tuple[str, float, float, VADTuple, float]:
    """(id, κ, log vMF normaliser, unit direction of the weighted prototype, its reach)."""
    x, y, z = p.vad[0], p.vad[1], p.vad[2] * DOMINANCE_WEIGHT
    length = math.sqrt(x * x + y * y + z * z)
    log_norm = math.log(p.spread / -math.expm1(-2.0 * p.spread))
    reach = max(length, MIN_REACH)
    return (p.id, p.spread, log_norm, (x / length, y / length, z / length), reach)


_REGIONS: Final = tuple(_region(p) for p in PRIMARIES)
# The full-intensity points in the weighted space: unit vectors, one per primary.
_FULL_DIRECTIONS: Final = tuple((f[0], f[1], f[2] * DOMINANCE_WEIGHT) for _, f in _PROTOS)
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
    """``clip(intensity · Σ wᵢ Pᵢ)`` for an already validated mixture."""
    v = a = d = 0.0
    for pid, proto in _PROTOS:
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
    for pid, kappa, log_norm, q, reach in _REGIONS:
        along = x * q[0] + y * q[1] + wz * q[2]  # the point's reach along the prototype
        overshoot = max(0.0, along / reach - 1.0)
        score = log_norm + kappa * (along / r - 1.0) - REACH_PENALTY * overshoot * overshoot
        scores.append((pid, score))
    best = max(s for _, s in scores)
    # Shift by the best score before exp so the largest likelihood is exactly 1.
    likes = [(pid, math.exp(s - best)) for pid, s in scores]
    total = sum(like for _, like in likes)
    kept = [(pid, like / total) for pid, like in likes if like / total >= MIN_WEIGHT]
    kept_total = sum(w for _, w in kept)
    mixture = {pid: w / kept_total for pid, w in kept}
    # Intensity (module docstring): the radius, discounted by the angle to the nearest
    # primary. Computed from fixed directions, not from the mixture, so it has no step
    # where a sliver of weight appears or drops out.
    nearest = max(x * u[0] + y * u[1] + wz * u[2] for u in _FULL_DIRECTIONS) / r
    intensity = r * (1.0 - OFF_AXIS * (1.0 - max(0.0, nearest)))
    return mixture, round(min(1.0, intensity), 9)
