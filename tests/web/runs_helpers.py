"""Run folders for the runs viewer's tests: real runs against the scripted server, and hand-made ones.

- :func:`generate_run`: ``arcforge generate code`` on three ARC-AGI-2 training tasks (one right program,
  one wrong, one prose reply) and ``arcforge verify``.
- :func:`benchmark_run`: ``arcforge benchmark code`` on two small tasks (flip solved, recolor memorised).
- :func:`refined_run`: ``arcforge benchmark code --refine 2`` on the same tasks; recolor's programs are
  fixed only in revisions (one of them needs two rounds), so the run has a lineage tree.
- :func:`tasks_run`: ``arcforge generate tasks`` seeded by the same two tasks.
- hand-made runs (:mod:`runs_handmade`, re-exported here): a refined and a direct benchmark run, and a
  large synthetic generate run.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from runs_handmade import (  # noqa: F401 - re-exported: the viewer's tests import them from here
    FLIP_IN,
    IDENTITY,
    RECOLOR_1,
    RECOLOR_IN,
    RIGHT_FLIP,
    SYNTHETIC_ID,
    handmade_direct_run,
    handmade_refined_run,
    small_dataset,
    synthetic_run,
)

from arcforge.cli import main
from arcforge.testing import ScriptedServer

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
