"""`make run`'s benchmark on the bundled model (slow: the tiny model reads its prompt at ~20 tokens/s)."""

from __future__ import annotations

import json

import pytest

from arcforge.datasets import load_dataset
from arcforge.pipelines.main_job import run_main_benchmark, shortest_prompt_tasks
from arcforge.settings import load_settings

pytestmark = [pytest.mark.local_model, pytest.mark.slow, pytest.mark.timeout(900)]


def test_main_benchmark_runs_the_bundled_model_end_to_end(tmp_path, capsys):
    outcome, report = run_main_benchmark(load_settings(), out=tmp_path / "run", task_count=1, max_tokens=24)
    assert report == tmp_path / "run" / "report.html" and outcome.run_dir == tmp_path / "run"
    assert capsys.readouterr().out == ""  # a library function: the caller prints
    score = json.loads((tmp_path / "run" / "score.json").read_text())
    task = shortest_prompt_tasks(load_dataset("arc-agi-2/evaluation").tasks, 1, agent="direct")[0]
    assert list(score["per_task"]) == [task.id]
    assert score["samples"] == 2 and score["errors"] == 0  # the model answered (right, wrong or unparsable)
    assert score["tokens"]["completion_tokens"] > 0
    records = [json.loads(line) for line in (tmp_path / "run" / "records.jsonl").read_text().splitlines()]
    assert sorted(r["status"] for r in records) == sorted(
        "parse_failure" if r["attempts"] is None else "ok" for r in records
    )
    assert all(r["completion"] for r in records)
    assert "<svg" in report.read_text()
