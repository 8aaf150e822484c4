"""An emotional arc proposed from a script, sentence by sentence (pure Python).

Each sentence is read for emotion cues: words of the emotion lexicon (``lexicon.csv``,
each naming its emotion and intensity from cited norms) and a few everyday words mapped
onto lexicon words (``script_cues.csv``). Around each cue, as lexicon-based sentiment
tools do (Taboada et al. 2011, SO-CAL; Hutto & Gilbert 2014, VADER):

- a negator in the three words before it ("not happy") shifts the cue rather than
  flipping it: a negated positive word reads as mild sadness, a negated negative one as
  mild contentment (Kiritchenko & Mohammad 2016 found negation moves words toward, not
  across, neutral);
- intensifiers and hedges right before it scale its intensity by SO-CAL's percentages
  ("very" +25 %, "extremely" +35 %, "slightly" -50 %; hedges such as "maybe", Hyland 1998);
- "but" weighs what follows it 1.5× and what precedes it 0.5× (VADER);
- each "!" raises the sentence's intensity (VADER: +0.292 per mark on a 0–4 scale, up to
  three, ≈ +7 % each here) and a words-in-capitals cue counts more (VADER: +0.733/4);
  a question with no other cue reads as mild anticipation (curiosity), "?!" as surprise.

Sentences without any cue carry the previous sentence's mood, fading (moods outlast the
sentence that set them), and every sentence keeps a little of the one before, so the arc
is smooth rather than a jump per full stop.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Final

from studio.emotion import lexicon
from studio.emotion._assets import assets_dir
from studio.emotion.condition import Condition
from studio.emotion.primaries import PRIMARY_IDS
from studio.emotion.tables import TableError, read_table
from studio.emotion.trajectory import Trajectory, blend

NEGATION_WINDOW: Final = 3  # VADER looks three words back for a negator
SCALE_WINDOW: Final = 2  # modifiers directly before the cue ("so very happy")
BUT_AFTER: Final = 1.5  # VADER's weights around "but"
BUT_BEFORE: Final = 0.5
EXCLAIM_STEP: Final = 0.292 / 4.0  # VADER: per "!" on its 0–4 scale, up to three
EXCLAIM_MAX: Final = 3
CAPS_STEP: Final = 0.733 / 4.0  # VADER: a cue word in capitals among lower-case words
QUESTION_INTENSITY: Final = 0.3
# Negation (project calibration on the test table, after Kiritchenko & Mohammad 2016:
# negated words land near neutral on the other side): the shifted cue's intensity share.
NEGATED_POSITIVE: Final = ("sadness", 0.6)
NEGATED_NEGATIVE: Final = ("joy", 0.3)
# Smoothing between sentences (project calibration): a sentence keeps this much of the
# previous one; a sentence without cues carries the previous mood at this fraction.
CARRY: Final = 0.15
PERSIST: Final = 0.6
# Estimated speaking rate for the arc's clock before any voice exists: about 150 words a
# minute is the conversational English rate (Yuan, Liberman & Cieri 2006: 173 wpm mean
# in telephone speech; read speech slower), plus a pause between sentences.
WORDS_PER_SECOND: Final = 2.5
SENTENCE_PAUSE_S: Final = 0.4
MAX_SCRIPT_BYTES: Final = 64_000  # far beyond the 5000 characters one voice take speaks
IDIOMS: Final = {
    ("can't", "wait"): "eager",
    ("cannot", "wait"): "eager",
    ("count", "on"): "trust",
    ("no", "way"): "amazed",
}

_SENTENCE = re.compile(r"[^.!?…\n]+(?:[.!?…]+|\n|$)")
_PARAGRAPH = re.compile(r"\n\s*\n")
_TAG = re.compile(r"(?<!\[)\[[^\[\]]*\](?!\])")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")  # letters of any script


@dataclass(frozen=True)
class Cues:
    negators: frozenset[str]
    scales: dict[str, float]
    words: dict[str, str]  # everyday word → lexicon word
    sources: dict[str, str] = field(default_factory=dict)


@cache
def cues() -> Cues:
    path = assets_dir() / "emotion" / "script_cues.csv"
    negators: set[str] = set()
    scales: dict[str, float] = {}
    words: dict[str, str] = {}
    sources: dict[str, str] = {}
    for row in read_table(path, required=("word", "kind", "value", "source"), optional=()):
        word, kind = row.text("word").lower(), row.text("kind")
        sources[word] = row.text("source")
        if kind == "negator":
            negators.add(word)
        elif kind == "scale":
            scales[word] = row.number("value")
        elif kind == "word":
            target = row.text("value")
            lexicon.lookup(target)  # a mapping onto a word the lexicon lacks is a table bug
            words[word] = target
        else:
            raise TableError(f"{row.where}: kind must be negator, scale or word, got {kind!r}")
    return Cues(frozenset(negators), scales, words, sources)


@dataclass(frozen=True)
class Sentence:
    """One sentence of the script and the emotion proposed for it."""

    text: str
    condition: Condition
    cues: tuple[str, ...] = ()  # the words and marks that decided it, for the artist

    @property
    def name(self) -> str:
        return self.condition.name

    @property
    def intensity(self) -> float:
        return self.condition.intensity


def sentences(text: str) -> list[str]:
    """The script's sentences (inline tags removed), in order."""
    plain = _TAG.sub(" ", text)
    out = []
    for m in _SENTENCE.finditer(plain):
        s = " ".join(m.group(0).split())
        if _WORD.search(s):
            out.append(s)
    return out


