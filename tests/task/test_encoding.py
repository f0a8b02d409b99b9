import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arcforge.errors import InvalidTaskError, UsageError
from arcforge.task import Grid, Pair, Task
from arcforge.task.encoding import (
    COLOR_NAMES,
    ENCODINGS,
    GridDecodeError,
    decode_grid,
    encode_grid,
    encode_task,
    get_encoding,
)

GRID = Grid([[0, 1, 2], [7, 8, 9]])


def test_registry_names_and_versions():
    assert list(ENCODINGS) == ["json-rows", "digits", "spaced", "color-names"]
    for name, encoding in ENCODINGS.items():
        assert encoding.name == name
        assert encoding.version >= 1
        assert encoding.label == f"{name}@{encoding.version}"
    with pytest.raises(TypeError):
        ENCODINGS["new"] = ENCODINGS["digits"]


@pytest.mark.parametrize(
    ("encoding", "text"),
    [
        ("json-rows", "[[0,1,2],\n [7,8,9]]"),
        ("digits", "012\n789"),
        ("spaced", "0 1 2\n7 8 9"),
        ("color-names", "black blue red\norange light-blue maroon"),
    ],
)
def test_each_encoding_writes_one_row_per_line(encoding, text):
    assert encode_grid(GRID, encoding) == text
    assert decode_grid(text, encoding) == GRID


def test_json_rows_is_json_and_the_default():
    assert json.loads(encode_grid(GRID)) == GRID.to_list()
    assert decode_grid("  [[0, 1, 2],[7,8,9]]\n") == GRID


@st.composite
def grids(draw, max_side=30):
    height, width = draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    cells = draw(st.binary(min_size=height * width, max_size=height * width))
    return Grid.from_bytes(height, width, bytes(b % 10 for b in cells))


@settings(deadline=None)  # a loaded, shared machine must not fail a property on timing
@given(grids(), st.sampled_from(list(ENCODINGS)))
def test_every_encoding_round_trips(grid, encoding):
    assert decode_grid(encode_grid(grid, encoding), encoding) == grid


def test_decoding_tolerates_surrounding_whitespace():
    assert decode_grid("\n\n012  \n  789\n\n", "digits") == GRID
    assert decode_grid("Black  BLUE red\norange azure maroon", "color-names") == GRID


@pytest.mark.parametrize(
    ("encoding", "text", "fragment"),
    [
        ("digits", "012\n78", "ragged"),
        ("digits", "012\n7a9", "line 2"),
        ("digits", "", "empty"),
        ("digits", "012\n\n789", "line 2 is blank"),
        ("spaced", "0 1 2\n7 89 9", "line 2"),
        ("json-rows", "[[0,1],[2,", "not JSON"),
        ("json-rows", "[[0,12]]", "outside 0-9"),
        ("color-names", "black pink", "'pink'"),
    ],
)
def test_decoding_bad_text_names_the_problem(encoding, text, fragment):
    with pytest.raises(GridDecodeError) as info:
        decode_grid(text, encoding)
    assert isinstance(info.value, InvalidTaskError)
    assert fragment in " ".join(info.value.problems)


def test_unknown_encoding_lists_the_known_ones():
    with pytest.raises(UsageError, match="json-rows, digits, spaced, color-names"):
        encode_grid(GRID, "base64")
    assert get_encoding(ENCODINGS["digits"]) is ENCODINGS["digits"]


def test_colour_names_are_one_word_each():
    assert len(COLOR_NAMES) == 10
    assert all(" " not in name for name in COLOR_NAMES)


def make_task():
    return Task(
        id="t",
        train=(Pair(Grid([[1, 2]]), Grid([[2], [1]])), Pair(Grid([[3]]), Grid([[4]]))),
        test=(Pair(Grid([[5, 6]]), Grid([[6, 5]])),),
    )


def test_encode_task_hides_test_outputs_unless_asked():
    text = encode_task(make_task(), "digits")
    assert text == (
        "Example 1\nInput (1x2):\n12\nOutput (2x1):\n2\n1\n\n"
        "Example 2\nInput (1x1):\n3\nOutput (1x1):\n4\n\n"
        "Test 1\nInput (1x2):\n56\n"
    )
    assert "65" not in text
    shown = encode_task(make_task(), "digits", include_test_outputs=True)
    assert shown.endswith("Test 1\nInput (1x2):\n56\nOutput (1x2):\n65\n")


def test_encode_task_uses_the_chosen_encoding():
    assert "[[1,2]]" in encode_task(make_task())
    assert "blue red" in encode_task(make_task(), "color-names")
