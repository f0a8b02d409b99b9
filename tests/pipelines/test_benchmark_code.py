"""`arcforge benchmark code` against the scripted server, with every program run in the real sandbox.

Three small tasks. For ``flip`` one program of three is right and two agree on a wrong answer (the
identity): train accuracy must beat agreement. For ``recolor`` every program only memorises the
train pairs (perfect train accuracy, wrong on the test). For ``transpose`` one reply loops forever
and the others are prose. Score 1/3; the oracle (any program right) is reported apart.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from arcforge.cli import main
from arcforge.testing import ScriptedServer

FLIP_IN = [[[1, 2, 3], [4, 5, 6]], [[7, 7], [0, 1], [2, 2]], [[3, 0], [0, 3], [1, 1]]]
RECOLOR_IN = [[[1, 0], [0, 1]], [[1, 1, 0]], [[0, 1, 1], [1, 1, 1]]]
TRANSPOSE_IN = [[[5, 6], [7, 8], [9, 9]], [[1, 2, 4]], [[4, 4], [0, 4]]]


def _flip(grid):
    return grid[::-1]


def _recolor(grid):
    return [[2 if c == 1 else c for c in row] for row in grid]


def _transpose(grid):
    return [list(column) for column in zip(*grid, strict=True)]


def _task(inputs, rule):
    return {
        "train": [{"input": g, "output": rule(g)} for g in inputs[:2]],
        "test": [{"input": g, "output": rule(g)} for g in inputs[2:]],
    }


RIGHT_FLIP = "The rows are stacked upside down.\n```python\ndef solve(grid):\n    return grid[::-1]\n```"
IDENTITY = "Nothing changes.\n```python\ndef solve(grid):\n    return [row[:] for row in grid]\n```"
MEMORISE = (
    "Look the answer up.\n```python\nKNOWN = {KNOWN}\n\ndef solve(grid):\n"
    "    return KNOWN.get(str(grid), grid)\n```"
)
FOREVER = "```python\ndef solve(grid):\n    while True:\n        pass\n```"


@pytest.fixture()
def dataset(tmp_path: Path) -> Path:
    folder = tmp_path / "tasks"
    folder.mkdir()
    for name, inputs, rule in (
        ("flip", FLIP_IN, _flip),
        ("recolor", RECOLOR_IN, _recolor),
        ("transpose", TRANSPOSE_IN, _transpose),
    ):
        (folder / f"{name}.json").write_text(json.dumps(_task(inputs, rule)))
    return folder


@pytest.fixture()
def server():
    calls: dict[str, int] = {}
    lock = threading.Lock()
    known = {str(g): _recolor(g) for g in RECOLOR_IN[:2]}

    def responder(body: dict) -> str:
        prompt = body["messages"][-1]["content"].replace(" ", "")
        names = [
            n
            for n, inputs in (("flip", FLIP_IN), ("recolor", RECOLOR_IN), ("transpose", TRANSPOSE_IN))
            if json.dumps(inputs[0], separators=(",", ":")).replace("],[", "],\n[") in prompt
        ]
        assert len(names) == 1, "the responder could not tell the task"
        name = names[0]
        with lock:
            calls[name] = calls.get(name, 0) + 1
            number = calls[name]
        if name == "flip":
            return RIGHT_FLIP if number == 1 else IDENTITY
        if name == "recolor":
            return MEMORISE.replace("{KNOWN}", repr(known))
        return FOREVER if number == 1 else "The grid turns on its side, I believe."

    with ScriptedServer(responder=responder) as running:
        yield running


def test_code_benchmark_selects_blind_and_scores_one_of_three(server, dataset, tmp_path, capsys):
    out = tmp_path / "run"
    code = main(
        [
            "benchmark",
            "code",
            "--model",
            "openai:scripted",
            "--base-url",
            server.base_url,
            "--no-cache",
            "--dataset",
            str(dataset),
            "--best_of",
            "3",
            "--concurrency",
            "3",
            "--out",
            str(out),
            "--json",
        ]
    )
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["score"] == pytest.approx(1 / 3)
    assert result["per_task"]["flip"]["attempt_correct"] == [[True, False]]
    assert result["per_task"]["recolor"]["solved"] == [False]
    assert result["oracle"]["k"] == 3 and result["oracle"]["score"] == pytest.approx(1 / 3)
    assert "not a score" in result["oracle"]["label"]
    assert result["oracle"]["per_task"]["flip"]["pass_at_1"] == pytest.approx(1 / 3)
    assert result["parse_failures"] == 2  # transpose's two prose replies
    assert len(server.requests) == 9

    submission = json.loads((out / "submission.json").read_text())
    assert submission["flip"] == [{"attempt_1": _flip(FLIP_IN[2]), "attempt_2": FLIP_IN[2]}]
    assert submission["recolor"] == [{"attempt_1": RECOLOR_IN[2], "attempt_2": None}]
    assert submission["transpose"] == [{"attempt_1": None, "attempt_2": None}]

    records = {r["key"]: r for r in map(json.loads, (out / "records.jsonl").read_text().splitlines())}
    flip_runs = [r["benchmark"] for k, r in records.items() if k.startswith("flip:")]
    assert sorted(b["train_passed"] for b in flip_runs) == [0, 0, 2]
    looping = [r for k, r in records.items() if k.startswith("transpose:") and r["status"] == "ok"]
    assert len(looping) == 1 and looping[0]["benchmark"]["test_status"] == ["timeout"]

    assert main(["score", str(out / "submission.json"), "--dataset", str(dataset), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["score"] == pytest.approx(1 / 3)

    text_code = main(["report", str(out)])
    assert text_code == 0
    assert "oracle pass@3" in (out / "report.html").read_text()


def test_verify_summary_explains_the_unknown_outcome(tmp_path: Path) -> None:
    from arcforge.pipelines.summaries import format_verification
    from arcforge.pipelines.verify import summarize

    entries = [
        {"task_id": "t", "task_version": 0, "verified": False, "outcome": "unknown"},
        {"task_id": "t", "task_version": 0, "verified": True, "outcome": "verified"},
    ]
    text = format_verification(summarize(tmp_path, entries))
    assert "unknown: every pair with an output passed" in text
    only_verified = format_verification(summarize(tmp_path, entries[1:]))
    assert "unknown:" not in only_verified
