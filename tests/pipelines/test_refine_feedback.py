"""What a revision request shows: wrong outputs with a cell mask, tracebacks, timeouts; never a test pair."""

from __future__ import annotations

import asyncio

from arcforge.pipelines.refine_feedback import (
    evaluate_program,
    feedback_text,
    refine_template,
    revision_request,
)
from arcforge.sandbox import Limits, Sandbox
from arcforge.task.model import Task

TASK = Task.from_dict(
    {
        "train": [
            {"input": [[1, 2], [3, 4]], "output": [[2, 1], [4, 3]]},
            {"input": [[5, 6, 7]], "output": [[7, 6, 5]]},
            {"input": [[8]], "output": [[8]]},
        ],
        "test": [{"input": [[9, 0]], "output": [[0, 9]]}],
    },
    task_id="flip",
)

PROGRAM = """
def solve(grid):
    if len(grid[0]) == 3:
        raise ValueError("three columns " + "x" * 5000)
    if grid == [[8]]:
        while True:
            pass
    return [row[:1] + row[1:] for row in grid]
"""


def _evaluate() -> dict:
    async def go() -> dict:
        async with Sandbox(workers=1, limits=Limits(wall_s=1.0)) as sandbox:
            return await evaluate_program(sandbox, PROGRAM, TASK)

    return asyncio.run(go())


def test_feedback_shows_each_failing_train_pair_and_no_test_pair() -> None:
    run = _evaluate()
    assert run["train_passed"] == 0 and [row["status"] for row in run["train"]] == [
        "wrong",
        "exception",
        "timeout",
    ]
    assert run["failing_cells"] == 4 + 3 + 1 and run["test_outputs"] == [None]  # killed with the loop
    text = feedback_text(TASK, run, encoding="json-rows")
    assert (
        "Your output (2x2):\n[[1,2],\n [3,4]]" in text and "Expected output (2x2):\n[[2,1],\n [4,3]]" in text
    )
    assert "4 of 4 cells differ" in text and "XX\nXX" in text
    assert "Your program failed (exception):" in text and "ValueError: three columns" in text
    assert len(text) < 6000  # the hostile traceback line is cut
    assert "Your program timed out" in text
    assert "[[9,0]]" not in text and "[[0,9]]" not in text  # the test pair, input or output
    request = revision_request(
        refine_template(), program=PROGRAM, feedback=text, task=TASK, run=run, encoding="json-rows"
    )
    assert "3 of them came out wrong" in request and "def solve(grid):" in request and text.strip() in request


def test_a_wrong_shape_is_said_in_words() -> None:
    run = {
        "train_total": 3,
        "train_passed": 2,
        "train": [
            {"status": "ok"},
            {"status": "wrong", "output": [[7], [6]], "error": None},
            {"status": "ok"},
        ],
    }
    text = feedback_text(TASK, run, encoding="digits")
    assert "Wrong size: your output is 2x1, the expected output is 1x3." in text
    assert "Example 2" in text and "Example 1" not in text
