"""``Role.CHOICE_FILE``: a file field that stands in for a choice field's entries must be
an optional path naming another field that offers choices (the conformance suite runs
``check_roles`` on every generator)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field

from studio.plugins import Params
from studio.plugins.roles import Role, check_roles, choice_files, file_extensions


class Mood(Enum):
    CALM = "calm"
    WILD = "wild"


def test_a_file_standing_in_for_a_choice_fits() -> None:
    class Good(Params):
        photo: Annotated[str | None, Role.INPUT_FILE, Role.CHOICE_FILE] = Field(
            None, json_schema_extra={"choice_of": "who", "extensions": [".PNG", "jpg", 3]}
        )
        who: Literal["ava", "ben"] = "ava"
        sketch: Annotated[Path | None, Role.CHOICE_FILE] = Field(
            None, json_schema_extra={"choice_of": "mood"}
        )
        mood: Mood = Mood.CALM
        listed: Annotated[str | None, Role.CHOICE_FILE] = Field(
            None, json_schema_extra={"choice_of": "named"}
        )
        named: str = Field("x", json_schema_extra={"choices": ["x", "y"]})

    assert check_roles(Good) == []
    assert choice_files(Good) == {"who": "photo", "mood": "sketch", "named": "listed"}
    # Only well-formed extensions are offered to the picker, lower-cased.
    assert file_extensions(Good.model_fields["photo"]) == (".png",)
    assert file_extensions(Good.model_fields["sketch"]) == ()


def test_a_choice_file_role_that_does_not_fit_is_named() -> None:
    class Bad(Params):
        count: Annotated[int | None, Role.CHOICE_FILE] = Field(
            None, json_schema_extra={"choice_of": "who"}
        )
        unnamed: Annotated[str | None, Role.CHOICE_FILE] = None
        required: Annotated[str, Role.CHOICE_FILE] = Field(
            ..., json_schema_extra={"choice_of": "who"}
        )
        nowhere: Annotated[str | None, Role.CHOICE_FILE] = Field(
            None, json_schema_extra={"choice_of": "nobody"}
        )
        free: Annotated[str | None, Role.CHOICE_FILE] = Field(
            None, json_schema_extra={"choice_of": "title"}
        )
        who: Literal["ava", "ben"] = "ava"
        title: str = ""

    problems = check_roles(Bad)
    assert "count: role 'choice-file' needs str or Path, field is int" in problems
    assert any(p.startswith("unnamed:") and "choice_of" in p for p in problems)
    assert any(p.startswith("required:") and "optional" in p for p in problems)
    assert any(p.startswith("nowhere:") and "'nobody'" in p for p in problems)
    assert any(p.startswith("free:") and "offers no choices" in p for p in problems)
    assert len(problems) == 5
    # Only a pairing that checks out merges into a menu.
    assert choice_files(Bad) == {}
