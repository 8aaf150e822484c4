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