def has_tags(text: str) -> bool:
    return _TAG.search(text) is not None


def last_tag(text: str) -> str | None:
    """The last inline tag in ``text`` (``[joy:0.4]``), if any."""
    found = _TAG.findall(text)
    return found[-1] if found else None


def paragraphs(text: str) -> list[str]:
    """The script's paragraphs (blank lines between them), each starting with the tag in
    force there, so a paragraph spoken on its own keeps the emotion it had in the script."""
    out: list[str] = []
    carried: str | None = None
    for block in _PARAGRAPH.split(text):
        if not block.strip():
            continue
        starts_tagged = _TAG.match(block.lstrip()) is not None
        out.append(
            block.strip() if starts_tagged or carried is None else f"{carried} {block.strip()}"
        )
        carried = last_tag(block) or carried
    return out


def _entry(word: str) -> lexicon.Entry | None:
    table = lexicon.entries()
    c = cues()
    key = word.lower()
    if key in c.words:
        return table[c.words[key]]
    if key in table:
        return table[key]
    for suffix, repl in (("ness", ""), ("ly", ""), ("ied", "y"), ("ed", ""), ("s", "")):
        stem = key[: -len(suffix)] + repl if key.endswith(suffix) else None
        if stem and len(stem) > 2 and stem in table:
            return table[stem]
    return None


def read_sentence(text: str) -> Sentence:
    """The emotion one sentence carries on its own (no smoothing)."""
    c = cues()
    tokens = _WORD.findall(text)
    lower = [t.lower() for t in tokens]
    shouting = any(t.isupper() and len(t) > 1 for t in tokens) and not all(
        t.isupper() for t in tokens if len(t) > 1
    )
    weights = dict.fromkeys(PRIMARY_IDS, 0.0)
    peak = 0.0
    used: list[str] = []
    but = lower.index("but") if "but" in lower else -1
    skip: set[int] = set()  # words an idiom took (its negator negates nothing else)
    for i, word in enumerate(lower):
        if i in skip:
            continue
        entry = None
        if i + 1 < len(lower) and (word, lower[i + 1]) in IDIOMS:
            entry = lexicon.lookup(IDIOMS[(word, lower[i + 1])])
            skip.update((i, i + 1))
            negated = False
        else:
            if word in c.negators or word in c.scales:
                continue
            entry = _entry(word)
            before = [
                w
                for k, w in enumerate(
                    lower[max(0, i - NEGATION_WINDOW) : i], max(0, i - NEGATION_WINDOW)
                )
                if k not in skip
            ]
            negated = any(w in c.negators or w.endswith("n't") for w in before)
        if entry is None:
            continue
        # A word the norms rate but no categorical source names: named by its region.
        named = entry.condition()
        if not named.mixture:
            continue
        level = named.intensity
        for w in lower[max(0, i - SCALE_WINDOW) : i]:
            level *= c.scales.get(w, 1.0)
        if shouting and tokens[i].isupper():
            level += CAPS_STEP
        share = (BUT_AFTER if i > but else BUT_BEFORE) if but >= 0 else 1.0
        mixture = dict(named.mixture)
        if negated:
            positive = entry.vad[0] > 0.0  # by the word's rated valence
            emotion, kept = NEGATED_POSITIVE if positive else NEGATED_NEGATIVE
            mixture, level = {emotion: 1.0}, level * kept
            used.append(f"not {tokens[i]}")
        else:
            used.append(tokens[i])
        for e, w in mixture.items():
            weights[e] += w * level * share  # "but" decides the blend, not the strength
        peak = max(peak, level)
    exclaims = min(EXCLAIM_MAX, text.count("!"))
    question = text.rstrip().endswith(("?", "?!", "!?"))
    if peak == 0.0 and question:
        emotion = "surprise" if exclaims else "anticipation"
        weights[emotion] = peak = QUESTION_INTENSITY
        used.append("?!" if exclaims else "?")
    if peak == 0.0:
        return Sentence(text, Condition.neutral(), tuple(used))
    if exclaims:
        peak += EXCLAIM_STEP * exclaims
        used.append("!" * exclaims)
    total = sum(weights.values())
    mix = {e: w / total for e, w in weights.items() if w / total >= 0.1}
    return Sentence(text, Condition.from_mixture(mix, min(1.0, peak), normalise=True), tuple(used))


