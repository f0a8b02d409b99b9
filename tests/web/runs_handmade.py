"""Hand-made run folders for the runs viewer's tests: exact, fast, and free of the model and the sandbox.

- :func:`small_dataset`: two tasks, ``flip`` and ``recolor``.
- :func:`handmade_refined_run`: a refined ``benchmark code`` run written record by record (``parent``,
  ``round``, ``feedback_hash``, train outputs in the ``benchmark`` block, as ``--refine`` writes them) and
  scored by ``finish_benchmark``.
- :func:`handmade_direct_run`: a ``benchmark direct`` run, scored the same way.
- :func:`synthetic_run`: a large generate run with its verification, written line by line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SYNTHETIC_ID = "20260101T000000Z-big000"  # the run id of every synthetic_run

FLIP_IN = [[[1, 2, 3], [4, 5, 6]], [[7, 7], [0, 1], [2, 2]], [[3, 0], [0, 3], [1, 1]]]
RECOLOR_IN = [[[1, 0], [0, 1]], [[1, 1, 0]], [[0, 1, 1], [1, 1, 1]]]
RIGHT_FLIP = "The rows are stacked upside down.\n```python\ndef solve(grid):\n    return grid[::-1]\n```"
IDENTITY = "Nothing changes.\n```python\ndef solve(grid):\n    return [row[:] for row in grid]\n```"
RECOLOR_1 = "Blue becomes red.\n```python\ndef solve(grid):\n    return [[2 if c == 1 else c for c in row] for row in grid]\n```"


def _flip(grid: list[list[int]]) -> list[list[int]]:
    return grid[::-1]


def _recolor(grid: list[list[int]]) -> list[list[int]]:
    return [[2 if c == 1 else c for c in row] for row in grid]


def small_dataset(folder: Path) -> Path:
    """Two tasks, ``flip`` and ``recolor``: two train pairs and one test pair each."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, inputs, rule in (("flip", FLIP_IN, _flip), ("recolor", RECOLOR_IN, _recolor)):
        task = {
            "train": [{"input": g, "output": rule(g)} for g in inputs[:2]],
            "test": [{"input": g, "output": rule(g)} for g in inputs[2:]],
        }
        (folder / f"{name}.json").write_text(json.dumps(task))
    return folder


def _program_block(code_rule: str, inputs: list[list[list[int]]], rule: Any, program: Any) -> dict[str, Any]:
    train = []
    for grid in inputs[:2]:
        output = program(grid)
        right = output == rule(grid)
        train.append(
            {
                "status": "ok" if right else "wrong",
                "error": None,
                "output": output,
                "wrong_cells": 0
                if right
                else sum(
                    a != b
                    for ra, rb in zip(output, rule(grid), strict=False)
                    for a, b in zip(ra, rb, strict=False)
                ),
            }
        )
    return {
        "train_total": 2,
        "train_passed": sum(r["status"] == "ok" for r in train),
        "train": train,
        "failing_cells": sum(r["wrong_cells"] for r in train),
        "test_outputs": [program(inputs[2])],
        "test_status": ["ok"],
        "test_errors": [None],
    }


def handmade_refined_run(out: Path, dataset: Path) -> Path:
    """A refined ``benchmark code`` run: recolor's round-0 program (identity) is revised in round 1 into
    the right one, which a round-2 revision keeps; flip is right at once."""
    from arcforge.datasets import load_dataset
    from arcforge.engine import RunDirectory
    from arcforge.engine.run_directory import utc_now
    from arcforge.pipelines.benchmark import BenchmarkOptions, finish_benchmark

    data = load_dataset(str(dataset))
    run = RunDirectory.create(
        out, command="benchmark code", config={"model": "openai:scripted-refine", "kind": "code"}
    )
    identity = lambda grid: [row[:] for row in grid]  # noqa: E731
    plan = [  # (task, sample, round, parent, reply, program)
        ("flip", 0, 0, None, RIGHT_FLIP, _flip),
        ("recolor", 0, 0, None, IDENTITY, identity),
        ("recolor", 1, 0, None, IDENTITY, identity),
        ("recolor", 2, 1, "recolor:v0:s0", RECOLOR_1, _recolor),
        ("recolor", 3, 1, "recolor:v0:s1", IDENTITY, identity),
        ("recolor", 4, 2, "recolor:v0:s3", RECOLOR_1, _recolor),
    ]
    inputs = {"flip": (FLIP_IN, _flip), "recolor": (RECOLOR_IN, _recolor)}
    for task_id, sample, round_number, parent, reply, program in plan:
        task = data.get(task_id)
        grids, rule = inputs[task_id]
        code = reply.split("```python\n", 1)[1].split("```", 1)[0]
        run.append(
            {
                "key": f"{task_id}:v0:s{sample}",
                "kind": "code",
                "task_id": task_id,
                "task_version": 0,
                "sample_index": sample,
                "model": "openai:scripted-refine",
                "status": "ok",
                "task_data": task.to_dict(include_test_outputs=False),
                "prompt_messages": [{"role": "user", "content": f"Solve task {task_id}."}],
                "completion": reply,
                "python_code": code,
                "entry": "solve",
                "error": None,
                "usage": {"prompt_tokens": 800, "completion_tokens": 100},
                "cost_usd": 0.005,
                "latency_s": 1.0 + sample,
                "round": round_number,
                "parent": parent,
                "feedback_hash": None if parent is None else f"{sample:064x}",
                "benchmark": _program_block(code, grids, rule, program),
            }
        )
        if parent is not None:
            feedback = out / "feedback" / f"{sample:064x}.txt"
            feedback.parent.mkdir(exist_ok=True)
            feedback.write_text(
                f"Example 1\nYour program's output differs from the expected one (revising {parent}).\n"
            )
    run.write_manifest(status="completed", ended_at=utc_now())
    run.close()
    options = BenchmarkOptions(
        mode="code", model="openai:scripted-refine", samples=2, dataset_spec=str(dataset)
    )
    finish_benchmark(run, list(data.tasks), options=options, dataset=data)
    return out


