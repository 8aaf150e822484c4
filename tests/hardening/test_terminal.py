"""Text from a file reaches the terminal only through the one sanitiser: escape sequences
cannot set the window title, clear the screen, reorder text or forge output lines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from studio.errors import printable, printable_json
from tests.hardening.conftest import png_with_text

HOSTILE = {
    "title": "\x1b]0;owned\x07",
    "clear": "\x1b[2J\x1b[H",
    "forged-line": "calm\nwrote /etc/passwd (joy, 0.01 s)",
    "carriage-return": "calm\rerror: everything failed",
    "c1-csi": "calm\x9b2J",
    "bidi-override": "calm\u202egnp.exe",
}
RAW = ("\x1b", "\x07", "\x9b", "\u202e", "\r")


def _clean(text: str) -> None:
    for ch in RAW:
        assert ch not in text, repr(text)


def _state(label: str) -> dict[str, Any]:
    return {
        "condition": {
            "vad": {"valence": 0.4, "arousal": 0.1, "dominance": 0.0},
            "label": label,
        },
        "generator": f"image{label}",
        "backend": label,
        "seed": 3,
        "params": {"prompt": label},
    }


@pytest.mark.parametrize("name", list(HOSTILE))
@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_inspect_prints_file_text_escaped(
    cli: Any, tmp_path: Path, name: str, as_json: bool
) -> None:
    label = HOSTILE[name]
    path = png_with_text(tmp_path / "f.png", json.dumps(_state(label), ensure_ascii=False))
    outcome = cli("inspect", path, *(["--json"] if as_json else []))
    assert outcome.code == 0, outcome.err
    _clean(outcome.out)
    if as_json:  # still the same JSON: the label comes back exactly
        assert json.loads(outcome.out)["condition"]["label"] == label
    else:
        assert outcome.out.count("\n") == 5  # state, generator, backend, seed, params


@pytest.mark.parametrize("name", list(HOSTILE))
def test_generate_with_a_condition_file_prints_its_label_escaped(
    cli: Any, tmp_path: Path, name: str
) -> None:
    cond = tmp_path / "c.json"
    cond.write_text(json.dumps(_state(HOSTILE[name])["condition"]), encoding="utf-8")
    outcome = cli(
        "generate", "image", "-o", tmp_path / "a.png", "--size", "256x256", "--condition", cond
    )
    assert outcome.code == 0, outcome.err
    assert outcome.out.count("\n") == 1
    _clean(outcome.out)
    json_run = cli("condition", "--condition", cond, "--json")
    _clean(json_run.out)
    assert json.loads(json_run.out)["label"] == HOSTILE[name]


@pytest.mark.parametrize("name", list(HOSTILE))
def test_error_messages_quoting_a_file_are_escaped(cli: Any, tmp_path: Path, name: str) -> None:
    cond = tmp_path / "c.json"
    cond.write_text(json.dumps({HOSTILE[name]: 1, "vad": {}}), encoding="utf-8")
    outcome = cli("condition", "--condition", cond)
    assert outcome.code == 2 and "unknown field" in outcome.err
    _clean(outcome.err)


def test_printable_escapes_controls_and_keeps_text() -> None:
    assert printable("a\x1b[31mb\tc\u202ed é ü 中") == "a\\x1b[31mb\\tc\\u202ed é ü 中"
    assert printable("x" * 50, 10) == "x" * 9 + "…"
    assert json.loads(printable_json(json.dumps({"k": "\x9b\u202e"}, ensure_ascii=False))) == {
        "k": "\x9b\u202e"
    }
