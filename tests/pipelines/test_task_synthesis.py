"""``arcforge generate tasks`` against a scripted model, every generator run in the real sandbox.

Six seed tasks share one rule (each row is followed by its mirror image: ``[1, 2]`` -> ``[1, 2, 2, 1]``)
and differ by their grids, so the scripted model can tell them apart; for each it answers with one kind
of generator: a good one, one returning its input, one using an unseeded random, one returning colour
11, one replaying the seed's own grids, and one with only three possible inputs (asked twice: the
second task is a duplicate). Then hindsight: a ``generate code`` run whose program is wrong but runs
cleanly yields the task that program solves.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from arcforge.cli import main
from arcforge.datasets import load_dataset
from arcforge.sandbox import Sandbox
from arcforge.task.encoding import encode_grid
from arcforge.task.grid import Grid
from arcforge.testing import ScriptedServer, reply

MAKER = """
def generate_input(rng):
    h, w = rng.randint(1, 5), rng.randint(1, 6)
    return [[rng.randint(0, 9) for _ in range(w)] for _ in range(h)]
"""
GENERATORS = {
    "good": MAKER + "\ndef solve(grid):\n    return [row + row for row in grid]\n\n"
    "def describe():\n    return 'each row is repeated once to its right'\n",
    "identity": MAKER + "\ndef solve(grid):\n    return [row[:] for row in grid]\n",
    "random": MAKER
    + "\nimport random\n\ndef solve(grid):\n    return [row + [random.randint(0, 9)] for row in grid]\n",
    "invalid": MAKER.replace("rng.randint(0, 9) for", "11 for") + "\ndef solve(grid):\n    return grid\n",
    "copy": "SEEDS = {SEEDS}\n\ndef generate_input(rng):\n    return SEEDS[rng.randrange(len(SEEDS))]\n\n"
    "def solve(grid):\n    return [row + row[::-1] for row in grid]\n",
    "few": "def generate_input(rng):\n    return rng.choice([[[1, 2]], [[3, 4, 5]], [[6], [7]]])\n\n"
    "def solve(grid):\n    return [row + row for row in grid]\n",
}
SEED_ROWS = {name: 3 + i for i, name in enumerate(GENERATORS)}  # a seed's grids have this many columns


def _mirror(grid: list[list[int]]) -> list[list[int]]:
    return [row + row[::-1] for row in grid]


def _seed(name: str) -> dict:
    width = SEED_ROWS[name]
    grids = [[[(i + j + k) % 9 + 1 for j in range(width)] for i in range(2)] for k in range(4)]
    return {
        "train": [{"input": g, "output": _mirror(g)} for g in grids[:3]],
        "test": [{"input": grids[3], "output": _mirror(grids[3])}],
    }


def _answer(name: str, seed: dict) -> str:
    code = GENERATORS[name]
    if name == "copy":
        code = code.replace("{SEEDS}", repr([pair["input"] for pair in (*seed["train"], *seed["test"])]))
    return f"A new task: the rows are doubled.\n```python\n{code}```"


@pytest.fixture()
def seeds(tmp_path: Path) -> Path:
    folder = tmp_path / "seeds"
    folder.mkdir()
    for name in GENERATORS:
        (folder / f"{name}.json").write_text(json.dumps(_seed(name)))
    return folder


def _responder(request: dict) -> object:
    prompt = request["messages"][-1]["content"]
    for name in GENERATORS:
        seed = _seed(name)
        if encode_grid(Grid(seed["train"][0]["input"])) in prompt:
            assert encode_grid(Grid(seed["test"][0]["output"])) not in prompt  # no test pair, ever
            assert encode_grid(Grid(seed["test"][0]["input"])) not in prompt
            return reply(_answer(name, seed), prompt_tokens=300, completion_tokens=90, cost=0.002)
    raise AssertionError("no seed in the prompt")


def test_generators_make_checked_tasks_and_refusals_are_counted(seeds: Path, tmp_path: Path, capsys) -> None:
    run = tmp_path / "run"
    with ScriptedServer(responder=_responder) as server:
        args = [
            "generate", "tasks", "--model", "openai:scripted", "--base-url", server.base_url, "--no-cache",
            "--dataset", str(seeds), "--seeds", "good,identity,random,invalid,copy", "--samples", "1",
            "--pairs", "4", "--out", str(run), "--json", "--no-progress",
        ]  # fmt: skip
        assert main(args) == 0
        result = json.loads(capsys.readouterr().out)
        assert len(server.requests) == 5
    refused = result["refused"]
    assert result["accepted"] == 1 and result["tasks_written"] == 1
    assert refused["identity"] == 1 and refused["nondeterministic"] == 1
    assert refused["invalid_grid"] == 1 and refused["copy"] == 1 and result["refused_total"] == 4
    assert json.loads((run / "manifest.json").read_text())["synthesis"]["refused"] == refused

    [task_file] = sorted((run / "tasks").glob("*.json"))
    task = json.loads(task_file.read_text())
    pairs = [*task["train"], *task["test"]]
    assert len(task["train"]) == 3 and len(task["test"]) == 1
    assert all(pair["output"] == [row + row for row in pair["input"]] for pair in pairs)
    assert len({json.dumps(pair["input"]) for pair in pairs}) == 4
    assert main(["data", "validate", str(run / "tasks")]) == 0
    capsys.readouterr()
    assert main(["data", "stats", "--dataset", str(run / "tasks"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)
    [entry] = json.loads((run / "dataset.json").read_text())
    provenance = entry["provenance"]
    assert entry["task_id"] == task_file.stem == load_dataset(str(run / "dataset.json")).tasks[0].id
    assert provenance["seed_task"] == "good" and provenance["model"] == "openai:scripted"
    assert provenance["description"] == "each row is repeated once to its right"
    assert len(provenance["rng_seeds"]) == 4 and len(provenance["generator_hash"]) == 64
    assert provenance["seed_dataset_hash"] == load_dataset(str(seeds)).content_hash

    preview = (run / "tasks.html").read_text()
    assert preview.count("<svg") == 1 and "each row is repeated once to its right" in preview
    assert "<td>identity</td><td>1</td>" in preview
    records = {r["key"]: r for r in map(json.loads, (run / "records.jsonl").read_text().splitlines())}
    assert records["identity:v0:s0"]["synthesis"]["reason"] == "identity"
    assert all("test" not in r["task_data"] or not r["task_data"]["test"] for r in records.values())

    exported = tmp_path / "generators.jsonl"
    assert main(["export", str(run), "--format", "chat-jsonl", "--out", str(exported)]) == 0
    [row] = [json.loads(line) for line in exported.read_text().splitlines()]
    assert "generate_input" in row["messages"][-1]["content"] and row["metadata"]["key"] == "good:v0:s0"


def test_a_run_is_deduplicated_and_its_tasks_feed_other_commands(seeds: Path, tmp_path: Path, capsys) -> None:
    run = tmp_path / "run"
    with ScriptedServer(responder=_responder) as server:
        base = ["--model", "openai:scripted", "--base-url", server.base_url, "--no-cache"]
        args = ["generate", "tasks", *base, "--dataset", str(seeds), "--seeds", "few", "--samples", "2",
                "--pairs", "3", "--out", str(run), "--json", "--no-progress"]  # fmt: skip
        assert main(args) == 0
        result = json.loads(capsys.readouterr().out)
        assert result["tasks_written"] == 1 and result["refused"]["duplicate"] == 1
        # the new tasks are a dataset like any other
        gen = ["generate", "code", *base, "--dataset", str(run / "tasks"), "--out", str(tmp_path / "code"),
               "--no-progress"]  # fmt: skip
        server.push(reply("```python\ndef solve(grid):\n    return [r + r for r in grid]\n```"))
        assert main(gen) == 0
    assert json.loads((tmp_path / "code" / "records.jsonl").read_text())["status"] == "ok"


def test_hindsight_turns_a_wrong_but_clean_program_into_the_task_it_solves(
    seeds: Path, tmp_path: Path, capsys
) -> None:
    wrong = "It doubles the rows.\n```python\ndef solve(grid):\n    return [row + row for row in grid]\n```"
    right = "Mirror.\n```python\ndef solve(grid):\n    return [row + row[::-1] for row in grid]\n```"
    run = tmp_path / "code"
    with ScriptedServer([reply(wrong), reply(right)]) as server:
        args = ["generate", "code", "--model", "openai:scripted", "--base-url", server.base_url, "--no-cache",
                "--dataset", str(seeds), "--task-ids", "good,identity", "--concurrency", "1", "--out", str(run),
                "--no-progress"]  # fmt: skip
        assert main(args) == 0
    capsys.readouterr()
    assert main(["export", str(run), "--format", "tasks", "--hindsight", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["tasks_written"] == 1 and result["refused"]["solves_its_task"] == 1
    [task_file] = (run / "hindsight" / "tasks").glob("*.json")
    data = json.loads(task_file.read_text())
    source = _seed("good")
    assert [p["input"] for p in data["train"]] == [p["input"] for p in source["train"]]
    assert data["train"][0]["output"] != source["train"][0]["output"]

    async def passes() -> list[str]:
        from arcforge.task.model import Task

        async with Sandbox() as sandbox:
            task = Task.from_dict(data, task_id=task_file.stem)
            return [
                r.status for r in await sandbox.run_task(wrong.split("```python\n")[1].split("```")[0], task)
            ]

    assert set(asyncio.run(passes())) == {"passed"}
    [entry] = json.loads((run / "hindsight" / "dataset.json").read_text())
    assert entry["provenance"]["kind"] == "hindsight" and entry["provenance"]["source_task"] == "good"
    assert main(["data", "validate", str(run / "hindsight" / "tasks")]) == 0


def test_a_budget_stopped_run_resumes_and_asks_nothing_twice(seeds: Path, tmp_path: Path, capsys) -> None:
    run = tmp_path / "run"
    with ScriptedServer(responder=_responder) as server:
        base = ["generate", "tasks", "--model", "openai:scripted", "--base-url", server.base_url, "--no-cache",
                "--no-progress", "--json"]  # fmt: skip
        first = [*base, "--dataset", str(seeds), "--seeds", "good", "--samples", "3", "--concurrency", "1",
                 "--max-cost", "0.002", "--out", str(run)]  # fmt: skip
        assert main(first) == 0
        stopped = json.loads(capsys.readouterr().out)
        assert stopped["stopped"] == "max_cost" and stopped["tasks_written"] == 1
        assert json.loads((run / "manifest.json").read_text())["status"] == "stopped_max_cost"
        assert main([*base, "--resume", str(run), "--max-cost", "1"]) == 0
        done = json.loads(capsys.readouterr().out)
        assert len(server.requests) == 3  # the resume asked only the two samples not written
    assert done["stopped"] is None and done["tasks_written"] == 3 and done["accepted"] == 3
    assert len(list((run / "tasks").glob("*.json"))) == 3
    assert len(json.loads((run / "dataset.json").read_text())) == 3


def test_show_prompt_prints_the_seed_request_with_no_test_pair(seeds: Path, capsys) -> None:
    assert main(["generate", "tasks", "--dataset", str(seeds), "--seeds", "good", "--show-prompt"]) == 0
    out = capsys.readouterr().out
    seed = _seed("good")
    assert "template tasks-v1" in out and "generate_input(rng)" in out and "Example 3" in out
    assert encode_grid(Grid(seed["test"][0]["input"])) not in out and "Test 1" not in out
