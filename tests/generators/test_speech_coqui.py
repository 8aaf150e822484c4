"""The coqui backend on the real Coqui code path: small models built in code with Coqui's own
config classes (random weights), saved in Coqui's folder format, found, loaded and spoken
through ``studio generate speech --backend coqui``."""

from __future__ import annotations

import importlib.util
import json
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

from generators.speech import coqui, coqui_models
from studio.cli import main as cli_main
from studio.library.history import History
from studio.library.metadata import read_embedded

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("TTS") is None, reason="coqui extra not installed"
)

TEXT = "Leave me alone, please. I mean it."


def build_vits(folder: Path, *, speakers: list[str] | None = None, seed: int = 0) -> Path:
    """A 32-channel VITS with random weights, saved as Coqui saves one."""
    import torch
    from TTS.tts.configs.vits_config import VitsConfig
    from TTS.tts.models.vits import Vits, VitsArgs

    torch.manual_seed(seed)
    folder.mkdir(parents=True, exist_ok=True)
    args = VitsArgs(
        hidden_channels=32,
        hidden_channels_ffn_text_encoder=64,
        num_heads_text_encoder=2,
        num_layers_text_encoder=1,
        num_layers_flow=1,
        num_layers_posterior_encoder=1,
        upsample_initial_channel_decoder=32,
    )
    config = VitsConfig(model_args=args, use_phonemes=False, text_cleaner="basic_cleaners")
    if speakers:
        (folder / "speakers.json").write_text(
            json.dumps({s: i for i, s in enumerate(speakers)}), encoding="utf-8"
        )
        config.model_args.use_speaker_embedding = True
        config.model_args.num_speakers = len(speakers)
        config.model_args.speakers_file = str(folder / "speakers.json")
        config.speakers_file = str(folder / "speakers.json")
        config.use_speaker_embedding = True
        config.num_speakers = len(speakers)
    model = Vits(config)
    torch.save({"model": model.state_dict()}, folder / "model.pth")
    model.config.save_json(str(folder / "config.json"))
    return folder


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("models")
    build_vits(root / "tiny-vits")
    build_vits(root / "voices" / "duo", speakers=["ann", "bob"], seed=1)
    return root


