"""Test helpers for refinement: small recolouring tasks and a scripted model that only fixes a program
once a revision request shows it the wrong outputs of that program.

Task ``recolor{n}`` turns colour 1 into colour ``2 + n`` (n = 0..5). The model's first answer for a
task turns 1 into ``7 - n`` instead (wrong on every train pair); a request that holds the encoded
wrong output of *every* train pair (what a revision request shows) gets the right program, with a
comment that makes each right program distinct. The test pair's output has a row (``2 2 2 2 0`` in
``recolor0``) that appears in no train pair, so a leak is visible in a request's digit rows.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from pathlib import Path
from typing import Any

from arcforge.task.encoding import encode_grid
from arcforge.task.grid import Grid
from arcforge.testing import reply

TRAIN = ([[1, 0, 1], [0, 1, 0]], [[0, 0], [1, 1], [0, 1]])
TEST = [[1, 1, 1, 1, 0], [0, 0, 0, 0, 1]]


def recolor(grid: list[list[int]], colour: int) -> list[list[int]]:
    return [[colour if cell == 1 else cell for cell in row] for row in grid]


def task_data(n: int) -> dict[str, Any]:
    """``recolor{n}``; its inputs carry ``n`` extra columns of 0 so each task's prompt is its own."""
    pad = [0] * n

    def widen(grid: list[list[int]]) -> list[list[int]]:
        return [row + pad for row in grid]

    colour = 2 + n
    return {
        "train": [{"input": widen(g), "output": recolor(widen(g), colour)} for g in TRAIN],
        "test": [{"input": widen(TEST), "output": recolor(widen(TEST), colour)}],
    }


def write_tasks(folder: Path, count: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        (folder / f"recolor{n}.json").write_text(json.dumps(task_data(n)))
    return folder


def program(colour: int, note: str = "") -> str:
    comment = f"    # {note}\n" if note else ""
    return (
        f"The ones become colour {colour}.\n```python\ndef solve(grid):\n{comment}"
        f"    return [[{colour} if c == 1 else c for c in row] for row in grid]\n```"
    )


def digit_rows(text: str) -> set[str]:
    """Every run of digits of each line of ``text`` with the separators dropped (``[2,2,0]`` -> ``220``)."""
    rows = set()
    for line in text.splitlines():
        for part in re.findall(r"[\d][\d ,]*", line):
            rows.add(re.sub(r"\D", "", part))
    return rows


class RefineModel:
    """The scripted model's behaviour (a ``ScriptedServer`` responder), with what it was asked."""

    def __init__(self, count: int, *, delay_s: float = 0.0) -> None:
        self.tasks = [task_data(n) for n in range(count)]
        self.delay_s = delay_s
        self.lock = threading.Lock()
        self.counter = itertools.count()
        self.right_answers = 0

    def which(self, first_user: str) -> int:
        for n, data in enumerate(self.tasks):
            if all(encode_grid(Grid(p["input"])) in first_user for p in data["train"]):
                return n
        raise AssertionError("the request names none of the scripted tasks")

    def shows_wrong_outputs(self, text: str, n: int) -> bool:
        wrong = 7 - n
        return all(encode_grid(Grid(recolor(p["input"], wrong))) in text for p in self.tasks[n]["train"])

    def __call__(self, request: dict[str, Any]) -> Any:
        messages = request["messages"]
        first_user = next(m["content"] for m in messages if m["role"] == "user")
        n = self.which(first_user)
        last = messages[-1]["content"]
        if len(messages) > 2 and self.shows_wrong_outputs(last, n):
            with self.lock:
                self.right_answers += 1
                note = f"revision {next(self.counter)}"
            text = program(2 + n, note)
        else:
            text = program(7 - n)
        return reply(text, prompt_tokens=500, completion_tokens=80, cost=0.001, delay_s=self.delay_s)


def hidden_rows(count: int) -> set[str]:
    """The digit rows of every task's test output that appear in none of its train grids or test input."""
    rows = set()
    for n in range(count):
        data = task_data(n)
        seen = set()
        for pair in data["train"]:
            for grid in (pair["input"], pair["output"]):
                seen |= {"".join(map(str, row)) for row in grid}
        seen |= {"".join(map(str, row)) for row in data["test"][0]["input"]}
        rows |= {"".join(map(str, row)) for row in data["test"][0]["output"]} - seen
    return rows
