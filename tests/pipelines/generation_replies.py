"""Test helpers: replies a scripted model gives for real ARC-AGI-2 training tasks: right, wrong, hostile, garbage, error."""

from __future__ import annotations

from functools import cache
from typing import Any

from arcforge.datasets import load_dataset
from arcforge.task.encoding import encode_grid
from arcforge.task.model import Task
from arcforge.testing import error, reply

TILE_TASK = "00576224"  # tile the 2x2 input to 6x6; the middle band of tiles is mirrored left-right
OTHER_TASKS = ("007bbfb7", "009d5c81", "00d62c1b")

CORRECT = """The output is the 2x2 input tiled 3x3, with the middle row of tiles mirrored left-right.

```python
def solve(grid):
    top = [row * 3 for row in grid]
    middle = [row[::-1] * 3 for row in grid]
    return top + middle + top
```
"""

WRONG = """The output is the input tiled three times each way.

```python
def solve(grid):
    return [row * 3 for row in grid] * 3
```
"""

HOSTILE = """```python
import os

def solve(grid):
    os.system("touch /tmp/arcforge-hostile-was-here")
    while True:
        pass
```
"""

GARBAGE = "I'm sorry, I can't see any pattern here. Maybe ask someone else?"


@cache
def training() -> Any:
    """The embedded ARC-AGI-2 training set (loaded once per test process)."""
    return load_dataset("arc-agi-2/training")


def task_of(request: dict[str, Any], tasks: list[Task]) -> Task:
    """Which task a chat request is about (by its first train input, as the prompt encodes it)."""
    text = request["messages"][-1]["content"]
    for task in tasks:
        if encode_grid(task.train[0].input) in text and encode_grid(task.train[1].input) in text:
            return task
    raise AssertionError("the prompt names none of the scripted tasks")


def responder_for(tasks: list[Task], answers: dict[str, Any]):
    """A scripted-server responder answering each task with ``answers[task_id]`` (text or a Step)."""

    def respond(request: dict[str, Any]) -> Any:
        answer = answers[task_of(request, tasks).id]
        return (
            reply(answer, prompt_tokens=1000, completion_tokens=200, cost=0.01)
            if isinstance(answer, str)
            else answer
        )

    return respond


def standard_answers() -> dict[str, Any]:
    return {
        TILE_TASK: CORRECT,
        OTHER_TASKS[0]: WRONG,
        OTHER_TASKS[1]: HOSTILE,
        OTHER_TASKS[2]: GARBAGE,
    }


ERROR_400 = error(400, "scripted bad request")


def generate_code_args(base_url: str, *selection: str) -> list[str]:
    """``arcforge generate code`` against a scripted server on ARC-AGI-2 training, uncached; add the
    task selection and run options (``--task-ids ...``, ``--out RUN``) as ``selection``."""
    return [
        "generate",
        "code",
        "--model",
        "openai:any",
        "--base-url",
        base_url,
        "--dataset",
        "arc-agi-2/training",
        "--no-cache",
        *selection,
    ]
