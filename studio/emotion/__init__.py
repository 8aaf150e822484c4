"""The conditioning schema: VAD, primaries, blending, names, lexicon, trajectories and
direction vectors. Pure Python + numpy; imports nothing else of the project."""

from studio.emotion.blending import FULL_INTENSITY, check_mixture, mixture_to_vad, vad_to_mixture
from studio.emotion.condition import DEFAULT_INTENSITY, SCHEMA_VERSION, Condition, json_schema
from studio.emotion.directions import DirectionSpace
from studio.emotion.hysteresis import name_with_hysteresis
from studio.emotion.naming import DYADS, dyad, ladder_name, name_state
from studio.emotion.primaries import BY_ID, PRIMARIES, PRIMARY_IDS, Primary, primary
from studio.emotion.trajectory import Keyframe, Trajectory, blend

__all__ = [
    "BY_ID",
    "DEFAULT_INTENSITY",
    "DYADS",
    "FULL_INTENSITY",
    "PRIMARIES",
    "PRIMARY_IDS",
    "SCHEMA_VERSION",
    "Condition",
    "DirectionSpace",
    "Keyframe",
    "Primary",
    "Trajectory",
    "blend",
    "check_mixture",
    "dyad",
    "json_schema",
    "ladder_name",
    "mixture_to_vad",
    "name_state",
    "name_with_hysteresis",
    "primary",
    "vad_to_mixture",
]
