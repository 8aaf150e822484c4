"""Trajectories: validation, interpolation, sampling, JSON round trip."""

from __future__ import annotations

import pytest

from studio.emotion import Condition, Keyframe, Trajectory, blend

JOY = Condition.from_mixture({"joy": 1.0}, 0.8)
SAD = Condition.from_mixture({"sadness": 1.0}, 0.6)


def test_needs_keyframes_with_increasing_times() -> None:
    with pytest.raises(ValueError, match="at least one keyframe"):
        Trajectory(())
    with pytest.raises(ValueError, match=r"keyframes\[1\].time must be greater"):
        Trajectory.of([(1.0, JOY), (1.0, SAD)])
    with pytest.raises(ValueError, match=r"keyframes\[0\].time must be >= 0"):
        Trajectory.of([(-1.0, JOY)])
    with pytest.raises(ValueError, match="finite"):
        Trajectory((Keyframe(10**400, JOY),))
    with pytest.raises(ValueError, match="finite"):
        Trajectory((Keyframe(float("nan"), JOY),))
    with pytest.raises(ValueError, match="interpolation"):
        Trajectory.of([(0.0, JOY)], "cubic")  # type: ignore[arg-type]


def test_linear_interpolation_midpoint() -> None:
    arc = Trajectory.of([(0.0, JOY), (10.0, SAD)], "linear")
    mid = arc.at(5.0)
    assert mid.vad == pytest.approx(
        tuple((a + b) / 2 for a, b in zip(JOY.vad, SAD.vad, strict=True))
    )
    assert mid.intensity == pytest.approx(0.7)
    assert dict(mid.mixture) == pytest.approx({"joy": 0.5, "sadness": 0.5})
    assert mid.name == "joy–sadness conflict"


def test_smooth_interpolation_eases_and_hits_keyframes() -> None:
    arc = Trajectory.of([(0.0, JOY), (10.0, SAD)], "smooth")
    linear = Trajectory.of([(0.0, JOY), (10.0, SAD)], "linear")
    assert arc.at(0.0) == JOY and arc.at(10.0) == SAD
    assert arc.at(5.0).vad == pytest.approx(linear.at(5.0).vad)  # symmetric at the middle
    # eased: closer to the start than linear at t = 1
    assert abs(arc.at(1.0).valence - JOY.valence) < abs(linear.at(1.0).valence - JOY.valence)
    values = [c.valence for c in arc.sample([i * 0.5 for i in range(21)])]
    assert values == sorted(values, reverse=True)  # monotone, no overshoot


def test_holds_before_and_after() -> None:
    arc = Trajectory.of([(2.0, JOY), (4.0, SAD)])
    assert arc.at(0.0) == JOY and arc.at(99.0) == SAD
    with pytest.raises(ValueError, match="t must be a number"):
        arc.at(float("nan"))


def test_neutral_to_joy_keeps_joy_and_grows() -> None:
    arc = Trajectory.of([(0.0, Condition.neutral()), (1.0, JOY)], "linear")
    quarter = arc.at(0.25)
    assert dict(quarter.mixture) == {"joy": 1.0}
    assert quarter.intensity == pytest.approx(0.2)
    assert blend(JOY, SAD, 0.0) is JOY and blend(JOY, SAD, 1.0) is SAD


def test_json_round_trip_and_errors() -> None:
    arc = Trajectory.of([(0.0, JOY), (3.5, Condition.from_vad(0.1, -0.5, 0.2)), (8.0, SAD)])
    assert Trajectory.from_json(arc.to_json()) == arc
    with pytest.raises(ValueError, match=r"keyframes\[0\].condition: valence"):
        Trajectory.from_dict(
            {
                "keyframes": [
                    {"time": 0, "condition": {"vad": {"valence": 3, "arousal": 0, "dominance": 0}}}
                ]
            }
        )
    with pytest.raises(ValueError, match="keyframes must be a list"):
        Trajectory.from_dict({"keyframes": "soon"})
