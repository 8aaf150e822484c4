"""Mouth opening seen by a face-landmark model this project did not write.

MediaPipe Face Mesh (the ``mediapipe`` package's bundled ``face_landmark.tflite``, 468
points; the legacy ``solutions`` API needs ``protobuf<5``) on every decoded frame: the
inner-lip distance (points 13 and 14) over the distance between the outer eye corners
(33 and 263), so head motion and size do not count. Pearson r against the decoded audio's
loudness per frame (the same Stevens loudness as the pixel measure). Frames where no face
is found are left out and counted. Benchmark-only; the product never imports it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.stats import pearsonr

UPPER_INNER, LOWER_INNER, EYE_LEFT, EYE_RIGHT = 13, 14, 33, 263


def available() -> str | None:
    """None when the landmark model runs here, else why not."""
    try:
        import mediapipe as mp

        mp.solutions.face_mesh.FaceMesh(static_image_mode=True).close()
    except Exception as exc:  # not installed, or a protobuf it cannot use
        return f"{type(exc).__name__}: {exc}"
    return None


def openings(frames: Sequence[np.ndarray]) -> np.ndarray:
    """Inner-lip opening / eye-corner distance per RGB frame (NaN: no face found)."""
    import mediapipe as mp

    out = np.full(len(frames), np.nan)
    with mp.solutions.face_mesh.FaceMesh(
        static_image_mode=False, max_num_faces=1, min_detection_confidence=0.3
    ) as mesh:
        for i, frame in enumerate(frames):
            found = mesh.process(np.ascontiguousarray(frame))
            if not found.multi_face_landmarks:
                continue
            pts = found.multi_face_landmarks[0].landmark
            h, w = frame.shape[:2]
            xy = {k: np.array([pts[k].x * w, pts[k].y * h]) for k in (13, 14, 33, 263)}
            eyes = float(np.linalg.norm(xy[EYE_LEFT] - xy[EYE_RIGHT]))
            out[i] = float(np.linalg.norm(xy[UPPER_INNER] - xy[LOWER_INNER])) / max(eyes, 1e-6)
    return out


def mouth_vs_loudness(frames: Sequence[np.ndarray], loud: np.ndarray) -> dict[str, Any]:
    opening = openings(frames)
    seen = np.isfinite(opening)
    r = float(pearsonr(opening[seen], loud[seen])[0]) if seen.sum() > 2 else float("nan")
    return {
        "r": round(r, 3),
        "frames_with_face": int(seen.sum()),
        "frames": len(frames),
        "opening_mean": round(float(np.nanmean(opening)), 4) if seen.any() else None,
    }


def main(argv: list[str] | None = None) -> int:
    """``python benchmarks/talking_head_landmarks.py DIR``: every MP4 that
    ``talking_head_fidelity.py --keep DIR`` left there (run in an environment where
    ``mediapipe`` imports: it needs protobuf<5, which the voice's onnx does not allow in
    the same process). Done when r >= 0.5 for each text clip."""
    import argparse
    import json
    import sys
    from pathlib import Path

    from talking_head_fidelity import decode, frame_rms

    parser = argparse.ArgumentParser()
    parser.add_argument("folder", type=Path)
    args = parser.parse_args(argv)
    why = available()
    if why is not None:
        print(f"the landmark model does not run here: {why}", file=sys.stderr)
        return 2
    results = {}
    for path in sorted(args.folder.glob("*.mp4")):
        frames, samples, rate = decode(path)
        loud = frame_rms(samples, rate, len(frames)) ** 0.6
        results[path.stem] = mouth_vs_loudness(frames, loud)
        print(f"{path.stem:>18}  mouth opening vs loudness r = {results[path.stem]['r']:.3f}")
    text = [v["r"] for k, v in results.items() if not k.endswith("_audio")]
    passed = bool(text) and min(text) >= 0.5
    summary = {"landmark_lip_sync": results, "text_r_min": min(text), "passed_r_ge_0.5": passed}
    print(json.dumps(summary, indent=2))
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