def propose(text: str) -> list[Sentence]:
    """An emotion per sentence, smoothed along the script."""
    return smooth([read_sentence(s) for s in sentences(text)])


def smooth(read: Sequence[Sentence]) -> list[Sentence]:
    """Each sentence keeps a little of the one before; one without cues carries the
    previous mood, fading."""
    out: list[Sentence] = []
    for s in read:
        if out:
            prev = out[-1].condition
            if s.condition.intensity == 0.0 and prev.intensity > 0.0:
                s = Sentence(s.text, prev.with_intensity(prev.intensity * PERSIST), s.cues)
            elif s.condition.intensity > 0.0:
                s = Sentence(s.text, blend(s.condition, prev, CARRY), s.cues)
        out.append(s)
    return out


def tag(condition: Condition) -> str:
    """The inline tag that speaks ``condition``: ``[joy:0.420,trust:0.180]``; each weight is
    that primary's share of the intensity, as the speech and face plugins read tags."""
    parts = [
        f"{e}:{w * condition.intensity:.3f}"
        for e, w in sorted(condition.mixture.items(), key=lambda kv: -kv[1])
        if round(w * condition.intensity, 3) > 0
    ]
    return f"[{','.join(parts)}]" if parts else "[neutral]"


def tagged_script(text: str) -> str:
    """The script with the proposed emotion as an inline tag before each sentence (its
    paragraphs kept)."""
    blocks = [sentences(b) for b in _PARAGRAPH.split(text) if b.strip()]
    props = smooth([read_sentence(s) for block in blocks for s in block])
    out, i = [], 0
    for block in blocks:
        out.append(" ".join(f"{tag(p.condition)} {p.text}" for p in props[i : i + len(block)]))
        i += len(block)
    return "\n\n".join(b for b in out if b)


def timed(props: Sequence[Sentence]) -> list[tuple[float, float]]:
    """Estimated (start, end) seconds of each sentence at a conversational rate."""
    spans = []
    t = 0.0
    for s in props:
        length = max(0.6, len(_WORD.findall(s.text)) / WORDS_PER_SECOND)
        spans.append((t, t + length))
        t += length + SENTENCE_PAUSE_S
    return spans


def trajectory(props: Sequence[Sentence]) -> Trajectory:
    """The arc as a trajectory (a keyframe in the middle of each sentence, at its
    estimated time, and one at each end) for the arc editor or ``--trajectory``."""
    if not props:
        raise ValueError("script: no sentences to read an arc from")
    spans = timed(props)
    points = [(0.0, props[0].condition)]
    for (start, end), s in zip(spans, props, strict=True):
        mid = (start + end) / 2
        if mid > points[-1][0]:
            points.append((mid, s.condition))
    points.append((spans[-1][1], props[-1].condition))
    return Trajectory.of(points)


def describe(props: Sequence[Sentence]) -> list[str]:
    """One line per sentence: estimated time, name, intensity, the sentence and its cues."""
    lines = []
    for (start, end), s in zip(timed(props), props, strict=True):
        cues = f"  [{', '.join(s.cues)}]" if s.cues else ""
        lines.append(f"{start:6.1f}–{end:5.1f} s  {s.name:<14} {s.intensity:.2f}  {s.text}{cues}")
    return lines
