"""The panel's request shaping, without widgets: the plugin's roles decide which field an
arc, a live draft and a preview touch."""

from __future__ import annotations

from typing import Annotated

from studio.emotion import Condition, Keyframe, Trajectory
from studio.plugins import Params
from studio.plugins.roles import Role
from studio.ui.requests import shaped_params


class Clip(Params):
    seconds: Annotated[float, Role.ARC_LENGTH] = 10.0
    frame: Annotated[str, Role.FRAME_SIZE] = "1280x720"
    side: int = 512  # no role: never shrunk
    quick: Annotated[bool, Role.DRAFT] = False


def test_roles_not_names_decide_what_changes() -> None:
    arc = Trajectory([Keyframe(0.0, Condition.neutral()), Keyframe(12.5, Condition.neutral())])
    shaped = shaped_params(Clip, {"side": 900}, {"frame": "1280x720"}, arc=arc, draft=True)
    assert shaped == {"side": 900, "seconds": 12.5, "frame": "256x144"}
    assert shaped_params(Clip, {}, {}, preview=True) == {"quick": True}
    assert shaped_params(Clip, {"frame": "200x100"}, {}, draft=True) == {"frame": "200x100"}
