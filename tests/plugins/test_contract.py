"""Contract details not covered by the conformance suite."""

import pytest


def test_long_rejected_input_is_cut_short_in_the_message() -> None:
    from pydantic import Field, ValidationError

    from studio.plugins.contract import Params, _one_line

    class P(Params):
        word: str = Field(max_length=5)

    with pytest.raises(ValidationError) as info:
        P(word="x" * 100_000)
    line = _one_line(info.value, "params")
    assert "100000 characters" in line
    assert len(line) < 200


def test_a_message_that_already_quotes_the_input_does_not_repeat_it() -> None:
    from pydantic import Field, ValidationError, field_validator

    from studio.plugins.contract import Params, _one_line

    class P(Params):
        voice: str = Field("joe")

        @field_validator("voice")
        @classmethod
        def _known(cls, value: str) -> str:
            raise ValueError(f"unknown voice {value!r}; available: joe")

    with pytest.raises(ValidationError) as info:
        P(voice="bob")
    line = _one_line(info.value, "params")
    assert line == "params.voice: unknown voice 'bob'; available: joe"