@pytest.fixture(autouse=True)
def folders(models: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMOTION_STUDIO_MODELS", str(models))
    monkeypatch.setenv("TTS_HOME", str(tmp_path / "coqui-home"))


def _generate(out: Path, *args: str) -> int:
    return cli_main(["generate", "speech", "--backend", "coqui", "-o", str(out), *args])


def _record(out: Path) -> dict[str, Any]:
    payload = read_embedded(out)
    assert isinstance(payload, dict)
    return payload


def test_list_shows_the_models_and_the_backend_available(capsys: Any) -> None:
    names = [m.name for m in coqui_models.speaking_models()]
    assert names == ["tiny-vits", "voices/duo"]
    assert coqui.backend().available
    assert cli_main(["list"]) == 0
    out = capsys.readouterr().out
    assert "coqui" in out and "tiny-vits (vits)" in out


def test_anger_through_the_command_with_timings_and_history(tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "a.wav"
    code = _generate(out, "--param", "model=tiny-vits", "--text", TEXT, "--emotion", "anger")
    assert code == 0, capsys.readouterr().err
    audio, rate = soundfile.read(out)
    assert rate == 22050 and len(audio) > 0 and np.all(np.isfinite(audio))
    extra = _record(out)
    speech = extra["speech"]
    assert speech["voice"] == "tiny-vits"
    phonemes = speech["phonemes"]
    assert phonemes and phonemes[-1]["end"] <= len(audio) / rate + 1e-3
    assert all(p["start"] <= p["end"] for p in phonemes)
    assert {"l", "v", "m"} <= {p["phoneme"] for p in phonemes}  # the text's letters
    assert extra["coqui"]["timing"] == "durations" and extra["coqui"]["architecture"] == "vits"
    log = extra["prosody"]
    assert log[0]["knobs"]["length_scale"] < 1.0  # anger speaks faster: VITS's own knob
    assert "pitch" in log[0]["stages"]  # and the prosody stage moved the pitch
    (entry,) = History().list()
    assert entry.backend == "coqui" and entry.params["model"] == "tiny-vits"


def test_neutral_and_anger_differ_and_a_seed_repeats(tmp_path: Path) -> None:
    base = ["--param", "model=tiny-vits", "--text", TEXT, "--no-history", "--seed", "3"]
    a, b, c = (tmp_path / f"{n}.wav" for n in "abc")
    assert _generate(a, *base, "--emotion", "anger") == 0
    assert _generate(b, *base, "--emotion", "anger") == 0
    assert _generate(c, *base) == 0
    ya, yb, yc = (soundfile.read(p)[0] for p in (a, b, c))
    assert np.array_equal(ya, yb)
    assert len(ya) != len(yc) or not np.allclose(ya, yc)


def test_trajectory_and_inline_tags(tmp_path: Path) -> None:
    arc = tmp_path / "arc.json"
    arc.write_text(
        json.dumps(
            {
                "keyframes": [
                    {"time": 0.0, "condition": {"mixture": {"joy": 1.0}, "intensity": 0.8}},
                    {"time": 1.0, "condition": {"mixture": {"sadness": 1.0}, "intensity": 0.8}},
                ]
            }
        ),
        encoding="utf-8",
    )
    out = tmp_path / "arc.wav"
    code = _generate(
        out, "--param", "model=tiny-vits", "--text", TEXT, "--trajectory", str(arc), "--no-history"
    )
    assert code == 0 and out.is_file()
    meta = _record(out)
    assert meta["arc_mapping"]["anchors"][0][1] == 0.0  # the arc stretched over the line
    assert meta["arc_mapping"]["anchors"][-1][1] == pytest.approx(1.0)
    assert len({round(r["f0_shift"], 3) for r in meta["prosody"]}) >= 2  # joy → sadness
    tagged = tmp_path / "tags.wav"
    text = "[joy] Good morning! [sadness:0.6] But it rained."
    assert _generate(tagged, "--param", "model=tiny-vits", "--text", text, "--no-history") == 0
    segments = (
        _record(tagged)["extra"]["speech"]["segments"]
        if "extra" in _record(tagged)
        else _record(tagged)["speech"]["segments"]
    )
    assert [s["tagged"] for s in segments] == [True, True]
    assert segments[0]["end"] <= segments[1]["start"] + 1e-6


def test_speaker_choice_on_a_multi_speaker_model(tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "s.wav"
    base = ["--param", "model=voices/duo", "--text", "Hello there.", "--no-history"]
    assert _generate(out, *base) == 2
    err = capsys.readouterr().err.strip()
    assert "speaker" in err and "ann" in err and len(err.splitlines()) == 1
    assert _generate(out, *base, "--param", "speaker=carl") == 2
    assert "no speaker 'carl'" in capsys.readouterr().err
    assert not out.exists()
    assert _generate(out, *base, "--param", "speaker=bob") == 0
    a = soundfile.read(out)[0]
    assert _generate(out, *base, "--param", "speaker=ann") == 0
    assert not np.array_equal(a, soundfile.read(out)[0])


@pytest.mark.parametrize(
    ("params", "match"),
    [
        (["model=nobody"], "no Coqui model 'nobody'"),
        (["model=tiny-vits", "language=de"], "language"),
        (["model=tiny-vits", "speaker=ann"], "single voice"),
        (["model=tiny-vits", "speaker_wav=/nonexistent.wav"], "speaker_wav"),
        (["model=tiny-vits", "vocoder=tiny-vits"], "vocoder"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(
    tmp_path: Path, capsys: Any, params: list[str], match: str
) -> None:
    out = tmp_path / "bad.wav"
    args = [x for p in params for x in ("--param", p)]
    assert _generate(out, *args, "--text", "Hello.", "--no-history") == 2
    err = capsys.readouterr().err.strip()
    assert match in err and len(err.splitlines()) == 1
    assert not list(tmp_path.iterdir())


def test_piper_refuses_coqui_params(tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "p.wav"
    code = cli_main(
        [
            "generate",
            "speech",
            "--backend",
            "piper",
            "--param",
            "speaker=ann",
            "-o",
            str(out),
            "--text",
            "Hi.",
            "--no-history",
        ]
    )
    assert code == 2 and "only the coqui backend" in capsys.readouterr().err


def test_a_model_param_alone_picks_coqui(tmp_path: Path) -> None:
    out = tmp_path / "m.wav"
    code = cli_main(
        [
            "generate",
            "speech",
            "--param",
            "model=tiny-vits",
            "-o",
            str(out),
            "--text",
            "Hi.",
            "--no-history",
        ]
    )
    assert code == 0 and _record(out)


def test_xtts_without_a_speaker_is_refused_before_loading(tmp_path: Path, capsys: Any) -> None:
    folder = tmp_path / "coqui-home" / "tts" / "tts_models--multilingual--multi-dataset--xtts_v2"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(
        json.dumps({"model": "xtts", "audio": {"sample_rate": 22050}, "languages": ["en"]}),
        encoding="utf-8",
    )
    (folder / "model.pth").write_bytes(b"")
    (folder / "LICENSE.txt").write_text("Coqui Public Model License 1.0.0", encoding="utf-8")
    found = {m.name: m for m in coqui_models.speaking_models()}
    assert found[folder.name].licence == "non-commercial (CPML)"
    assert "non-commercial (CPML)" in coqui_models.describe()
    out = tmp_path / "x.wav"
    assert _generate(out, "--param", f"model={folder.name}", "--text", "Hi.", "--no-history") == 2
    assert "speaker_wav" in capsys.readouterr().err
    assert not out.exists()


def test_a_folder_without_config_and_a_mismatched_checkpoint(
    tmp_path: Path, models: Path, capsys: Any
) -> None:
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "model.pth").write_bytes(b"")
    out = tmp_path / "o.wav"
    assert _generate(out, "--param", f"model={bare}", "--text", "Hi.", "--no-history") == 2
    assert "has no config.json" in capsys.readouterr().err
    # The duo's weights under the single-speaker config: a checkpoint that does not match.
    odd = tmp_path / "odd"
    odd.mkdir()
    (odd / "config.json").write_text(
        (models / "tiny-vits" / "config.json").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (odd / "model.pth").write_bytes((models / "voices" / "duo" / "model.pth").read_bytes())
    assert _generate(out, "--param", f"model={odd}", "--text", "Hi.", "--no-history") == 2
    err = capsys.readouterr().err.strip()
    assert "does not match config.json" in err and len(err.splitlines()) == 1
    assert not out.exists()


class _Payload:
    def __reduce__(self) -> tuple[Any, ...]:
        return (print, ("this pickle runs code",))


def test_a_pickle_that_runs_code_is_refused(tmp_path: Path, models: Path, capsys: Any) -> None:
    evil = tmp_path / "evil"
    evil.mkdir()
    (evil / "config.json").write_text(
        (models / "tiny-vits" / "config.json").read_text(encoding="utf-8"), encoding="utf-8"
    )
    with (evil / "model.pth").open("wb") as fh:
        pickle.dump({"model": _Payload()}, fh)
    out = tmp_path / "e.wav"
    assert _generate(out, "--param", f"model={evil}", "--text", "Hi.", "--no-history") == 2
    err = capsys.readouterr()
    assert "refused" in err.err and "this pickle runs code" not in err.out
    assert not out.exists()


def test_long_text_is_spoken_in_breath_groups(tmp_path: Path) -> None:
    text = " ".join(["This sentence goes on, and on, and on for quite a while"] * 6) + "."
    out = tmp_path / "long.wav"
    assert _generate(out, "--param", "model=tiny-vits", "--text", text, "--no-history") == 0
    meta = _record(out)
    assert meta["features"]["breath_groups"] >= 2
    assert meta["speech"]["phonemes"][-1]["end"] > 2.0


def test_no_model_found_says_where_to_put_one(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("EMOTION_STUDIO_MODELS", str(tmp_path / "empty"))
    found = coqui.backend()
    assert not found.available
    assert "no Coqui model found" in found.reason and "tts --model_name" in found.reason
    assert "\n" not in found.reason


def test_an_unreadable_speaker_wav_is_refused(tmp_path: Path, capsys: Any) -> None:
    fake = tmp_path / "me.wav"
    fake.write_text("not audio", encoding="utf-8")
    out = tmp_path / "w.wav"
    args = ["--param", "model=tiny-vits", "--param", f"speaker_wav={fake}"]
    assert _generate(out, *args, "--text", "Hello.", "--no-history") == 2
    err = capsys.readouterr().err.strip()
    assert "speaker_wav: me.wav is not readable audio" in err and len(err.splitlines()) == 1
    assert not out.exists()
