"""Overlap of two datasets by id and by content (pair order ignored)."""

from __future__ import annotations

import json
from pathlib import Path

from arcforge.datasets import content_key, dataset_overlap, load_dataset


def test_arc_agi_1_evaluation_inside_arc_agi_2_training(embedded) -> None:
    result = dataset_overlap(embedded("arc-agi-1/evaluation"), embedded("arc-agi-2/training"))
    assert len(result.shared_ids) == 376
    assert len(result.same_content) == 353
    assert len(result.changed) == 23
    assert set(result.same_content) | set(result.changed) == set(result.shared_ids)


def test_pair_order_is_ignored_but_split_and_ids_are_tracked(tmp_path: Path, fixtures: Path) -> None:
    tasks = {p.stem: json.loads(p.read_text()) for p in (fixtures / "tasks").glob("*.json")}
    first = tasks["6150a2bd"]
    reordered = {"train": list(reversed(first["train"])), "test": first["test"]}
    resplit = {"train": first["train"][:-1] + first["test"], "test": first["train"][-1:]}
    (tmp_path / "b_challenges.json").write_text(
        json.dumps(
            {
                "6150a2bd": reordered,
                "5582e5ca": resplit,
                "renamed1": tasks["d631b094"],
            }
        )
    )
    a, b = load_dataset(fixtures / "tasks"), load_dataset(tmp_path / "b_challenges.json")
    assert content_key(a.get("6150a2bd")) == content_key(b.get("6150a2bd"))
    result = dataset_overlap(a, b)
    assert result.shared_ids == ("5582e5ca", "6150a2bd")
    assert result.same_content == ("6150a2bd",)
    assert result.changed == ("5582e5ca",)
    assert result.moved == (("d631b094", "renamed1"),)
    assert result.to_dict()["moved"] == [["d631b094", "renamed1"]]
