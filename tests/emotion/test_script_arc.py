"""The arc proposed from a script: per-sentence emotion from lexicon cues, negation,
intensifiers, hedges and punctuation; smoothing; tags and trajectory out."""

from __future__ import annotations

import pytest

from studio.emotion import Trajectory
from studio.emotion import script_arc as sa

# Sentences with the emotion people name them by (the primary; "neutral" for none).
# Written for this table: everyday lines an artist might put in a script, with negation,
# intensifier and hedge cases. Judged by the dominant primary of the proposal.
TABLE: list[tuple[str, str]] = [
    ("I am so happy today!", "joy"),
    ("This is the best day of my life, I'm thrilled!", "joy"),
    ("We laughed all night.", "joy"),
    ("What a wonderful surprise party.", "joy"),
    ("I'm very proud of you.", "joy"),
    ("She smiled at me and I felt glad.", "joy"),
    ("I am not happy about this.", "sadness"),
    ("I'm not glad it ended this way.", "sadness"),
    ("He never felt proud of his work.", "sadness"),
    ("I miss you so much.", "sadness"),
    ("My grandmother died last winter.", "sadness"),
    ("I feel so lonely in this city.", "sadness"),
    ("She cried herself to sleep.", "sadness"),
    ("We lost everything in the fire.", "sadness"),
    ("I am furious with you!", "anger"),
    ("That is so unfair, I hate it.", "anger"),
    ("He is really annoyed at the delay.", "anger"),
    ("Stop lying to me, you liar!", "anger"),
    ("I'm terrified of the dark.", "fear"),
    ("Something is moving in the shadows and I'm scared.", "fear"),
    ("Please don't hurt me, I'm afraid.", "fear"),
    ("The house felt dangerous at night.", "fear"),
    ("I am extremely frightened.", "fear"),
    ("Wow, I did not expect that at all!", "surprise"),
    ("I was shocked when the door opened.", "surprise"),
    ("Suddenly, the lights went out!", "surprise"),
    ("That is amazing!", "surprise"),
    ("This food smells rotten.", "disgust"),
    ("That is disgusting.", "disgust"),
    ("Ugh, the bathroom is gross.", "disgust"),
    ("I trust you completely.", "trust"),
    ("You can count on me.", "trust"),
    ("I feel safe with you.", "trust"),
    ("I can't wait for tomorrow.", "anticipation"),
    ("What will happen next?", "anticipation"),
    ("I'm so eager to start.", "anticipation"),
    ("The meeting is at three.", "neutral"),
    ("We walked to the station and bought two tickets.", "neutral"),
    ("The report has four pages.", "neutral"),
    ("I am not afraid anymore.", "joy"),
    ("I'm not sad, just tired.", "joy"),
    ("Maybe I am a little worried.", "sadness"),
    ("It was a wonderful day, but then I felt so sad.", "sadness"),
    ("I'm happy, but also really scared.", "fear"),
]
PASS_RATE = 0.85


def dominant(sentence: sa.Sentence) -> str:
    c = sentence.condition
    if c.intensity == 0.0 or not c.mixture:
        return "neutral"
    return max(c.mixture.items(), key=lambda kv: kv[1])[0]


def test_table_is_big_enough() -> None:
    assert len(TABLE) >= 40
    assert sum("not " in s or "n't" in s or "never" in s for s, _ in TABLE) >= 6
    assert (
        sum(
            any(w in s.lower().split() for w in ("so", "very", "really", "extremely"))
            for s, _ in TABLE
        )
        >= 6
    )


def test_proposer_names_the_table_mostly_right() -> None:
    wrong = [(s, want, dominant(sa.read_sentence(s))) for s, want in TABLE]
    wrong = [w for w in wrong if w[1] != w[2]]
    rate = 1 - len(wrong) / len(TABLE)
    assert rate >= PASS_RATE, f"{rate:.0%} right; wrong: {wrong}"


def test_negation_shifts_toward_the_other_side_not_across() -> None:
    happy = sa.read_sentence("I am happy.")
    not_happy = sa.read_sentence("I am not happy.")
    assert dominant(happy) == "joy" and dominant(not_happy) == "sadness"
    assert not_happy.condition.valence < 0 < happy.condition.valence
    assert not_happy.intensity < happy.intensity  # mild, not the opposite extreme
    not_scared = sa.read_sentence("I am not scared.")
    assert not_scared.condition.valence > 0 and not_scared.intensity < 0.4


def test_intensifiers_and_hedges_scale_intensity() -> None:
    plain = sa.read_sentence("I am sad.").intensity
    assert sa.read_sentence("I am very sad.").intensity > plain
    assert (
        sa.read_sentence("I am extremely sad.").intensity
        > sa.read_sentence("I am very sad.").intensity
    )
    assert sa.read_sentence("Maybe I am a little sad.").intensity < plain
    assert sa.read_sentence("I am slightly sad.").intensity < plain


def test_exclamation_raises_and_question_reads_as_curiosity() -> None:
    assert sa.read_sentence("I am angry!").intensity > sa.read_sentence("I am angry.").intensity
    assert dominant(sa.read_sentence("Where are we going?")) == "anticipation"
    assert dominant(sa.read_sentence("Where are we going?!")) == "surprise"


def test_idiom_is_not_negation() -> None:
    s = sa.read_sentence("I can't wait to see you.")
    assert dominant(s) == "anticipation" and s.condition.valence > -0.1


def test_smoothing_carries_mood_into_plain_sentences() -> None:
    props = sa.propose("I am furious! We drove to the shop. The shop was closed.")
    assert [dominant(p) for p in props] == ["anger", "anger", "anger"]
    assert props[0].intensity > props[1].intensity > props[2].intensity > 0


def test_sentences_split_on_marks_and_lines_and_ignore_tags() -> None:
    assert sa.sentences("Hi there. How are you?\nFine!") == ["Hi there.", "How are you?", "Fine!"]
    assert sa.sentences("[joy] Hello. [sadness:0.5] Bye.") == ["Hello.", "Bye."]
    assert sa.sentences("... !!! ") == []


def test_tagged_script_is_read_back_by_the_speech_tags() -> None:
    from generators.speech import tags

    text = "I am so happy! The bus came.\n\nI am not happy. I'm terrified."
    tagged = sa.tagged_script(text)
    assert tagged.count("\n\n") == 1
    parts = tags.parse(tagged)
    assert len(parts) == 4 and all(p.condition is not None for p in parts)
    names = [p.condition.name for p in parts if p.condition is not None]
    proposed = [p.name for p in sa.propose(text)]
    assert names == proposed


def test_paragraphs_carry_the_tag_in_force() -> None:
    assert sa.paragraphs("[joy] Hi.\n\nBye.\n\n[fear] Run.") == [
        "[joy] Hi.",
        "[joy] Bye.",
        "[fear] Run.",
    ]


def test_trajectory_follows_the_sentences_in_order() -> None:
    props = sa.propose("I am so happy! I am very sad. I am furious!")
    traj = sa.trajectory(props)
    assert isinstance(Trajectory.from_json(traj.to_json()), Trajectory)
    spans = sa.timed(props)
    for (start, end), p in zip(spans, props, strict=True):
        assert traj.at((start + end) / 2).name == p.name
    assert traj.end == pytest.approx(spans[-1][1])


def test_empty_script_has_no_arc() -> None:
    assert sa.propose("   \n") == []
    with pytest.raises(ValueError, match="no sentences"):
        sa.trajectory([])
