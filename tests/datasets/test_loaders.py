"""Loading each format from a path, format detection, and the problems an invalid file reports."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from arcforge.datasets import dataset_problems, detect_format, load_dataset
from arcforge.errors import DatasetError, InvalidTaskError, UnknownTaskError

TASK = {"train": [{"input": [[1, 0]], "output": [[0, 1]]}], "test": [{"input": [[2, 0]], "output": [[0, 2]]}]}


def test_folder_of_task_files(fixtures: Path) -> None:
    dataset = load_dataset(fixtures / "tasks")
    assert dataset.format == "dir"
    assert dataset.ids == ["5582e5ca", "6150a2bd", "d631b094"]
    assert dataset.get("6150a2bd").test[0].output is not None


def test_own_versioned_dataset_json_reads_old_id_key_and_versions(fixtures: Path) -> None:
    dataset = load_dataset(fixtures / "dataset.json")
    assert dataset.format == "dataset-json"
    assert [(t.id, t.version) for t in dataset.tasks] == [
        ("5582e5ca", 0),
        ("6150a2bd", 0),
        ("d631b094", 0),
        ("d631b094", 1),
    ]
    assert dataset.get("d631b094", 1).signers == ("carol",)
    assert dataset.get("d631b094").signers == ("bob",)  # this entry says "id", as older files do
    assert dataset.versions("d631b094") == [0, 1]
    v0, v1 = dataset.get("d631b094", 0), dataset.get("d631b094", 1)
    assert v1.train[0].input.to_list() == [
        list(col) for col in zip(*v0.train[0].input.to_list(), strict=True)
    ]


def test_original_systems_dataset_json_loads(shared_fixtures: Path) -> None:
    dataset = load_dataset(shared_fixtures / "dataset.json")
    assert len([t for t in dataset.tasks if t.version == 0]) == 5
    assert dataset.versions("00d62c1b") == [0, 1]
    assert dataset.get("00d62c1b", 1).signers == ("artnoage",)
    with pytest.raises(UnknownTaskError, match="v0"):
        dataset.get("007bbfb7", 1)


def test_kaggle_challenges_take_outputs_from_the_sibling_solutions(tmp_path: Path) -> None:
    challenges = {"aaa": {"train": TASK["train"], "test": [{"input": [[2, 0]]}, {"input": [[3]]}]}}
    (tmp_path / "x_challenges.json").write_text(json.dumps(challenges))
    without = load_dataset(tmp_path / "x_challenges.json")
    assert without.format == "kaggle" and not without.get("aaa").has_test_outputs
    (tmp_path / "x_solutions.json").write_text(json.dumps({"aaa": [[[0, 2]], [[4]]]}))
    for spec in ("x_challenges.json", "x_solutions.json"):
        task = load_dataset(tmp_path / spec).get("aaa")
        assert [p.output.to_list() for p in task.test] == [[[0, 2]], [[4]]]


def test_kaggle_solutions_with_the_wrong_count_are_a_problem(tmp_path: Path) -> None:
    (tmp_path / "x_challenges.json").write_text(json.dumps({"aaa": TASK}))
    (tmp_path / "x_solutions.json").write_text(json.dumps({"aaa": [[[1]], [[2]]], "bbb": [[[1]]]}))
    problems = dataset_problems(tmp_path / "x_challenges.json")
    assert any("aaa: expected 1 test output" in p for p in problems)
    assert any("bbb" in p for p in problems)


def test_single_task_file_and_format_detection(tmp_path: Path, fixtures: Path) -> None:
    (tmp_path / "abc123.json").write_text(json.dumps(TASK))
    (tmp_path / "map.json").write_text(json.dumps({"train": TASK, "test": TASK}))  # ids that look like keys
    assert detect_format(tmp_path / "abc123.json") == "task-file"
    assert load_dataset(tmp_path / "abc123.json").ids == ["abc123"]
    assert detect_format(tmp_path / "map.json") == "kaggle"
    assert load_dataset(tmp_path / "map.json").ids == ["test", "train"]
    assert detect_format(fixtures / "dataset.json") == "dataset-json"
    assert detect_format(fixtures / "tasks") == "dir"


def test_a_file_with_four_problems_names_all_four(tmp_path: Path) -> None:
    bad = {"train": [{"input": [[1, 2], [3]], "output": [[12]]}, {"input": [[0] * 31], "output": [[1]]}]}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    problems = dataset_problems(path)
    text = "\n".join(problems)
    assert len(problems) == 4, text
    assert "train[0].input row 1: has 1 columns, row 0 has 2 (ragged grid)" in text
    assert "train[0].output row 0: column 0 is 12, outside 0-9" in text
    assert "train[1].input row 0: 31 columns (at most 30)" in text
    assert "test: missing" in text
    assert all(p.startswith(str(path)) for p in problems)


def test_every_bad_task_in_a_folder_is_reported(tmp_path: Path, fixtures: Path) -> None:
    shutil.copytree(fixtures / "tasks", tmp_path / "tasks")
    (tmp_path / "tasks" / "zz1.json").write_text('{"train": [}')
    (tmp_path / "tasks" / "zz2.json").write_text(
        json.dumps({"train": TASK["train"], "test": [{"input": [[10]]}]})
    )
    with pytest.raises(InvalidTaskError) as info:
        load_dataset(tmp_path / "tasks")
    assert len(info.value.problems) == 2
    assert "zz1.json: not valid JSON at line 1 column 12" in info.value.problems[0]
    assert "zz2.json: test[0].input row 0: column 0 is 10" in info.value.problems[1]


def test_dataset_json_entry_problems(tmp_path: Path) -> None:
    entries = [
        {"task_id": "a", "version": 0, **TASK},
        {"task_id": "a", "version": 0, **TASK},
        {"version": 1, **TASK},
        {"task_id": "b", "version": -1, **TASK},
        {"task_id": "c", "train": []},
    ]
    path = tmp_path / "dataset.json"
    path.write_text(json.dumps(entries))
    problems = dataset_problems(path)
    assert any("entry [1] a v0: repeats entry [0]" in p for p in problems)
    assert any("entry [2]: missing 'task_id'" in p for p in problems)
    assert any("entry [3] b v-1: 'version' must be" in p for p in problems)
    assert any("entry [4] c v0: train: has no pairs" in p for p in problems)
    assert any("entry [4] c v0: test: missing" in p for p in problems)


def test_missing_paths_and_non_json_are_dataset_errors(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="not a file or folder"):
        load_dataset(tmp_path / "nope.json")
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(DatasetError, match="not a dataset"):
        load_dataset(tmp_path / "notes.txt")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match="has none"):
        load_dataset(tmp_path / "empty")


def test_content_hash_ignores_file_layout_but_not_content(tmp_path: Path, fixtures: Path) -> None:
    folder = load_dataset(fixtures / "tasks")
    mapping = {p.stem: json.loads(p.read_text()) for p in (fixtures / "tasks").glob("*.json")}
    (tmp_path / "all_challenges.json").write_text(json.dumps(mapping, indent=3))
    assert load_dataset(tmp_path / "all_challenges.json").content_hash == folder.content_hash
    mapping["6150a2bd"]["test"][0]["output"][0][0] = (mapping["6150a2bd"]["test"][0]["output"][0][0] + 1) % 10
    (tmp_path / "all_challenges.json").write_text(json.dumps(mapping))
    assert load_dataset(tmp_path / "all_challenges.json").content_hash != folder.content_hash


def test_a_folder_of_split_folders_points_at_them(tmp_path: Path, fixtures: Path) -> None:
    shutil.copytree(fixtures / "tasks", tmp_path / "data" / "training")
    with pytest.raises(DatasetError, match="subfolders training do: pass one of them"):
        load_dataset(tmp_path / "data")
    assert len(load_dataset(tmp_path / "data" / "training")) == 3
