"""Hindsight tasks: a program that runs cleanly on all of its task's inputs but fails the task still
defines a task, the one it solves (its own outputs as the labels).

``arcforge export RUN_DIR --format tasks --hindsight`` on a code run (``generate code`` or ``benchmark
code``). Each program is run in the sandbox on the task's train and test inputs, twice; a program that
fails an input yields nothing (``not_clean``), one that reproduces every known output solves its task
and adds nothing (``solves_its_task``). The rest become tasks with the original split (train inputs
with the program's outputs as train pairs, the same for test), checked like generated tasks: identity,
constant and equal outputs, trivial transformations (unless the original task is one), a copy of a task
of the run or its dataset (the whole task, under the 8 symmetries), the JSON round trip. Written to
``OUT/tasks/<id>.json`` and ``OUT/dataset.json`` (default ``OUT``: ``RUN_DIR/hindsight``), with
provenance: the run, the record, the original task, the model and the program's hash.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from arcforge.engine.records import Status
from arcforge.errors import RunError
from arcforge.synthesis.checks import CopyIndex, pair_problem
from arcforge.synthesis.making import outputs_again, task_id_of
from arcforge.synthesis.output import Written, count_reasons, write_tasks
from arcforge.synthesis.preview import write_preview
from arcforge.task.grid import Grid
from arcforge.task.model import Pair, Task

if TYPE_CHECKING:
    from arcforge.sandbox import Sandbox

__all__ = ["HindsightOutcome", "hindsight_tasks"]


@dataclass(frozen=True)
class HindsightOutcome:
    written: Written
    counts: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"tasks_folder": str(self.written.folder), "index": str(self.written.index), **self.counts}


async def hindsight_tasks(
    run_path: Path | str, *, out: Path | str | None = None, sandbox: Sandbox | None = None
) -> HindsightOutcome:
    """Write the hindsight tasks of the code run in ``run_path`` (see the module docstring)."""
    from arcforge.engine import RunDirectory
    from arcforge.sandbox import Sandbox

    run = RunDirectory.open(run_path)
    latest: dict[str, Mapping[str, Any]] = {}
    for line in run.records():
        latest[str(line.get("key"))] = line
    programs = [
        r
        for _, r in sorted(latest.items())
        if r.get("status") == Status.OK and isinstance(r.get("python_code"), str)
    ]
    if not programs and not any(r.get("kind") in ("code", None) for r in latest.values()):
        raise RunError(f"{run.path} holds no programs: hindsight tasks come from a code run")
    tasks = {}
    for record in programs:
        key = (str(record["task_id"]), int(record.get("task_version") or 0))
        if key not in tasks:
            tasks[key] = Task.from_dict(record["task_data"], task_id=key[0], version=key[1])
    copies = CopyIndex([*tasks.values(), *_dataset_tasks(run.config)])
    if sandbox is None:
        async with Sandbox() as own:
            return await hindsight_tasks(run_path, out=out, sandbox=own)
    made: list[tuple[Task, dict[str, Any]]] = []
    reasons: list[str | None] = []
    for record in programs:
        task = tasks[(str(record["task_id"]), int(record.get("task_version") or 0))]
        code = str(record["python_code"])
        reason, new = await _hindsight(sandbox, code, task, copies)
        reasons.append(reason)
        if new is not None:
            made.append((new, _provenance(run.run_id, run.config, record, task, code)))
    root = Path(out) if out is not None else run.path / "hindsight"
    written = write_tasks(root, made)
    counts = count_reasons(reasons, len(written.duplicates))
    counts.update(tasks_written=len(written.task_ids), programs=len(programs))
    kept = list(
        {task.id: (task, prov) for task, prov in reversed(made) if task.id in written.task_ids}.values()
    )[::-1]
    write_preview(root / "tasks.html", f"hindsight tasks of {run.run_id}", kept, counts)
    return HindsightOutcome(written, counts)


async def _hindsight(
    sandbox: Sandbox, code: str, task: Task, copies: CopyIndex
) -> tuple[str | None, Task | None]:
    pairs = [*task.train, *task.test]
    inputs = [pair.input for pair in pairs]
    first = await sandbox.run(code, inputs)
    if not all(result.ok and result.output is not None for result in first):
        return "not_clean", None
    outputs: list[Grid] = [result.output for result in first if result.output is not None]
    if all(pair.output is None or pair.output == output for pair, output in zip(pairs, outputs, strict=True)):
        return "solves_its_task", None
    if await outputs_again(sandbox, code, inputs) != outputs:
        return "nondeterministic", None
    problem = pair_problem(inputs, outputs, seed=task)
    if problem is not None:
        return problem, None
    count = len(task.train)
    train = tuple(
        Pair(grid_in, grid_out) for grid_in, grid_out in zip(inputs[:count], outputs[:count], strict=True)
    )
    test = tuple(
        Pair(grid_in, grid_out) for grid_in, grid_out in zip(inputs[count:], outputs[count:], strict=True)
    )
    draft = Task(id="new", train=train, test=test)
    new = Task(id=task_id_of(draft), train=train, test=test)
    if copies.same_task(new):
        return "copy", None
    loaded = Task.from_dict(json.loads(json.dumps(new.to_dict())), task_id=new.id)
    results = await sandbox.run_task(code, loaded)
    if loaded != new or not all(result.status == "passed" for result in results):
        return "round_trip_failed", None
    return None, new


def _dataset_tasks(config: Mapping[str, Any]) -> list[Task]:
    """The run's dataset, for the copy check; none when it cannot be loaded any more."""
    from arcforge.datasets import load_dataset
    from arcforge.errors import ArcforgeError

    spec = config.get("dataset")
    if not spec:
        return []
    try:
        return list(load_dataset(str(spec)).tasks)
    except (ArcforgeError, OSError):
        return []


def _provenance(
    run_id: str, config: Mapping[str, Any], record: Mapping[str, Any], task: Task, code: str
) -> dict[str, Any]:
    return {
        "kind": "hindsight",
        "run_id": run_id,
        "record_key": record.get("key"),
        "source_task": task.id,
        "source_version": task.version,
        "dataset": config.get("dataset"),
        "dataset_hash": config.get("dataset_hash"),
        "model": record.get("model"),
        "template": record.get("template"),
        "program_hash": hashlib.sha256(code.encode()).hexdigest(),
    }
