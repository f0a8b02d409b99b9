"""Merging dataset.json files with the original system's semantics."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from arcforge.datasets import load_dataset, merge_dataset_files
from arcforge.errors import DatasetError, InvalidTaskError

A = {"train": [{"input": [[1]], "output": [[2]]}], "test": [{"input": [[3]], "output": [[4]]}]}
B = {"train": [{"input": [[5]], "output": [[6]]}], "test": [{"input": [[7]]}]}


def _write(folder: Path, name: str, entries: list) -> None:
    (folder / name).write_text(json.dumps(entries))


def test_identical_entries_merge_signers_and_output_is_sorted(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "1.json",
        [
            {"task_id": "zz", "version": 0, "signed_by": ["ann"], **A},
            {"task_id": "aa", "version": 1, "signed_by": ["ann"], **B},
        ],
    )
    _write(
        tmp_path,
        "2.json",
        [
            {"id": "zz", "version": 0, "signed_by": ["bo", "ann"], **A},  # old spelling of the key
            {"task_id": "aa", "version": 0, "signed_by": ["cy"], **A},
        ],
    )
    warnings: list[str] = []
    entries = merge_dataset_files(tmp_path, warn=warnings.append)
    assert [(e["task_id"], e["version"]) for e in entries] == [("aa", 0), ("aa", 1), ("zz", 0)]
    assert entries[2]["signed_by"] == ["ann", "bo"]
    assert all("id" not in e for e in entries)
    assert warnings == []


def test_different_content_keeps_the_first_and_warns(tmp_path: Path) -> None:
    _write(tmp_path, "a.json", [{"task_id": "t1", "version": 0, "signed_by": ["ann"], **A}])
    _write(tmp_path, "b.json", [{"task_id": "t1", "version": 0, "signed_by": ["bo"], **B}])
    warnings: list[str] = []
    entries = merge_dataset_files(tmp_path, warn=warnings.append)
    assert len(entries) == 1
    assert entries[0]["train"] == A["train"] and entries[0]["signed_by"] == ["ann"]
    assert len(warnings) == 1
    assert "b.json: entry [0]: t1 v0 differs from" in warnings[0] and "a.json" in warnings[0]


def test_merged_output_loads_as_a_dataset(tmp_path: Path, fixtures: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    entries = json.loads((fixtures / "dataset.json").read_text())
    _write(inputs, "first.json", entries[:2])
    _write(inputs, "second.json", entries[1:])
    merged = merge_dataset_files(inputs)
    out = tmp_path / "merged.json"
    out.write_text(json.dumps(merged))
    assert load_dataset(out).content_hash == load_dataset(fixtures / "dataset.json").content_hash


def test_invalid_entries_and_files_are_refused(tmp_path: Path) -> None:
    _write(tmp_path, "a.json", [{"task_id": "t1", "version": 0, "train": [], "test": []}])
    with pytest.raises(InvalidTaskError, match="train: has no pairs"):
        merge_dataset_files(tmp_path)
    _write(tmp_path, "a.json", {"t1": A})
    with pytest.raises(DatasetError, match="not a dataset.json"):
        merge_dataset_files(tmp_path)
    with pytest.raises(DatasetError, match="not a folder"):
        merge_dataset_files(tmp_path / "a.json")
