"""The ``coqui`` backend: the artist's own Coqui TTS model says the text neutrally, then the
same prosody stage as the Piper path gives it the emotion.

Models come from local folders only (``coqui_models``): XTTS-v2 (``speaker_wav`` to clone,
``language``), VITS and YourTTS (``speaker`` on multi-speaker models), Tacotron2 with a
vocoder folder (Griffin-Lim without one). Each breath group is synthesised on its own with
the model's native knobs moved by the emotion where they mean the same as Piper's (VITS:
``length_scale`` and its two noise scales; XTTS: ``speed`` and ``temperature``), then
shaped by ``shape.transform`` (PSOLA pitch, spectral gains, pauses) and joined by
``assemble`` exactly as Piper's sentences are. Timings for lip sync come from the model:
VITS's predicted durations, Tacotron2's attention; XTTS has neither, so its timings are
spread over the characters of each group and marked ``estimated`` in the metadata.

Checkpoints are read with ``torch.load(weights_only=True)`` (PyTorch's default): a pickle
that needs code to load is refused, whatever folder it is in.
"""

from __future__ import annotations

import importlib.util
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np

from generators.speech import coqui_models
from generators.speech.coqui_models import CoquiModel
from studio.sdk import Backend, InputError, check_regular

NAME: Final = "coqui"
DESCRIPTION: Final = (
    "the artist's Coqui TTS model (XTTS-v2, VITS, YourTTS, Tacotron2) from a local folder "
    "(--param model=NAME), emotion by the same prosody stage as Piper"
)
INSTALL: Final = (
    "install the 'coqui' extra (pip install 'emotion-studio[coqui]') with PyTorch's "
    "torchaudio for your torch"
)
# XTTS-v2's per-language text limits are ~250 characters for most languages (Coqui's
# ``tokenizer.char_limits``); breath groups stay under the smaller of that and Piper's.
XTTS_SPEED: Final = (0.7, 1.5)
XTTS_TEMPERATURE: Final = (0.5, 0.95)  # Coqui's default is 0.75 (XttsConfig.temperature)
XTTS_SPEAKER_WAV_MAX: Final = 100_000_000
MIN_TAKE_S: Final = 0.1  # a breath group shorter than this is a model failure
_lock = threading.Lock()
_loaded: dict[tuple[str, str], Loaded] = {}


def backend() -> Backend:
    """The backend's declaration; a cheap check that never imports torch."""
    reason = unavailable_reason()
    return Backend(
        NAME,
        f"{DESCRIPTION}; {coqui_models.describe()}",
        available=not reason,
        reason=reason,
        devices=("cpu",),
    )


def libraries_missing() -> list[str]:
    return [m for m in ("TTS", "torch", "torchaudio") if importlib.util.find_spec(m) is None]


def unavailable_reason() -> str:
    """Why the backend cannot run, in one line with what to do ("" when it can)."""
    missing = libraries_missing()
    if missing:
        return f"Coqui TTS is not installed (no {', '.join(missing)}): {INSTALL}"
    if not coqui_models.speaking_models():
        return (
            f"no Coqui model found in {coqui_models.coqui_folder()} or "
            f"{coqui_models.models_folder()}: download one with Coqui's `tts --model_name …` "
            "or put a model folder (config.json and model.pth) in the models folder"
        )
    return ""


# -- checks before any work (from the params and the folder, no torch) ---------------------


@dataclass(frozen=True)
class Choice:
    """The params of one Coqui request, checked against the model folder."""

    model: CoquiModel
    vocoder: CoquiModel | None
    speaker: str | None
    speaker_wav: Path | None
    language: str | None


def check(
    model: str | None,
    speaker: str | None,
    speaker_wav: str | None,
    language: str | None,
    vocoder: str | None,
) -> Choice:
    """ValueError naming the problem for what can be told without loading the model."""
    if model is None:
        names = ", ".join(m.name for m in coqui_models.speaking_models()[:8]) or "none found"
        raise ValueError(f"model: the coqui backend needs --param model=NAME (found: {names})")
    found = coqui_models.resolve(model)
    wav: Path | None = None
    if speaker_wav is not None:
        wav = Path(speaker_wav).expanduser()
        check_regular(wav, "speaker_wav", XTTS_SPEAKER_WAV_MAX)  # BadInput names the problem
        _check_audio(wav)
    if found.kind == "xtts" and wav is None and speaker is None:
        raise ValueError(
            f"speaker_wav: {found.name} is XTTS and clones a voice: give "
            "--param speaker_wav=FILE (a few seconds of clean speech) or --param speaker=NAME"
        )
    if wav is not None and found.kind != "xtts" and not _clones(found):
        raise ValueError(f"speaker_wav: {found.name} ({found.kind}) cannot clone a voice")
    voc: CoquiModel | None = None
    if vocoder is not None:
        if found.kind not in ("tacotron2", "tacotron"):
            raise ValueError(f"vocoder: {found.name} ({found.kind}) makes its own waveform")
        voc = coqui_models.resolve(vocoder, vocoder=True)
    return Choice(found, voc, speaker, wav, language)


