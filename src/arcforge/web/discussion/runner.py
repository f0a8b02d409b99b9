"""The code box: run a program in the sandbox on every pair of a task and judge what may be judged.

One :class:`CodeRunner` per app keeps a warm :class:`arcforge.sandbox.Sandbox`, started on the first
run (so an app that never runs code starts no process) and closed with the app. The program is
hostile: it runs in the sandbox's isolated processes under its time and memory limits, and a program
that loops forever ends as ``timeout`` while the server goes on serving (the sandbox talks to its
workers with asynchronous pipes).

Judging follows the testing page's rule: a train pair shows its expected output and passes or fails;
a test pair shows the program's output, but its expected output and the verdict only once the
viewer's attempts on that input are done (``answer`` in the store's attempt status). Until then its
status is ``hidden``, so the code box is no oracle for the test outputs; the same holds for a train
pair that is a test output the viewer may not see (a swap version's, issue 12).
"""

from __future__ import annotations

import asyncio
from typing import Any

from arcforge.task.grid import Grid
from arcforge.task.model import Task

__all__ = ["CodeRunner", "FAILURE_LABELS"]

FAILURE_LABELS = {
    "timeout": "time limit reached",
    "memory": "memory limit reached",
    "syntax_error": "syntax error",
    "no_solver": "no solver function",
    "exception": "the program raised an exception",
    "invalid_output": "the program did not return a grid",
}


class CodeRunner:
    """Runs code-box programs in one lazily started sandbox pool."""

    def __init__(self, *, workers: int, wall_s: float, libraries: tuple[str, ...] = ()) -> None:
        self.workers = workers
        self.wall_s = wall_s
        self.libraries = libraries  # solver libraries its programs may import (ARCFORGE_DISCUSS_LIBRARIES)
        self._sandbox: Any = None
        self._lock = asyncio.Lock()

    async def _pool(self) -> Any:
        async with self._lock:
            if self._sandbox is None:
                from arcforge.sandbox import Limits, Sandbox

                sandbox = Sandbox(
                    workers=self.workers, limits=Limits(wall_s=self.wall_s), libraries=self.libraries
                )
                await sandbox.start()
                self._sandbox = sandbox
            return self._sandbox

    async def run(self, code: str, grids: list[Grid]) -> list[Any]:
        """One :class:`~arcforge.sandbox.GridResult` per grid."""
        sandbox = await self._pool()
        results: list[Any] = await sandbox.run(code, grids)
        return results

    async def run_task(
        self, code: str, task: Task, *, answers: list[Any], withheld: set[int] | None = None
    ) -> list[dict[str, Any]]:
        """Every pair's result as the page shows it; ``answers[i]`` is test output i when it may be shown;
        ``withheld``: train pairs whose output is a test output the viewer may not see (judged as hidden)."""
        hidden = withheld or set()
        pairs = [("train", i, p.input, None if i in hidden else p.output) for i, p in enumerate(task.train)]
        pairs += [
            ("test", i, p.input, Grid(answers[i]) if i < len(answers) and answers[i] is not None else None)
            for i, p in enumerate(task.test)
        ]
        results = await self.run(code, [grid for _, _, grid, _ in pairs])
        return [
            pair_json(split, index, expected, result)
            for (split, index, _, expected), result in zip(pairs, results, strict=True)
        ]

    async def passes_train(self, code: str, task: Task) -> tuple[bool, int]:
        """Whether the program solves every train pair, and how many it solves."""
        results = await self.run(code, [p.input for p in task.train])
        solved = sum(
            1 for pair, r in zip(task.train, results, strict=True) if r.ok and r.output == pair.output
        )
        return solved == len(task.train), solved

    async def close(self) -> None:
        async with self._lock:
            sandbox, self._sandbox = self._sandbox, None
        if sandbox is not None:
            await sandbox.close()


def pair_json(split: str, index: int, expected: Grid | None, result: Any) -> dict[str, Any]:
    """One pair for the page; ``expected`` is None for a test output that may not be shown yet."""
    data: dict[str, Any] = {"split": split, "index": index, "kind": result.status}
    data["output"] = result.output.to_list() if result.output is not None else None
    data["expected"] = expected.to_list() if expected is not None else None
    if not result.ok:
        label = FAILURE_LABELS.get(result.status, result.status)
        data["status"] = "error"
        data["error"] = f"{label}: {result.error}" if result.error and result.error != label else label
    elif expected is None:
        data["status"] = "hidden"
    else:
        data["status"] = "passed" if result.output == expected else "failed"
    data["stdout"] = (result.stdout or "")[:2000]
    return data
