"""--task-ids parsing (the original system's JSON list, comma lists, @file), slices, versions."""

from __future__ import annotations

from pathlib import Path

import pytest

from arcforge.datasets import load_dataset, parse_task_ids, parse_task_slice, select_tasks
from arcforge.errors import UnknownTaskError, UsageError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('["007bbfb7","00d62c1b"]', ["007bbfb7", "00d62c1b"]),
        ('[ "007bbfb7" ]', ["007bbfb7"]),
        ('"007bbfb7"', ["007bbfb7"]),
        ("007bbfb7,00d62c1b", ["007bbfb7", "00d62c1b"]),
        (" 007bbfb7 , 00d62c1b ,", ["007bbfb7", "00d62c1b"]),
        ("007bbfb7 00d62c1b 007bbfb7", ["007bbfb7", "00d62c1b"]),
    ],
)
def test_parse_task_ids_forms(text: str, expected: list[str]) -> None:
    assert parse_task_ids(text) == expected


def test_parse_task_ids_from_a_file(tmp_path: Path) -> None:
    (tmp_path / "ids.txt").write_text("a1\nb2\n\nc3\n")
    (tmp_path / "ids.json").write_text('["x", "y"]')
    assert parse_task_ids(f"@{tmp_path / 'ids.txt'}") == ["a1", "b2", "c3"]
    assert parse_task_ids(f"@{tmp_path / 'ids.json'}") == ["x", "y"]
    with pytest.raises(UsageError, match="cannot read"):
        parse_task_ids(f"@{tmp_path / 'missing.txt'}")


@pytest.mark.parametrize("text", ['["007bbfb7"', "['007bbfb7']", '["a",]'])
def test_invalid_json_says_so(text: str) -> None:
    with pytest.raises(UsageError, match="is not valid JSON") as info:
        parse_task_ids(text)
    assert "\n" not in str(info.value)
    assert info.value.exit_code == 2


@pytest.mark.parametrize("text", ["[1, 2]", '{"a": 1}', '[""]', "  ", "[]"])
def test_json_that_is_not_a_list_of_ids_is_refused(text: str) -> None:
    with pytest.raises(UsageError):
        parse_task_ids(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[0:10]", slice(0, 10)),
        ("[5:]", slice(5, None)),
        (":3", slice(None, 3)),
        ("[-5:]", slice(-5, None)),
        ("[::2]", slice(None, None, 2)),
        ("[3]", slice(3, 4)),
        ("[-1]", slice(-1, None)),
    ],
)
def test_parse_task_slice(text: str, expected: slice) -> None:
    assert parse_task_slice(text) == expected


@pytest.mark.parametrize("text", ["[a:b]", "[1:2:0]", "1-3", ""])
def test_bad_slices_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError, match="--tasks"):
        parse_task_slice(text)


def test_select_in_given_order_then_slice_then_max(embedded) -> None:
    dataset = embedded("arc-agi-2/evaluation")
    ids = dataset.ids
    assert [t.id for t in select_tasks(dataset, task_ids=[ids[5], ids[1], ids[3]])] == [
        ids[5],
        ids[1],
        ids[3],
    ]
    assert [t.id for t in select_tasks(dataset, task_slice=slice(10, 20), max_tasks=3)] == ids[10:13]
    assert [t.id for t in select_tasks(dataset, task_slice=slice(-2, None))] == ids[-2:]
    assert select_tasks(dataset, max_tasks=0) == []
    assert len(select_tasks(dataset)) == 120


def test_unknown_ids_are_all_listed(embedded) -> None:
    dataset = embedded("arc-agi-2/evaluation")
    with pytest.raises(UnknownTaskError) as info:
        select_tasks(dataset, task_ids=["nope1", dataset.ids[0], "nope2"])
    assert info.value.missing == ["nope1", "nope2"]
    assert "nope1, nope2" in str(info.value)


def test_versions(fixtures: Path) -> None:
    dataset = load_dataset(fixtures / "dataset.json")
    assert [t.id for t in select_tasks(dataset)] == ["5582e5ca", "6150a2bd", "d631b094"]
    assert [(t.id, t.version) for t in select_tasks(dataset, version=1)] == [("d631b094", 1)]
    assert len(select_tasks(dataset, version=None)) == 4
    with pytest.raises(UnknownTaskError, match="6150a2bd v1"):
        select_tasks(dataset, task_ids=["6150a2bd", "d631b094"], version=1)
