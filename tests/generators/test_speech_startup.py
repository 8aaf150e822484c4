"""Speech start-up: the patched voice graph is optimised once and cached, later loads
need neither the onnx package nor scipy.signal, and the samples do not change."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from generators.speech import spectral
from generators.speech import voice as speech_voice

TEXT = "The meeting moved to Thursday."


def _child(code: str, home: Path) -> str:
    env = {**os.environ, "STUDIO_HOME": str(home)}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


SPEAK = """
    import json, sys
    import numpy as np
    from generators.speech import voice
    v = voice.load(voice.resolve_voice("joe"))
    (ph,) = list(voice.sentences(v, "The meeting moved to Thursday."))
    s = v.speak(ph, np.random.default_rng(7), length_scale=1.0, noise_scale=0.667, noise_w=0.8)
    np.save("OUT", s.audio)
    print(json.dumps([v.noise_inputs, "onnx" in sys.modules]))
"""


def test_cached_graph_gives_the_same_samples_without_onnx(tmp_path: Path) -> None:
    home = tmp_path / "home"
    noise, patched_with_onnx = json.loads(
        _child(SPEAK.replace("OUT", str(tmp_path / "first.npy")), home)
    )
    (cached,) = (home / "cache" / "voices").glob("*.onnx")
    assert patched_with_onnx  # the first load patched the graph with onnx
    again, onnx_again = json.loads(_child(SPEAK.replace("OUT", str(tmp_path / "again.npy")), home))
    assert not onnx_again  # read from the cache: onnx never imported
    assert again == noise  # the same noise inputs, in the same order
    a, b = np.load(tmp_path / "first.npy"), np.load(tmp_path / "again.npy")
    assert a.shape == b.shape and np.array_equal(a, b)
    # and the same as a graph patched in memory (no cache folder at all)
    model = speech_voice.resolve_voice("joe")
    session = speech_voice._new_session(
        speech_voice._patched(model), speech_voice._options("ORT_ENABLE_ALL")
    )
    names = [i.name for i in session.get_inputs()]
    assert [n for n in names if n.startswith(speech_voice.NOISE_PREFIX)] == noise
    assert cached.stat().st_size > 1_000_000


def test_a_damaged_cached_graph_is_rebuilt(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _child(SPEAK.replace("OUT", str(tmp_path / "a.npy")), home)
    (cached,) = (home / "cache" / "voices").glob("*.onnx")
    cached.write_bytes(b"not a graph")
    _noise, rebuilt = json.loads(_child(SPEAK.replace("OUT", str(tmp_path / "b.npy")), home))
    assert rebuilt  # patched again, with onnx
    assert cached.stat().st_size > 1_000_000
    assert np.array_equal(np.load(tmp_path / "a.npy"), np.load(tmp_path / "b.npy"))


def test_an_unwritable_cache_still_speaks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "home"
    blocker.write_text("a file where the cache folder would go")
    monkeypatch.setenv("STUDIO_HOME", str(blocker))
    spoken = speech_voice.Voice(speech_voice.resolve_voice("joe"))
    (phonemes,) = list(speech_voice.sentences(spoken, TEXT))
    audio = spoken.speak(
        phonemes, np.random.default_rng(1), length_scale=1.0, noise_scale=0.667, noise_w=0.8
    ).audio
    assert len(audio) > spoken.sample_rate // 2 and not list(tmp_path.glob("home*/**"))


def test_a_speech_command_imports_neither_onnx_nor_scipy(tmp_path: Path) -> None:
    code = f"""
        import sys
        from studio.cli import main
        assert main(["generate", "speech", "-o", {str(tmp_path / "s.wav")!r},
                     "--text", "Hello there.", "--emotion", "anger:0.8"]) == 0
        print(sorted({{m.split(".")[0] for m in sys.modules}} & {{"onnx", "scipy"}}))
    """
    _child(code, tmp_path / "home")  # the first run builds the voice cache
    assert _child(code, tmp_path / "home").splitlines()[-1] == "[]"


@pytest.mark.parametrize("length", [513, 1000, 22050, 33333])
def test_the_numpy_stft_pair_matches_scipy(length: int) -> None:
    from scipy.signal import istft, stft

    rng = np.random.default_rng(length)
    x = rng.standard_normal(length)
    n, hop = 512, 128
    _f, _t, ref = stft(x, 22050, window="hann", nperseg=n, noverlap=n - hop, boundary="even")
    ours = spectral.stft(x, n, hop)
    assert ours.shape == ref.shape and np.allclose(ours, ref, atol=1e-12)
    edited = ref * np.exp(2j * np.pi * rng.random(ref.shape))  # an edit, as the shaper makes
    _t, back = istft(edited, 22050, window="hann", nperseg=n, noverlap=n - hop, boundary=True)
    assert np.allclose(spectral.istft(edited, n, hop), back, atol=1e-12)
    assert np.allclose(spectral.istft(ours, n, hop)[:length], x, atol=1e-9)  # round trip
