"""``arcforge export``: verified samples as chat records with lineage; augmentations re-verified."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
from generation_replies import CORRECT, TILE_TASK, WRONG, generate_code_args, responder_for, training

from arcforge.cli import main
from arcforge.task.encoding import encode_grid
from arcforge.task.transforms import parse_transform
from arcforge.testing import ScriptedServer

OTHER = "007bbfb7"
# verified on the task, but it calls itself by the global name `solve`, which the augmented program
# rebinds: re-verification must catch that and leave those records out
SELF_CALLING = CORRECT.replace(
    "def solve(grid):\n", "def solve(grid, depth=0):\n    if depth == 0:\n        return solve(grid, 1)\n"
)


def _verified_run(tmp_path: Path, answers: dict[str, str]) -> Path:
    tasks = [training().get(task_id) for task_id in answers]
    run = tmp_path / "run"
    with ScriptedServer(responder=responder_for(tasks, answers)) as server:
        args = generate_code_args(server.base_url, "--task-ids", ",".join(answers), "--out", str(run))
        assert main(args) == 0
    assert main(["verify", str(run), "--json"]) == 0
    return run


def test_export_chat_jsonl_with_augmentation(tmp_path: Path, capsys) -> None:
    run = _verified_run(tmp_path, {TILE_TASK: CORRECT, OTHER: WRONG})
    capsys.readouterr()
    assert main(["export", str(run), "--augment", "d8,colors", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary == {
        "path": str(run / "export.chat.jsonl"),
        "format": "chat-jsonl",
        "verified_samples": 1,
        "records": 9,
        "augmented": 8,
        "rejected": {},
        "explanations_dropped": 0,
    }
    rows = [json.loads(line) for line in (run / "export.chat.jsonl").read_text().splitlines()]
    original, *augmented = rows
    assert [m["role"] for m in original["messages"]] == ["system", "user", "assistant"]
    assert "def solve(grid):" in original["messages"][-1]["content"]
    meta = original["metadata"]
    manifest = json.loads((run / "manifest.json").read_text())
    assert meta["run_id"] == manifest["run_id"] and meta["key"] == f"{TILE_TASK}:v0:s0"
    assert meta["dataset_hash"] == manifest["config"]["dataset_hash"] and meta["template"] == "code-v1"
    assert meta["transform"] is None and meta["model"] == "openai:any"
    assert {row["metadata"]["transform"] for row in augmented} >= {"rot90", "flip_lr", "transpose"}

    task = training().get(TILE_TASK)
    rot = next(row for row in augmented if row["metadata"]["transform"] == "rot90")
    prompt = rot["messages"][1]["content"]
    rotated = parse_transform("rot90").apply_task(task)
    assert encode_grid(rotated.train[0].output) in prompt  # the prompt is of the transformed task
    assert encode_grid(rotated.test[0].output) not in prompt  # and holds no test output
    assert "_arcforge_forward(" in rot["messages"][-1]["content"]


def test_augmentation_that_fails_reverification_is_not_written_and_parquet(tmp_path: Path, capsys) -> None:
    run = _verified_run(tmp_path, {TILE_TASK: SELF_CALLING})
    capsys.readouterr()
    assert main(["export", str(run), "--format", "parquet", "--augment", "rot90,flip_lr", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["records"] == 1 and summary["rejected"] == {"rot90": 1, "flip_lr": 1}
    table = pq.read_table(run / "export.parquet").to_pylist()
    assert len(table) == 1 and table[0]["task_id"] == TILE_TASK and table[0]["transform"] is None
    assert table[0]["messages"][-1]["role"] == "assistant"


def test_export_needs_a_verified_run(tmp_path: Path, capsys) -> None:
    tasks = [training().get(TILE_TASK)]
    run = tmp_path / "run"
    with ScriptedServer(responder=responder_for(tasks, {TILE_TASK: CORRECT})) as server:
        main(
            [
                "generate",
                "code",
                "--model",
                "openai:any",
                "--base-url",
                server.base_url,
                "--dataset",
                "arc-agi-2/training",
                "--task-ids",
                TILE_TASK,
                "--out",
                str(run),
                "--no-cache",
                "--json",
            ]
        )
    capsys.readouterr()
    assert main(["export", str(run)]) == 1
    assert f"run `arcforge verify {run}` first" in capsys.readouterr().err
    assert main(["export", str(run), "--augment", "order:1,0"]) == 2


def test_reasoning_traces_are_exported_with_their_predictions_transformed(tmp_path: Path, capsys) -> None:
    from arcforge.task.grid import Grid
    from arcforge.testing import reply

    task = training().get(TILE_TASK)
    right = json.dumps(task.test[0].output.to_list())
    text = f"Rule: tile the input 3x3, mirroring the middle band.\n\nTest 1 output:\n```json\n{right}\n```"
    run = tmp_path / "run"
    with ScriptedServer(responder=lambda request: reply(text, cost=0.01)) as server:
        args = ["generate", "reasoning", "--model", "openai:any", "--base-url", server.base_url, "--dataset",
                "arc-agi-2/training", "--task-ids", TILE_TASK, "--out", str(run)]  # fmt: skip
        assert main(args) == 0
    assert main(["verify", str(run)]) == 0
    capsys.readouterr()
    assert main(["export", str(run), "--augment", "rot90", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["verified_samples"] == 1 and summary["records"] == 2 and summary["augmented"] == 1
    original, rotated = [json.loads(line) for line in (run / "export.chat.jsonl").read_text().splitlines()]
    assert original["messages"][-1] == {"role": "assistant", "content": text}
    assert rotated["metadata"]["transform"] == "rot90"
    rot90 = parse_transform("rot90")
    turned = rot90.apply_task(task)
    assert encode_grid(turned.test[0].input) in rotated["messages"][1]["content"]
    answer = rotated["messages"][-1]["content"]
    predicted = json.loads(answer.split("```json\n", 1)[1].split("\n```", 1)[0])
    assert Grid.from_rows(predicted) == turned.test[0].output != task.test[0].output
    assert answer.startswith("Rule:") and "Test 1 output:" in answer
    assert main(["export", str(run), "--format", "parquet", "--json"]) == 0
    table = pq.read_table(run / "export.parquet").to_pylist()
    assert len(table) == 1 and table[0]["messages"][-1]["content"] == text
