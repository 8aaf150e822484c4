"""Which writing systems a voice can speak, and text it cannot or must not read.

Piper voices phonemize with espeak-ng in the voice's language. For letters of another
script espeak has no phonemes: the English voice reads Chinese as "Chinese letter, Chinese
letter…" and Arabic as "Arabic letter…". So letters are checked against the scripts of
the voice's language (Latin is accepted by every voice: espeak-ng falls back to its
English rules for it). SSML markup is refused: Piper would read the angle-bracket tags aloud.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any, Final

LATIN: Final = "LATIN"
# espeak-ng reads Greek letters by name in every language ("alpha", "beta"), as used in
# science and maths, so every voice accepts them too.
EVERYWHERE: Final = frozenset({LATIN, "GREEK"})
# First words of letter names that are not scripts (modifier letters, letterlike symbols).
NOT_SCRIPTS: Final = frozenset({"MODIFIER", "SPACE", "TURNED", "ROMAN"})
# Language (espeak-ng voice or ISO 639 code, the part before "-"/"_") → its scripts, as
# the first word of the Unicode character names (Unicode 15, UCD NamesList).
SCRIPTS: Final[dict[str, frozenset[str]]] = {
    **dict.fromkeys(
        ("ru", "uk", "bg", "sr", "mk", "kk", "be", "ky", "mn", "tt", "ba", "cv"),
        frozenset({"CYRILLIC"}),
    ),
    "el": frozenset({"GREEK"}),
    **dict.fromkeys(("ar", "fa", "ur", "ps", "sd", "ug"), frozenset({"ARABIC"})),
    "he": frozenset({"HEBREW"}),
    **dict.fromkeys(("hi", "ne", "mr", "sa", "kok"), frozenset({"DEVANAGARI"})),
    **dict.fromkeys(("zh", "cmn", "yue", "hak"), frozenset({"CJK"})),
    "ja": frozenset({"CJK", "HIRAGANA", "KATAKANA"}),
    "ko": frozenset({"HANGUL", "CJK"}),
    "ka": frozenset({"GEORGIAN"}),
    "hy": frozenset({"ARMENIAN"}),
    "th": frozenset({"THAI"}),
    "lo": frozenset({"LAO"}),
    "km": frozenset({"KHMER"}),
    "my": frozenset({"MYANMAR"}),
    "am": frozenset({"ETHIOPIC"}),
    "bn": frozenset({"BENGALI"}),
    "as": frozenset({"BENGALI"}),
    "pa": frozenset({"GURMUKHI"}),
    "gu": frozenset({"GUJARATI"}),
    "or": frozenset({"ORIYA"}),
    "ta": frozenset({"TAMIL"}),
    "te": frozenset({"TELUGU"}),
    "kn": frozenset({"KANNADA"}),
    "ml": frozenset({"MALAYALAM"}),
    "si": frozenset({"SINHALA"}),
}
NAMES: Final = {
    "CJK": "Chinese characters",
    "HANGUL": "Korean (Hangul) letters",
    "HIRAGANA": "Japanese (hiragana) letters",
    "KATAKANA": "Japanese (katakana) letters",
}
KNOWN: Final = frozenset().union(*SCRIPTS.values())
SSML: Final = re.compile(
    r"<\s*/?\s*(speak|prosody|break|emphasis|say-as|phoneme|sub|voice|audio|mark|lang|"
    r"paragraph|sentence|p|s|w|token|[a-z]+:[\w-]+)\b[^<>]*>|<\?xml\b",
    re.IGNORECASE,
)


@cache
def language(model: Path) -> tuple[str, str] | None:
    """(language code, English name) of a Piper voice from its config; ``None`` when the
    voice does not phonemize with espeak (then its text is not checked here)."""
    try:
        with model.with_name(model.name + ".json").open(encoding="utf-8") as fh:
            config = json.load(fh)
    except (OSError, ValueError):
        return None  # loading the voice reports a broken config
    if not isinstance(config, dict) or config.get("phoneme_type", "espeak") != "espeak":
        return None
    lang = _section(config, "language")
    espeak = _section(config, "espeak")
    code = str(espeak.get("voice") or lang.get("code") or "")
    if not code:
        return None
    name = str(lang.get("name_english") or code)
    return code, name


def _section(config: dict[str, Any], key: str) -> dict[str, Any]:
    value = config.get(key)
    return value if isinstance(value, dict) else {}


def script_of(ch: str) -> str | None:
    """The script of a letter (first word of the Unicode name of its compatibility form, so
    fullwidth and letterlike forms count as the letters they stand for); ``None`` for
    non-letters, modifier letters and letterlike symbols."""
    if unicodedata.category(ch) not in {"Lu", "Ll", "Lt", "Lo"}:
        return None
    name = unicodedata.name(unicodedata.normalize("NFKC", ch)[:1] or ch, "")
    first = name.split()[0] if name else None
    if first == "IDEOGRAPHIC":
        return "CJK"
    return None if first in NOT_SCRIPTS else first


def check(text: str, voice: str, model: Path) -> None:
    """Raise ValueError (one line, saying what to do) for text the voice cannot speak."""
    if SSML.search(text):
        raise ValueError(
            "contains SSML or XML markup (<speak>, <prosody>, …), which the voice would "
            "read aloud; write plain text and set the emotion with tags such as [joy]"
        )
    found = language(model)
    if found is None:
        return
    code, name = found
    allowed = SCRIPTS.get(re.split(r"[-_]", code.lower())[0], frozenset()) | EVERYWHERE
    for ch in text:
        script = script_of(ch)
        if script is not None and script not in allowed:
            known = script in KNOWN
            what = NAMES.get(script, f"{script.title()} letters" if known else "letters")
            raise ValueError(
                f"contains {what} (such as {ch!r}), which the {name} voice {voice!r} "
                f"cannot pronounce; write the text in the voice's language, or choose a "
                f"voice for that language (voice: a path to a Piper .onnx model)"
            )
