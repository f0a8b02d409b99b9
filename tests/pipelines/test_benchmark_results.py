"""From records to submission.json and score.json: blind selection, direct attempts, the oracle."""

from __future__ import annotations

import json

import pytest

from arcforge.datasets.dataset import Dataset
from arcforge.engine import RunDirectory
from arcforge.pipelines.benchmark import BenchmarkOptions, finish_benchmark
from arcforge.pipelines.submission import load_submission
from arcforge.task.grid import Grid
from arcforge.task.model import Pair, Task

X = [[1, 1], [1, 1]]
Y = [[2, 2], [2, 2]]
Z = [[3, 3], [3, 3]]


def _task(task_id: str, truths: list[list[list[int]]]) -> Task:
    train = (Pair(Grid([[0]]), Grid([[1]])), Pair(Grid([[0, 0]]), Grid([[1, 1]])))
    return Task(id=task_id, train=train, test=tuple(Pair(Grid([[5]]), Grid(t)) for t in truths))


def _code_record(task_id: str, sample: int, passed: int, outputs: list) -> dict:
    return {
        "key": f"{task_id}:v0:s{sample}",
        "kind": "code",
        "task_id": task_id,
        "task_version": 0,
        "sample_index": sample,
        "model": "m",
        "status": "ok",
        "python_code": "def solve(g): ...",
        "usage": {"prompt_tokens": 100, "completion_tokens": 50},
        "cost_usd": 0.001,
        "latency_s": 1.5,
        "benchmark": {"train_total": 2, "train_passed": passed, "test_outputs": outputs},
    }


def _finish(tmp_path, name: str, tasks: list[Task], records: list[dict], mode: str, samples: int):
    run = RunDirectory.create(tmp_path / name, command=f"benchmark {mode}", config={})
    for record in records:
        run.append(record)
    run.close()
    dataset = Dataset.from_tasks(tasks, name="golden", format="dir")
    options = BenchmarkOptions(mode=mode, model="m", samples=samples)
    return finish_benchmark(run, tasks, options=options, dataset=dataset)


def test_code_selection_never_reads_test_outputs(tmp_path):
    # Program 0 fits the train pairs and predicts X; programs 1 and 2 agree on Y; program 3 says Z.
    # Only two attempts: X (train accuracy) then Y (agreement). Z is never submitted, even when the
    # planted answer is Z: if selection read the answers, the two runs would submit different grids.
    records = [
        _code_record("t", 0, 2, [X]),
        _code_record("t", 1, 0, [Y]),
        _code_record("t", 2, 0, [Y]),
        _code_record("t", 3, 0, [Z]),
    ]
    answer_z = _finish(tmp_path, "z", [_task("t", [Z])], records, "code", 4)
    answer_x = _finish(tmp_path, "x", [_task("t", [X])], records, "code", 4)
    for outcome in (answer_z, answer_x):
        entries = load_submission(outcome.submission).entries
        assert entries["t"] == ((Grid(X), Grid(Y)),)
    assert answer_z.score["score"] == 0.0
    assert answer_x.score["score"] == 1.0
    # the oracle sees that program 3 was right, and says it is not a score
    assert answer_z.score["oracle"]["score"] == 1.0
    assert "not a score" in answer_z.score["oracle"]["label"]
    assert answer_z.score["oracle"]["per_task"]["t"]["pass_at_1"] == pytest.approx(1 / 4)


def test_code_mode_each_test_input_and_failed_programs(tmp_path):
    tasks = [_task("a", [X, Y]), _task("b", [Z])]
    records = [
        _code_record("a", 0, 2, [X, None]),
        _code_record("a", 1, 1, [Z, Y]),
        {
            "key": "b:v0:s0",
            "task_id": "b",
            "task_version": 0,
            "sample_index": 0,
            "status": "parse_failure",
            "error": "no_code: the reply holds no Python code block",
        },
        {
            "key": "b:v0:s1",
            "task_id": "b",
            "task_version": 0,
            "sample_index": 1,
            "status": "error",
            "error": "ModelError: 500",
        },
    ]
    outcome = _finish(tmp_path, "run", tasks, records, "code", 2)
    data = json.loads(outcome.submission.read_text())
    assert data["a"] == [{"attempt_1": X, "attempt_2": Z}, {"attempt_1": Y, "attempt_2": None}]
    assert data["b"] == [{"attempt_1": None, "attempt_2": None}]  # every task has its entries
    score = json.loads(outcome.score_file.read_text())
    assert score["score"] == pytest.approx(0.5)  # a: 2/2, b: no answer -> 0
    assert score["per_task"]["b"]["solved"] == [False]
    assert score["parse_failures"] == 1 and score["errors"] == 1
    assert score["parse_failure_rate"] == pytest.approx(1 / 4)
    assert score["mode"] == "code" and score["complete"] is True


def test_direct_mode_two_samples_give_two_attempts_deduplicated(tmp_path):
    tasks = [_task("a", [X, Y]), _task("b", [Z])]

    def direct(task_id, sample, attempts, status="ok"):
        return {
            "key": f"{task_id}:v0:s{sample}",
            "kind": "direct",
            "task_id": task_id,
            "task_version": 0,
            "sample_index": sample,
            "status": status,
            "attempts": attempts,
            "cost_usd": 0.0,
        }

    records = [
        direct("a", 1, [[Y], [Y]]),
        direct("a", 0, [[X], []]),  # written out of order on purpose
        direct("b", 0, [[Z]]),
        direct("b", 1, [[Z]]),
    ]
    outcome = _finish(tmp_path, "direct", tasks, records, "direct", 2)
    data = json.loads(outcome.submission.read_text())
    assert data["a"] == [{"attempt_1": X, "attempt_2": Y}, {"attempt_1": Y, "attempt_2": None}]
    assert data["b"] == [{"attempt_1": Z, "attempt_2": None}]
    assert outcome.score["score"] == 1.0
    assert outcome.score["oracle"] is None


def test_direct_attempts_option_is_at_most_two():
    from arcforge.errors import UsageError

    with pytest.raises(UsageError, match="at most 2"):
        BenchmarkOptions(mode="direct", model="m", samples=3)
