"""Export to a folder, a dataset.json and Kaggle files, each loading back to the same content."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from arcforge.datasets import export_tasks, load_dataset, select_tasks
from arcforge.errors import UsageError


@pytest.mark.parametrize("to", ["dir", "dataset-json", "kaggle"])
def test_round_trip_keeps_the_content_hash(tmp_path: Path, fixtures: Path, to: str) -> None:
    source = load_dataset(fixtures / "tasks")
    out = tmp_path / ("out.json" if to == "dataset-json" else "out")
    written = export_tasks(source.tasks, out, to=to)
    assert all(path.is_file() for path in written)
    spec = written[0] if to == "kaggle" else out
    again = load_dataset(spec)
    assert again.content_hash == source.content_hash
    assert again.format == {"dir": "dir", "dataset-json": "dataset-json", "kaggle": "kaggle"}[to]


def test_kaggle_challenges_hold_no_test_outputs(tmp_path: Path, embedded) -> None:
    tasks = select_tasks(embedded("arc-agi-2/evaluation"), max_tasks=5)
    challenges, solutions = export_tasks(tasks, tmp_path / "eval_challenges.json", to="kaggle")
    assert solutions.name == "eval_solutions.json"
    raw = json.loads(challenges.read_text())
    assert all("output" not in pair for task in raw.values() for pair in task["test"])
    assert list(json.loads(solutions.read_text())) == [t.id for t in tasks]
    assert [t.to_dict() for t in load_dataset(challenges).tasks] == [t.to_dict() for t in tasks]


def test_dataset_json_keeps_versions_and_signers(tmp_path: Path, fixtures: Path) -> None:
    source = load_dataset(fixtures / "dataset.json")
    export_tasks(source.tasks, tmp_path / "d.json", to="dataset-json")
    entries = json.loads((tmp_path / "d.json").read_text())
    assert [(e["task_id"], e["version"], e["signed_by"]) for e in entries][-1] == ("d631b094", 1, ["carol"])
    assert [(t.id, t.version, t.signers, t.to_dict()) for t in load_dataset(tmp_path / "d.json").tasks] == [
        (t.id, t.version, t.signers, t.to_dict()) for t in source.tasks
    ]


def test_one_version_per_task_in_dir_and_kaggle(tmp_path: Path, fixtures: Path) -> None:
    source = load_dataset(fixtures / "dataset.json")
    with pytest.raises(UsageError, match="d631b094"):
        export_tasks(source.tasks, tmp_path / "out", to="dir")
    with pytest.raises(UsageError, match="_challenges.json"):
        export_tasks(source.tasks[:1], tmp_path / "x.json", to="kaggle")
    with pytest.raises(UsageError, match="unknown export format"):
        export_tasks(source.tasks, tmp_path / "out", to="csv")
    assert not (tmp_path / "out").exists()
