"""What a refinement round shows the model: its program's results on the train pairs it got wrong.

:func:`evaluate_program` runs a program in the sandbox on a task's train and test inputs and returns
the record's ``benchmark`` block (the shape benchmark code records have), plus what refinement needs
of the train pairs: each one's output (or failure) and the number of wrong cells. :func:`feedback_text`
turns that block into the text of a revision request (the ``refine-v1`` template's ``$feedback``): per
failing train pair, the input, the program's output (or the last lines of its traceback, or the
timeout) and the expected output, in the run's grid encoding, plus a cell mask where the shapes agree.
Only train pairs are ever shown: test outputs never enter a revision request (and in a benchmark the
worker's task has none).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from arcforge.prompts import PromptTemplate, load_template
from arcforge.task.encoding import get_encoding
from arcforge.task.grid import Grid

if TYPE_CHECKING:
    from arcforge.sandbox import Sandbox
    from arcforge.task.model import Task

__all__ = [
    "REFINE_TEMPLATE",
    "evaluate_program",
    "failing_cells",
    "feedback_hash",
    "feedback_text",
    "refine_template",
    "revision_request",
]

REFINE_TEMPLATE = "refine-v1"
_TRACEBACK_LINES = 8
_LINE_CHARS = 240
_LISTED_CELLS = 12


def refine_template(name: str | None = None) -> PromptTemplate:
    """The revision template (``refine-v1`` unless named)."""
    return load_template(name or REFINE_TEMPLATE)


def failing_cells(output: Grid | None, expected: Grid) -> int:
    """Wrong cells of ``output`` against ``expected``; every expected cell when the shapes differ or
    there is no output."""
    if output is None or output.shape != expected.shape:
        return expected.height * expected.width
    return sum(a != b for a, b in zip(output.cells, expected.cells, strict=True))


async def evaluate_program(sandbox: Sandbox, code: str, task: Task) -> dict[str, Any]:
    """Run ``code`` on ``task``'s train and test inputs; the record's ``benchmark`` block.

    ``train`` holds per pair its status (``ok``, ``wrong`` or the sandbox's failure kind), its error,
    the program's output grid and its wrong-cell count; ``failing_cells`` sums them.
    """
    inputs = [pair.input for pair in task.train] + [pair.input for pair in task.test]
    results = await sandbox.run(code, inputs)
    train, test = results[: len(task.train)], results[len(task.train) :]
    rows: list[dict[str, Any]] = []
    for result, pair in zip(train, task.train, strict=True):
        assert pair.output is not None
        right = result.status == "ok" and result.output == pair.output
        rows.append(
            {
                "status": "ok" if right else ("wrong" if result.status == "ok" else result.status),
                "error": result.error,
                "output": result.output.to_list() if result.output is not None else None,
                "wrong_cells": 0 if right else failing_cells(result.output, pair.output),
            }
        )
    return {
        "train_total": len(task.train),
        "train_passed": sum(row["status"] == "ok" for row in rows),
        "train": rows,
        "failing_cells": sum(int(row["wrong_cells"]) for row in rows),
        "test_outputs": [r.output.to_list() if r.ok and r.output is not None else None for r in test],
        "test_status": [r.status for r in test],
        "test_errors": [r.error for r in test],
    }


def feedback_text(task: Task, run: dict[str, Any], *, encoding: str) -> str:
    """The failing train pairs of ``run`` (a ``benchmark`` block) as text; never a test pair."""
    chosen = get_encoding(encoding)
    blocks = []
    for number, (pair, row) in enumerate(zip(task.train, run["train"], strict=True), start=1):
        if row["status"] == "ok":
            continue
        assert pair.output is not None
        lines = [f"Example {number}", f"Input ({pair.input.height}x{pair.input.width}):"]
        lines.append(chosen.encode(pair.input))
        output = _grid(row.get("output"))
        if row["status"] == "wrong" and output is not None:
            lines += [f"Your output ({output.height}x{output.width}):", chosen.encode(output)]
        elif row["status"] == "timeout":
            lines.append(f"Your program timed out: {row.get('error') or 'time limit exceeded'}")
        else:
            lines_of_error = str(row.get("error") or row["status"]).splitlines()[-_TRACEBACK_LINES:]
            tail = "\n".join(  # a hostile program may raise with very long lines: keep their starts
                line if len(line) <= _LINE_CHARS else f"{line[:_LINE_CHARS]} ..." for line in lines_of_error
            )
            lines += [f"Your program failed ({row['status'].replace('_', ' ')}):", tail]
        lines += [f"Expected output ({pair.output.height}x{pair.output.width}):", chosen.encode(pair.output)]
        lines.append(_diff(output, pair.output))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def revision_request(
    template: PromptTemplate, *, program: str, feedback: str, task: Task, run: dict[str, Any], encoding: str
) -> str:
    """The user turn of a revision request: ``template`` filled with the program and the feedback."""
    from string import Template

    values = {
        "program": program.rstrip(),
        "feedback": feedback,
        "train_count": str(len(task.train)),
        "failing_count": str(int(run["train_total"]) - int(run["train_passed"])),
        "encoding": get_encoding(encoding).description,
    }
    return Template(template.user).substitute(values).strip()


def feedback_hash(text: str) -> str:
    """The name a feedback text is stored under in the run folder (``feedback/<hash>.txt``)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _grid(value: Any) -> Grid | None:
    if value is None:
        return None
    try:
        return Grid(value)
    except Exception:
        return None


def _diff(output: Grid | None, expected: Grid) -> str:
    if output is None:
        return "(no output grid to compare)"
    if output.shape != expected.shape:
        return (
            f"Wrong size: your output is {output.height}x{output.width}, "
            f"the expected output is {expected.height}x{expected.width}."
        )
    wrong = [
        (r, c)
        for r in range(expected.height)
        for c in range(expected.width)
        if output[r, c] != expected[r, c]
    ]
    mask = "\n".join(
        "".join("X" if output[r, c] != expected[r, c] else "." for c in range(expected.width))
        for r in range(expected.height)
    )
    listed = ", ".join(
        f"(row {r}, col {c}): yours {output[r, c]}, expected {expected[r, c]}"
        for r, c in wrong[:_LISTED_CELLS]
    )
    more = f" and {len(wrong) - _LISTED_CELLS} more" if len(wrong) > _LISTED_CELLS else ""
    return (
        f"{len(wrong)} of {expected.height * expected.width} cells differ (rows and columns from 0):\n"
        f"{mask}\n{listed}{more}"
    )
