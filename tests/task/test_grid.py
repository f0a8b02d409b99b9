import pytest

from arcforge.errors import InvalidTaskError
from arcforge.task import Grid, Task


def test_grid_round_trips_lists_and_numpy():
    rows = [[0, 1, 2], [3, 4, 5]]
    grid = Grid(rows)
    assert grid.shape == (2, 3)
    assert grid.to_list() == rows
    assert Grid.from_numpy(grid.to_numpy()) == grid
    assert grid[1, 2] == 5
    assert hash(grid) == hash(Grid(rows))


def test_grid_is_immutable():
    grid = Grid([[1]])
    with pytest.raises(AttributeError):
        grid._cells = b"\x02"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("rows", "fragment"),
    [
        ([[1, 2], [3]], "ragged"),
        ([[1, 12]], "column 1 is 12, outside 0-9"),
        ([[0] * 31], "31 columns"),
        ([[0]] * 31, "31 rows"),
        ([], "has no rows"),
        ([[1.5]], "not an integer"),
        ("abc", "expected a list of rows"),
    ],
)
def test_invalid_grids_name_the_problem(rows, fragment):
    with pytest.raises(InvalidTaskError) as info:
        Grid(rows, place="train[2].output")
    assert "train[2].output" in str(info.value)
    assert fragment in " ".join(info.value.problems)


def test_same_cells_different_width_are_different():
    assert Grid([[1, 2, 3, 4]]) != Grid([[1, 2], [3, 4]])


def test_task_collects_every_problem_with_file_and_place():
    data = {"train": [{"input": [[1, 2], [3]], "output": [[12]]}, {"input": [[0] * 31], "output": [[0]]}]}
    with pytest.raises(InvalidTaskError) as info:
        Task.from_dict(data, task_id="bad", source="bad.json")
    text = "\n".join(info.value.problems)
    assert "bad.json: train[0].input row 1" in text and "ragged" in text
    assert "train[0].output row 0: column 0 is 12" in text
    assert "train[1].input row 0: 31 columns" in text
    assert "test: missing" in text


def test_task_hides_test_outputs_on_request():
    task = Task.from_dict(
        {"train": [{"input": [[1]], "output": [[2]]}], "test": [{"input": [[3]], "output": [[4]]}]},
        task_id="t",
    )
    assert task.has_test_outputs
    hidden = task.without_test_outputs()
    assert "output" not in hidden.to_dict()["test"][0]
    assert task.content_hash() != hidden.content_hash()
