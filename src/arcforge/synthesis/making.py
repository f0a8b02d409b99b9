"""Making a task from a generator program: every step in the sandbox, every check counted by reason.

The generator contract: ``generate_input(rng)`` (a seeded :class:`random.Random`; returns a grid),
``solve(grid)`` (the transformation) and optionally ``describe()`` (a sentence). The sandbox runs a
program's ``solve`` on grids, so the inputs are made by a *wrapper*: the generator's code followed by a
``solve`` that reads an rng seed from its grid (a 1-row grid of the seed's decimal digits), calls
``generate_input(random.Random(seed))`` and returns the grid it makes (the first call also prints
``describe()``, which the sandbox captures). So with the public ``Sandbox.run`` alone:

1. the wrapper runs on ``4 N`` seeds, and the first N distinct inputs are kept;
2. determinism, of ``generate_input`` on the kept seeds and of ``solve`` on the inputs: a second run in
   another process, on the grids in reverse order and then in order, must give the same grids in both
   passes and as the first run (:func:`outputs_again`; the sandbox forks every program from a warm
   server, so an unseeded ``random`` repeats across processes, but not within one);
3. the pair checks (:mod:`arcforge.synthesis.checks`) and the copy check;
4. the task (N-1 train pairs, 1 test pair) goes through JSON and back and the program must pass every
   pair of it (``Sandbox.run_task``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from arcforge.synthesis.checks import CopyIndex, pair_problem
from arcforge.task.grid import Grid
from arcforge.task.model import Pair, Task

if TYPE_CHECKING:
    from arcforge.sandbox import GridResult, Sandbox

__all__ = ["Made", "make_task", "outputs_again", "rng_seeds", "task_from_pairs", "task_id_of"]

ATTEMPTS_PER_PAIR = 4
_WRAPPER = """

# --- arcforge: the input maker (the sandbox calls solve; this solve makes an input) ---
import random as _arcforge_random

_arcforge_described = []


def solve(_arcforge_grid):
    seed = 0
    for value in _arcforge_grid[0]:
        seed = seed * 10 + int(value)
    if not _arcforge_described:
        _arcforge_described.append(True)
        describer = globals().get("describe")
        if callable(describer):
            print("ARCFORGE-DESCRIBE:" + str(describer())[:500])
    return generate_input(_arcforge_random.Random(seed))
"""


@dataclass
class Made:
    """What making a task came to: the task (accepted) or the reason it was refused, and the evidence."""

    task: Task | None = None
    reason: str | None = None
    detail: str = ""
    seeds: list[int] = field(default_factory=list)
    description: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": "accepted" if self.task is not None else "refused",
            "reason": self.reason,
            "detail": self.detail[:2000],
            "task_id": self.task.id if self.task is not None else None,
            "task": self.task.to_dict() if self.task is not None else None,
            "rng_seeds": self.seeds,
            "description": self.description,
        }


def rng_seeds(key: str, count: int) -> list[int]:
    """``count`` rng seeds for the generator of record ``key`` (stable: the same key, the same seeds)."""
    base = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % 900_000_000 + 100_000_000
    return [base + i for i in range(count)]


def task_id_of(task: Task) -> str:
    """A new task's id: the first 12 hex digits of its content hash (stable across runs)."""
    return task.content_hash()[:12]


def task_from_pairs(inputs: Sequence[Grid], outputs: Sequence[Grid], *, source: str = "") -> Task:
    """N-1 train pairs and one test pair, with the content-hash id."""
    pairs = tuple(Pair(grid_in, grid_out) for grid_in, grid_out in zip(inputs, outputs, strict=True))
    draft = Task(id="new", train=pairs[:-1], test=pairs[-1:], source=source)
    return Task(id=task_id_of(draft), train=draft.train, test=draft.test, source=source)


