"""The one CSV reader and the direction-table schema: every error names file, row, column."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.emotion import DirectionSpace
from studio.emotion.tables import TableError, read_table

HEADER = "control,neutral,lower,upper,joy,trust,fear,anticipation,arousal,source"
GOOD = [
    "tempo,100,40,200,20,0,10,5,40,Gabrielsson & Lindström 2010",
    "minor,0.5,0,1,-0.4,-0.2,0.3,0,,Eerola et al. 2013",
]


def write(tmp_path: Path, *lines: str, name: str = "dirs.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_expect_reorders_to_the_generators_order(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER, *GOOD)
    s = DirectionSpace.from_csv(path, expect=("minor", "tempo"))
    assert s.controls == ("minor", "tempo")
    assert s.neutral.tolist() == [0.5, 100.0]
    assert s.primaries["joy"].tolist() == [-0.4, 20.0]


@pytest.mark.parametrize(
    ("lines", "expect", "message"),
    [
        ([HEADER, *GOOD], ("tempo",), r"unexpected 'minor' \(row 3\)"),
        ([HEADER, *GOOD], ("tempo", "minor", "swing"), r"missing \['swing'\]"),
        (
            [HEADER, GOOD[0], "tempo,1,0,2,0,0,0,0,0,again"],
            None,
            r"row 3: control 'tempo' repeats row 2",
        ),
        (
            [HEADER, GOOD[0], "minor,x,0,1,0,0,0,0,0,s"],
            None,
            r"row 3: column 'neutral': 'x' is not a number",
        ),
        (
            [HEADER, GOOD[0], "minor,nan,0,1,0,0,0,0,0,s"],
            None,
            r"row 3: column 'neutral': 'nan' is not finite",
        ),
        (
            [HEADER, GOOD[0], "minor,0.5,0,1,,0,0,0,0,s"],
            None,
            r"row 3: column 'joy' is empty but others",
        ),
        ([HEADER, GOOD[0], "minor,5,0,1,0,0,0,0,0,s"], None, r"row 3: neutral lies outside"),
        ([HEADER, GOOD[0], "minor,0.5,0,1,0,0,0,0,0,"], None, r"row 3: column 'source' is empty"),
        ([HEADER, GOOD[0], "minor,0.5,0,1,0,0,0,0,0,s,extra"], None, r"row 3: more cells"),
        ([HEADER.replace("arousal", "arousl"), *GOOD], None, r"unknown column\(s\) arousl"),
        ([HEADER.replace("neutral", "neutr"), *GOOD], None, r"header lacks column\(s\) neutral"),
        ([HEADER], None, r"no rows"),
        (
            [
                HEADER.replace("joy,", "").replace("trust,", "").replace("fear,", "joy_,"),
                "a,0,0,1,1,1,1,s",
            ],
            None,
            r"unknown column",
        ),
    ],
)
def test_bad_tables_name_the_row(
    tmp_path: Path, lines: list[str], expect: tuple[str, ...] | None, message: str
) -> None:
    path = write(tmp_path, *lines)
    with pytest.raises(TableError, match=message) as info:
        DirectionSpace.from_csv(path, expect=expect)
    assert "dirs.csv" in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_primary_and_opposite_is_a_table_error(tmp_path: Path) -> None:
    header = "control,neutral,joy,trust,fear,source"
    path = write(tmp_path, header, "tempo,1,1,1,1,s")  # neither anticipation nor surprise
    with pytest.raises(TableError, match=r"dirs.csv: primaries: neither"):
        DirectionSpace.from_csv(path)


def test_read_table_rows_and_blank_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "a,b", "1,x", "", "2,", name="t.csv")
    rows = read_table(path, required=("a",), optional=("b",))
    assert [r.line for r in rows] == [2, 4]
    assert rows[0].integer("a") == 1 and rows[0].text("b") == "x"
    assert rows[1].optional_number("b") is None and not rows[1].has("b")
    with pytest.raises(TableError, match=r"t.csv row 4: column 'b' is empty"):
        rows[1].text("b")
    with pytest.raises(TableError, match=r"t.csv row 2: column 'b': 'x' is not a number"):
        rows[0].number("b")


@pytest.mark.parametrize(
    "module",
    [
        "generators.music.attributes",
        "generators.image.attributes",
        "generators.speech.prosody",
        "generators.talking_head.expression",
    ],
)
def test_every_generator_loads_its_table_through_the_one_loader(module: str) -> None:
    import importlib

    mod = importlib.import_module(module)
    mod.space.cache_clear()
    space = mod.space()
    assert isinstance(space, DirectionSpace)
    assert all(space.sources[c] for c in space.controls)
