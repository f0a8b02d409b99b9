"""A task whose test output cannot be mistaken for anything else in a response, and the leak detector.

The test output uses colours 4-9 in an irregular 7x7 pattern while every other grid uses 0-3, so a
7-digit run of it found in the *digits* of a response body (every separator removed: JSON, text,
compact encodings) means the output, or a symmetry of it, leaked. :func:`forbidden_runs` lists the rows
and columns of each version's test output, both ways; a colour-permuted version brings its own.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

TASK = "feed5eed"


def write_task(folder: Path) -> Path:
    rng = random.Random(12)
    folder.mkdir(parents=True, exist_ok=True)

    def low(h: int, w: int) -> list[list[int]]:
        return [[rng.randint(0, 3) for _ in range(w)] for _ in range(h)]

    output = [[rng.randint(4, 9) for _ in range(7)] for _ in range(7)]
    task = {
        "train": [{"input": low(7, 7), "output": low(7, 7)} for _ in range(3)],
        "test": [{"input": low(7, 7), "output": output}],
    }
    (folder / f"{TASK}.json").write_text(json.dumps(task))
    return folder


def runs_of(grid: list[list[int]]) -> set[str]:
    rows = ["".join(map(str, row)) for row in grid]
    columns = ["".join(str(row[c]) for row in grid) for c in range(len(grid[0]))]
    return {line for line in rows + columns} | {line[::-1] for line in rows + columns}


def forbidden_runs(catalog: Any, task_id: str = TASK) -> set[str]:
    """The digit runs of every version's test output (read on the server side, from the catalog)."""
    found: set[str] = set()
    for info in catalog.versions(task_id):
        task = catalog.get(task_id, info.version)
        for pair in task.test:
            if pair.output is not None and max(max(r) for r in pair.output.to_list()) >= 4:
                found |= runs_of(pair.output.to_list())
    return found


def leaks(body: str | bytes, runs: set[str]) -> list[str]:
    """The forbidden runs found in the digits of ``body``."""
    text = body.decode(errors="replace") if isinstance(body, bytes) else body
    digits = re.sub(r"\D", "", text)
    return sorted(run for run in runs if run in digits)