async def outputs_again(sandbox: Sandbox, code: str, grids: Sequence[Grid]) -> list[Grid | None] | None:
    """The program's outputs on ``grids`` run again: in one process, in reverse order and then in order
    (a program is forked from a warm server, so an unseeded ``random`` repeats across processes but not
    within one). None when the two passes of that process disagree."""
    results = await sandbox.run(code, [*reversed(grids), *grids])
    backwards = [r.output for r in results[: len(grids)]][::-1]
    forwards = [r.output for r in results[len(grids) :]]
    return forwards if backwards == forwards else None


def _failure(results: Sequence[GridResult]) -> tuple[str, str] | None:
    for result in results:
        if result.status == "invalid_output":
            return "invalid_grid", result.error or "not a grid"
    for result in results:
        if not result.ok:
            return "", f"{result.status}: {result.error or ''}"
    return None


async def make_task(
    sandbox: Sandbox, code: str, *, seed: Task, pairs: int, key: str, copies: CopyIndex | None = None
) -> Made:
    """Make and check the task ``code`` generates (see the module docstring); never raises for the
    program's faults (they are reasons)."""
    seeds = rng_seeds(key, pairs * ATTEMPTS_PER_PAIR)
    wrapper = code.rstrip() + "\n" + _WRAPPER
    seed_grids = [Grid([[int(d) for d in str(s)]]) for s in seeds]
    first = await sandbox.run(wrapper, seed_grids)
    described = next((r.stdout for r in first if "ARCFORGE-DESCRIBE:" in r.stdout), "")
    description = described.split("ARCFORGE-DESCRIBE:", 1)[1].strip() or None if described else None
    made = Made(seeds=[], description=description)
    good = [(s, r.output) for s, r in zip(seeds, first, strict=True) if r.ok and r.output is not None]
    if not good:
        failure = _failure(first)
        reason = "invalid_grid" if failure and failure[0] == "invalid_grid" else "generator_failed"
        return _refuse(made, reason, failure[1] if failure else "generate_input made no grid")
    inputs: list[Grid] = []
    for rng_seed, grid in good:
        if grid not in inputs:
            inputs.append(grid)
            made.seeds.append(rng_seed)
        if len(inputs) == pairs:
            break
    if len(inputs) < pairs:
        return _refuse(made, "inputs_not_distinct", f"{len(inputs)} distinct inputs from {len(seeds)} seeds")
    kept = [Grid([[int(d) for d in str(s)]]) for s in made.seeds]
    if await outputs_again(sandbox, wrapper, kept) != inputs:
        return _refuse(made, "nondeterministic", "generate_input gave other grids for the same seeds")
    solved = await sandbox.run(code, inputs)
    failure = _failure(solved)
    if failure is not None:
        return _refuse(made, failure[0] or "solve_failed", failure[1])
    outputs = [r.output for r in solved if r.output is not None]
    if await outputs_again(sandbox, code, inputs) != outputs:
        return _refuse(made, "nondeterministic", "solve gave other outputs for the same inputs")
    return await _finish(made, sandbox, code, inputs, outputs, seed=seed, copies=copies)


async def _finish(
    made: Made,
    sandbox: Sandbox,
    code: str,
    inputs: Sequence[Grid],
    outputs: Sequence[Grid],
    *,
    seed: Task,
    copies: CopyIndex | None,
) -> Made:
    problem = pair_problem(inputs, outputs, seed=seed)
    if problem is not None:
        return _refuse(made, problem, "")
    task = task_from_pairs(inputs, outputs)
    if copies is not None and copies.copied([*task.train, *task.test], seed):
        return _refuse(made, "copy", f"a pair or input of {seed.id} or of another dataset task")
    loaded = Task.from_dict(json.loads(json.dumps(task.to_dict())), task_id=task.id)
    results = await sandbox.run_task(code, loaded)
    if loaded != task or not all(r.status == "passed" for r in results):
        return _refuse(made, "round_trip_failed", "the program fails its own pairs read back from JSON")
    made.task = task
    return made


def _refuse(made: Made, reason: str, detail: str) -> Made:
    made.reason = reason
    made.detail = detail
    return made