def _check_audio(path: Path) -> None:
    import soundfile

    try:
        info = soundfile.info(str(path))
    except Exception as exc:  # soundfile's errors name the format problem
        raise ValueError(f"speaker_wav: {path.name} is not readable audio ({exc})") from None
    if info.frames < info.samplerate * 0.5:
        raise ValueError(f"speaker_wav: {path.name} is shorter than half a second")


def _clones(model: CoquiModel) -> bool:
    """YourTTS-style VITS with a speaker encoder takes a reference recording."""
    config = coqui_models.read_config(model.config)
    args = config.get("model_args") if isinstance(config.get("model_args"), dict) else {}
    assert isinstance(args, dict)
    return bool(args.get("speaker_encoder_model_path") or args.get("use_d_vector_file"))


# -- loading and synthesis ---------------------------------------------------------------


@dataclass(frozen=True)
class Said:
    """One breath group as the model said it: audio and (token, samples) alignments."""

    audio: np.ndarray  # float32 at ``Loaded.sample_rate``
    alignments: list[tuple[str, int]]


class Loaded:
    """A Coqui model (and vocoder) loaded on the CPU."""

    def __init__(self, choice: Choice) -> None:
        from TTS.utils.synthesizer import Synthesizer

        model, voc = choice.model, choice.vocoder
        assert model.checkpoint is not None
        self.synth = Synthesizer(
            tts_checkpoint=str(model.folder if model.kind == "xtts" else model.checkpoint),
            tts_config_path=str(model.config),
            vocoder_checkpoint=str(voc.checkpoint) if voc and voc.checkpoint else None,
            vocoder_config=str(voc.config) if voc else None,
            use_cuda=False,
        )
        self.model = model
        self.kind = model.kind
        self.tts = self.synth.tts_model
        self.sample_rate = int(self.synth.output_sample_rate)
        self.timing = {"vits": "durations", "xtts": "estimated"}.get(self.kind, "attention")

    # What the model offers, for one-line errors before synthesis.
    def speakers(self) -> list[str]:
        manager = getattr(self.tts, "speaker_manager", None)
        if manager is None:
            return []
        names = getattr(manager, "speaker_names", None) or list(getattr(manager, "name_to_id", {}))
        return [str(n) for n in names]

    def languages(self) -> list[str]:
        if self.kind == "xtts":
            return [str(x) for x in self.synth.tts_config.get("languages", [])]
        manager = getattr(self.tts, "language_manager", None)
        if manager is None:
            return []
        return [str(n) for n in getattr(manager, "language_names", [])]

    def char_limit(self, language: str | None) -> int | None:
        tokenizer = getattr(self.tts, "tokenizer", None)
        limits = getattr(tokenizer, "char_limits", None)
        if isinstance(limits, dict) and language:
            value = limits.get(language.split("-")[0])
            return int(value) if value else None
        return None

    def say(
        self,
        text: str,
        choice: Choice,
        language: str | None,
        knobs: dict[str, float],
        seed: int,
    ) -> Said:
        """Synthesise one breath group with the knobs and a seeded torch RNG."""
        import torch

        kwargs: dict[str, Any] = {}
        if self.kind == "vits":
            self.tts.length_scale = knobs["length_scale"]
            self.tts.inference_noise_scale = knobs["noise_scale"]
            self.tts.inference_noise_scale_dp = knobs["noise_w"]
        elif self.kind == "xtts":
            kwargs = {"speed": knobs["speed"], "temperature": knobs["temperature"]}
        use_gl = self.synth.vocoder_model is None
        with _lock, torch.random.fork_rng(devices=[]), torch.inference_mode():
            torch.manual_seed(seed)
            out = self.tts.synthesize(
                text=text,
                speaker=choice.speaker,
                speaker_wav=str(choice.speaker_wav) if choice.speaker_wav else None,
                language=language,
                use_griffin_lim=use_gl,
                **kwargs,
            )
            if use_gl:
                wave = out["wav"]
            else:
                mel = out["outputs"]["model_outputs"][0]
                wave = self.synth._run_vocoder(mel, "cpu")
        if isinstance(wave, torch.Tensor):
            wave = wave.detach().cpu().numpy()
        audio = np.asarray(wave, dtype=np.float32).reshape(-1)
        if not np.all(np.isfinite(audio)):
            raise RuntimeError(f"{self.model.name} produced invalid samples (NaN or infinity)")
        if len(audio) < MIN_TAKE_S * self.sample_rate:  # too short to analyse its pitch
            ms = 1000 * len(audio) / self.sample_rate
            raise RuntimeError(
                f"{self.model.name} said {text[:40]!r} in {ms:.0f} ms: the model stopped "
                "early (a Tacotron2 stop token?) or is not trained"
            )
        return Said(audio, self._alignments(out, text, len(audio)))

    def _alignments(self, out: dict[str, Any], text: str, n: int) -> list[tuple[str, int]]:
        """(token, samples) for each token, summing to the audio's length."""
        tokens: list[str] = []
        weights: list[float] = []
        if self.timing == "estimated":
            tokens = list(" ".join(text.split()))
            weights = [1.0] * len(tokens)
        else:
            tokens, weights = self._model_timing(out)
        counts = _apportion(np.asarray(weights, dtype=np.float64), n)
        return [("^", 0), *zip(tokens, counts, strict=True), ("$", 0)]

    def _model_timing(self, out: dict[str, Any]) -> tuple[list[str], list[float]]:
        ids = np.asarray(_numpy(out["text_inputs"])).reshape(-1)
        if self.timing == "durations":
            weights = _numpy(out["outputs"]["durations"]).reshape(-1)[: len(ids)]
        else:  # attention: decoder frames per encoder token (argmax)
            attn = np.asarray(_numpy(out["alignments"]))
            attn = attn.reshape(-1, attn.shape[-1])
            weights = np.bincount(attn.argmax(axis=1), minlength=len(ids))[: len(ids)]
        chars = self.tts.tokenizer.characters
        special = {chars.blank, chars.pad, chars.bos, chars.eos} - {None}
        tokens: list[str] = []
        merged: list[float] = []
        lead = 0.0
        for i, w in zip(ids, weights, strict=False):
            ch = chars.id_to_char(int(i))
            if ch in special:  # a blank's frames belong to the sound before it
                if merged:
                    merged[-1] += float(w)
                else:
                    lead += float(w)
                continue
            tokens.append(ch)
            merged.append(float(w))
        if merged:
            merged[0] += lead
        return tokens, merged


