"""Run folders for the runs viewer's tests: real runs against the scripted server, and hand-made ones.

- :func:`generate_run`: ``arcforge generate code`` on three ARC-AGI-2 training tasks (one right program,
  one wrong, one prose reply) and ``arcforge verify``.
- :func:`benchmark_run`: ``arcforge benchmark code`` on two small tasks (flip solved, recolor memorised).
- :func:`refined_run`: ``arcforge benchmark code --refine 2`` on the same tasks; recolor's programs are
  fixed only in revisions (one of them needs two rounds), so the run has a lineage tree.
- :func:`handmade_refined_run`: a refined ``benchmark code`` run written record by record (``parent``,
  ``round``, ``feedback_hash``, train outputs in the ``benchmark`` block, as ``--refine`` writes them) and
  scored by ``finish_benchmark``: exact, fast and free of the sandbox, for the API tests.
- :func:`synthetic_run`: a large run written line by line, for the indexing speed test.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from arcforge.cli import main
from arcforge.testing import ScriptedServer

SYNTHETIC_ID = "20260101T000000Z-big000"  # the run id of every synthetic_run
TILE_TASK = "00576224"
WRONG_TASK = "007bbfb7"
PROSE_TASK = "00d62c1b"
GENERATE_TASKS = (TILE_TASK, WRONG_TASK, PROSE_TASK)

CORRECT = """The output is the 2x2 input tiled 3x3, with the middle row of tiles mirrored left-right.

```python
def solve(grid):
    # tile, mirror the middle band
    top = [row * 3 for row in grid]
    middle = [row[::-1] * 3 for row in grid]
    return top + middle + top
```
"""
WRONG = "Tile it three times each way.\n\n```python\ndef solve(grid):\n    return [row * 3 for row in grid] * 3\n```\n"
PROSE = "I'm sorry, I can't see any pattern here."

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


def _prompt_names(body: dict[str, Any], names: dict[str, Any]) -> str:
    prompt = body["messages"][-1]["content"].replace(" ", "")
    found = [name for name, probe in names.items() if probe in prompt]
    assert len(found) == 1, f"the responder could not tell the task ({found})"
    return found[0]


def generate_run(out: Path) -> Path:
    """A verified ``generate code`` run: 3 tasks x 2 samples; only the tile task's programs are right."""
    from arcforge.datasets import load_dataset
    from arcforge.task.encoding import encode_grid

    training = load_dataset("arc-agi-2/training")
    probes = {t: encode_grid(training.get(t).train[0].input).replace(" ", "") for t in GENERATE_TASKS}
    answers = {TILE_TASK: CORRECT, WRONG_TASK: WRONG, PROSE_TASK: PROSE}

    def respond(body: dict[str, Any]) -> Any:
        from arcforge.testing import reply

        return reply(
            answers[_prompt_names(body, probes)], prompt_tokens=1000, completion_tokens=200, cost=0.01
        )

    with ScriptedServer(responder=respond) as server:
        argv = [
            "generate",
            "code",
            "--model",
            "openai:scripted-gen",
            "--base-url",
            server.base_url,
            "--no-cache",
            "--dataset",
            "arc-agi-2/training",
            "--task-ids",
            json.dumps(list(GENERATE_TASKS)),
            "--samples",
            "2",
            "--out",
            str(out),
            "--no-progress",
        ]
        assert main(argv) == 0
    assert main(["verify", str(out), "--no-progress"]) == 0
    return out