def synthetic_run(out: Path, records: int, *, tasks: int = 400) -> Path:
    """A ``generate code`` run of ``records`` small records over ``tasks`` tasks, and its verification."""
    out.mkdir(parents=True)
    (out / "manifest.json").write_text(
        json.dumps(
            {
                "run_id": SYNTHETIC_ID,
                "command": "generate code",
                "status": "completed",
                "config": {"model": "openai:synthetic", "dataset": "synthetic"},
                "started_at": "2026-01-01T00:00:00+00:00",
                "ended_at": "2026-01-01T01:00:00+00:00",
            }
        )
    )
    task_data = {
        "train": [{"input": [[1, 2], [3, 4]], "output": [[4, 3], [2, 1]]}],
        "test": [{"input": [[5]], "output": [[5]]}],
    }
    with (out / "records.jsonl").open("w") as handle, (out / "verification.jsonl").open("w") as checks:
        for number in range(records):
            task_id = f"t{number % tasks:05d}"
            key = f"{task_id}:v0:s{number // tasks}"
            status = "ok" if number % 10 else "parse_failure"
            handle.write(
                json.dumps(
                    {
                        "key": key,
                        "kind": "code",
                        "task_id": task_id,
                        "task_version": 0,
                        "sample_index": number // tasks,
                        "model": "openai:synthetic",
                        "status": status,
                        "task_data": task_data,
                        "prompt_messages": [{"role": "user", "content": "x" * 200}],
                        "completion": "y" * 300,
                        "python_code": "def solve(grid):\n    return grid\n" if status == "ok" else None,
                        "usage": {"prompt_tokens": 500, "completion_tokens": 80},
                        "cost_usd": 0.001,
                        "latency_s": (number % 97) / 10,
                        "created_at": "2026-01-01T00:00:00+00:00",
                    }
                )
                + "\n"
            )
            checks.write(
                json.dumps(
                    {
                        "key": key,
                        "verified": number % 7 == 0,
                        "outcome": "verified" if number % 7 == 0 else "wrong_output",
                        "pairs": [],
                    }
                )
                + "\n"
            )
    return out


def handmade_direct_run(out: Path, dataset: Path) -> Path:
    """A ``benchmark direct`` run, scored by ``finish_benchmark``: flip's first attempt is right, recolor's
    two samples give the input back (wrong), and one reply had no grid."""
    from arcforge.datasets import load_dataset
    from arcforge.engine import RunDirectory
    from arcforge.pipelines.benchmark import BenchmarkOptions, finish_benchmark

    data = load_dataset(str(dataset))
    run = RunDirectory.create(out, command="benchmark direct", config={"model": "openai:scripted-direct"})
    answers = [
        ("flip", 0, [[_flip(FLIP_IN[2])]], "ok"),
        ("flip", 1, [[FLIP_IN[2]]], "ok"),
        ("recolor", 0, [[RECOLOR_IN[2]]], "ok"),
        ("recolor", 1, None, "parse_failure"),
    ]
    for task_id, sample, attempts, status in answers:
        run.append(
            {
                "key": f"{task_id}:v0:s{sample}",
                "kind": "direct",
                "task_id": task_id,
                "task_version": 0,
                "sample_index": sample,
                "model": "openai:scripted-direct",
                "status": status,
                "attempts": attempts,
                "task_data": data.get(task_id).to_dict(include_test_outputs=False),
                "completion": "no grid here" if attempts is None else "[[...]]",
                "error": "parse failure no_grid: the reply holds no grid" if attempts is None else None,
                "usage": {"prompt_tokens": 100, "completion_tokens": 10},
                "cost_usd": 0.001,
                "latency_s": 0.5,
            }
        )
    run.write_manifest(status="completed")
    run.close()
    options = BenchmarkOptions(
        mode="direct", model="openai:scripted-direct", samples=2, dataset_spec=str(dataset)
    )
    finish_benchmark(run, list(data.tasks), options=options, dataset=data)
    return out