def _numpy(value: Any) -> np.ndarray:
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def _apportion(weights: np.ndarray, n: int) -> list[int]:
    """Integer sample counts in proportion to ``weights`` that sum to ``n``."""
    if weights.size == 0:
        return []
    total = float(weights.sum())
    share = weights / total if total > 0 else np.full(weights.size, 1.0 / weights.size)
    edges = np.round(np.concatenate([[0.0], np.cumsum(share)]) * n).astype(np.int64)
    edges[-1] = n
    return [int(x) for x in np.diff(edges)]


def load(choice: Choice) -> Loaded:
    """The model, loaded once per process (workers are persistent); loading errors are
    the user's input (a checkpoint that does not match its config, a refused pickle)."""
    key = (str(choice.model.folder.resolve()), str(choice.vocoder.folder) if choice.vocoder else "")
    with _lock:
        if key in _loaded:
            return _loaded[key]
    try:
        loaded = Loaded(choice)
    except Exception as exc:
        raise InputError(f"model: cannot load {choice.model.name}: {_why(exc)}") from None
    with _lock:
        _loaded.clear()  # one model at a time: a Coqui model can take gigabytes
        _loaded[key] = loaded
    return loaded


def _why(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    if "Weights only load failed" in text or "weights_only" in text:
        return "its checkpoint is a pickle that runs code to load, not plain weights; refused"
    if "size mismatch" in text or "Missing key" in text or "Unexpected key" in text:
        first = text.split("size mismatch for ", 1)[-1] if "size mismatch" in text else text
        return f"the checkpoint does not match config.json ({first[:160]})"
    return f"{type(exc).__name__}: {text[:200]}"