def benchmark_run(out: Path, dataset: Path) -> Path:
    """A ``benchmark code`` run, 2 samples per task: flip solved (one right program), recolor not."""
    calls: dict[str, int] = {}
    lock = threading.Lock()
    probes = {
        name: json.dumps(grids[0], separators=(",", ":")).replace("],[", "],\n[")
        for name, grids in (("flip", FLIP_IN), ("recolor", RECOLOR_IN))
    }

    def respond(body: dict[str, Any]) -> str:
        name = _prompt_names(body, probes)
        with lock:
            calls[name] = calls.get(name, 0) + 1
            number = calls[name]
        if name == "flip":
            return RIGHT_FLIP if number == 1 else IDENTITY
        return IDENTITY

    with ScriptedServer(responder=respond) as server:
        argv = [
            "benchmark",
            "code",
            "--model",
            "openai:scripted-bench",
            "--base-url",
            server.base_url,
            "--no-cache",
            "--dataset",
            str(dataset),
            "--samples",
            "2",
            "--concurrency",
            "1",
            "--out",
            str(out),
            "--no-progress",
        ]
        assert main(argv) == 0
    return out


REFINE_MARK = "Your program does not reproduce every example"
RECOLOR_3 = "Blue becomes green.\n```python\ndef solve(grid):\n    return [[3 if c == 1 else c for c in row] for row in grid]\n```"


def refined_run(out: Path, dataset: Path) -> Path:
    """``arcforge benchmark code --samples 2 --refine 2``: flip's first program is right and its second is
    revised into a right one; recolor's two identity programs are revised, the first revision still
    wrong (1 -> 3) and revised again in round 2."""
    calls: dict[str, int] = {}
    lock = threading.Lock()
    probes = {
        name: json.dumps(grids[0], separators=(",", ":")).replace("],[", "],\n[")
        for name, grids in (("flip", FLIP_IN), ("recolor", RECOLOR_IN))
    }

    def respond(body: dict[str, Any]) -> str:
        first = {"messages": [m for m in body["messages"] if m["role"] == "user"][:1]}
        name = _prompt_names(first, probes)
        revision = any(REFINE_MARK in str(m.get("content")) for m in body["messages"])
        with lock:
            counter = f"{name}:{revision}"
            calls[counter] = calls.get(counter, 0) + 1
            number = calls[counter]
        if name == "flip":
            return RIGHT_FLIP if revision or number == 1 else IDENTITY
        if not revision:
            return IDENTITY
        return RECOLOR_3 if number == 1 else RECOLOR_1

    with ScriptedServer(responder=respond) as server:
        argv = [
            "benchmark",
            "code",
            "--model",
            "openai:scripted-refine",
            "--base-url",
            server.base_url,
            "--no-cache",
            "--dataset",
            str(dataset),
            "--samples",
            "2",
            "--refine",
            "2",
            "--concurrency",
            "1",
            "--out",
            str(out),
            "--no-progress",
        ]
        assert main(argv) == 0
    return out


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


GENERATOR_INPUT = """
def generate_input(rng):
    h, w = rng.randint(2, 5), rng.randint(2, 6)
    return [[rng.randint(0, 9) for _ in range(w)] for _ in range(h)]
"""
GOOD_GENERATOR = GENERATOR_INPUT + "\ndef solve(grid):\n    return [row[::-1] for row in grid[::-1]]\n"
IDENTITY_GENERATOR = GENERATOR_INPUT + "\ndef solve(grid):\n    return [row[:] for row in grid]\n"


def tasks_run(out: Path, dataset: Path) -> Path:
    """``arcforge generate tasks`` seeded by flip (a good generator: a task is made) and recolor (a
    generator whose outputs equal its inputs: refused)."""
    probes = {
        name: json.dumps(grids[0], separators=(",", ":")).replace("],[", "],\n[")
        for name, grids in (("flip", FLIP_IN), ("recolor", RECOLOR_IN))
    }

    def respond(body: dict[str, Any]) -> str:
        code = GOOD_GENERATOR if _prompt_names(body, probes) == "flip" else IDENTITY_GENERATOR
        return f"A new task.\n```python\n{code}```"

    with ScriptedServer(responder=respond) as server:
        argv = [
            "generate",
            "tasks",
            "--model",
            "openai:scripted-tasks",
            "--base-url",
            server.base_url,
            "--no-cache",
            "--dataset",
            str(dataset),
            "--samples",
            "1",
            "--out",
            str(out),
            "--no-progress",
        ]
        assert main(argv) == 0
    return out
