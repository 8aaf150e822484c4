"""Speed of the coqui backend beside Piper's, on 2 CPU cores.

A full-size VITS (Coqui's default ``VitsArgs``: 192 hidden channels, a 512-channel HiFi-GAN
decoder, as in Coqui's LJSpeech VITS) is built with random weights (timing does not depend
on the weights) and saved in Coqui's folder format. Random durations would make the audio
far too short, so ``length_scale`` is set to give about 13 symbols a second (read speech).
Printed (JSON): the real-time factor (compute time / audio time) of

* ``coqui_synthesis``: Coqui's own neutral take (``Vits.synthesize``), model loaded;
* ``emotion_chain``: the prosody stage (PSOLA, spectral gains, pauses) on that take, anger 0.9;
* ``coqui_generate`` and ``piper_generate``: the whole generator run (breath groups, chain,
  writing the file), anger 0.9, best of three.

Run: nice python benchmarks/speech_coqui.py
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

THREADS = 2
TEXT = (
    "The meeting has been moved to Thursday afternoon. "
    "I found the letter on the kitchen table this morning. "
    "We are going to drive to the coast next weekend."
)
RUNS = 3
SYMBOLS_PER_S = 13.0


def build(folder: Path) -> None:
    import torch
    from TTS.tts.configs.vits_config import VitsConfig
    from TTS.tts.models.vits import Vits

    torch.manual_seed(0)
    folder.mkdir(parents=True)
    config = VitsConfig(use_phonemes=False, text_cleaner="basic_cleaners")
    model = Vits(config)
    torch.save({"model": model.state_dict()}, folder / "model.pth")
    model.config.save_json(str(folder / "config.json"))


def best(fn: object) -> float:
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> int:
    import torch

    torch.set_num_threads(THREADS)
    from generators.speech import SpeechGenerator, coqui, coqui_speak, pipeline, prosody, shape
    from studio.emotion import Condition
    from studio.plugins.contract import Request

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["EMOTION_STUDIO_MODELS"] = str(Path(tmp) / "models")
        os.environ["TTS_HOME"] = str(Path(tmp) / "coqui")
        build(Path(tmp) / "models" / "vits-full")
        choice = coqui.check("vits-full", None, None, None, None)
        t0 = time.perf_counter()
        model = coqui.load(choice)
        load_s = time.perf_counter() - t0
        anger = Condition.from_mixture({"anger": 1.0}, 0.9)
        c0 = prosody.controls(anger)
        knobs = coqui_speak.knobs("vits", prosody.neutral())
        probe = model.say(TEXT, choice, None, knobs, 0)
        symbols = sum(1 for ph, _ in probe.alignments[1:-1])
        seconds = len(probe.audio) / model.sample_rate
        knobs["length_scale"] = float(symbols / SYMBOLS_PER_S / max(seconds, 1e-3))
        said = model.say(TEXT, choice, None, knobs, 0)
        audio_s = len(said.audio) / model.sample_rate
        synth_s = best(lambda: model.say(TEXT, choice, None, knobs, 0))
        values = {k: np.full(1, v) for k, v in c0.items()}

        def controls_at(times: np.ndarray) -> dict[str, np.ndarray]:
            return {k: np.full(len(times), v[0]) for k, v in values.items()}

        rng = np.random.default_rng(0)
        chain_s = best(
            lambda: shape.transform(
                said.audio, model.sample_rate, said.alignments, controls_at, 0.0, rng
            )
        )
        gen = SpeechGenerator()
        out = Path(tmp) / "x.wav"
        rows = {}
        for name, params in (
            ("coqui_generate", {"text": TEXT, "model": "vits-full"}),
            ("piper_generate", {"text": TEXT}),
        ):
            backend = "coqui" if "model" in params else "piper"
            req = Request("speech", out, condition=anger, params=params, backend=backend)
            durations: list[float] = []

            def run(req: Request = req, durations: list[float] = durations) -> None:
                art = gen.generate(req)
                durations.append(float(art.features["duration_s"]))

            elapsed = best(run)
            rows[name] = {"rtf": round(elapsed / durations[-1], 3), "audio_s": durations[-1]}
        del pipeline
    print(
        json.dumps(
            {
                "threads": THREADS,
                "model": "VITS, Coqui default VitsArgs (192 hidden, 512-ch HiFi-GAN), random "
                "weights",
                "load_s": round(load_s, 2),
                "audio_s": round(audio_s, 2),
                "coqui_synthesis_rtf": round(synth_s / audio_s, 3),
                "emotion_chain_rtf": round(chain_s / audio_s, 3),
                **rows,
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
