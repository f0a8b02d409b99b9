"""Verification of generated programs: every program on every train and test pair, in the sandbox.

:func:`verify_run` reads a run's records, runs each program once on all of its task's inputs (one
sandbox execution per sample, so a program's start-up is paid once) and streams thousands of them
through the sandbox pool, a bounded number in flight. The task comes from the record's ``task_data``,
so a run directory verifies on its own; the same program text on the same task (samples
that came out identical) is executed once. Each sample gets one line in ``RUN_DIR/verification.jsonl``
(written to a temporary file and renamed, so a reader never sees half a file):
``{key, task_id, task_version, sample_index, verified, outcome, pairs: [{split, index, status, output,
error}]}``. A pair's ``status`` is ``passed``, ``failed`` (the wrong grid, in ``output``) or the
sandbox's failure kind (``timeout``, ``exception``, ...). A sample is **verified** only when every
train *and* test pair passed. Its ``outcome`` is ``verified``, ``wrong_output``, the first failure kind
of its pairs, ``unknown`` (a test output the data lacks), or, for a record without a program, its
generation status (``parse_failure``, ``error``).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from arcforge.engine import RunDirectory, utc_now
from arcforge.engine.progress import RunProgress
from arcforge.errors import InvalidTaskError, RunError
from arcforge.task.model import Task

if TYPE_CHECKING:
    from arcforge.sandbox import Limits, PairResult, Sandbox

__all__ = ["VERIFICATION_FILE", "VerifySummary", "load_verification", "sample_outcome", "verify_run"]

VERIFICATION_FILE = "verification.jsonl"
_IN_FLIGHT = 256
_FAILURE_ORDER = ("syntax_error", "no_solver", "exception", "timeout", "memory", "invalid_output")


@dataclass(frozen=True, slots=True)
class VerifySummary:
    """How many samples there were, how many are verified, and the count of each outcome."""

    path: Path
    samples: int
    verified: int
    by_outcome: dict[str, int]
    tasks: int = 0
    tasks_verified: int = 0
    elapsed_s: float = 0.0
    failures: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_dir": str(self.path),
            "samples": self.samples,
            "verified": self.verified,
            "not_verified": self.samples - self.verified,
            "tasks": self.tasks,
            "tasks_verified": self.tasks_verified,
            "by_outcome": dict(self.by_outcome),
            "failures": dict(self.failures),
            **self.failures,
            "elapsed_s": self.elapsed_s,
        }


def sample_outcome(pairs: list[dict[str, Any]]) -> str:
    """The outcome of a sample from its pairs' statuses (see the module docstring)."""
    statuses = [pair["status"] for pair in pairs]
    if statuses and all(status == "passed" for status in statuses):
        return "verified"
    for kind in _FAILURE_ORDER:
        if kind in statuses:
            return kind
    if "failed" in statuses:
        return "wrong_output"
    return "unknown"


async def verify_run(
    path: Path | str,
    *,
    sandbox: Sandbox | None = None,
    workers: int | None = None,
    limits: Limits | None = None,
    progress: bool | None = None,
) -> VerifySummary:
    """Verify every program of the run in ``path``; write ``verification.jsonl``; return the summary.

    ``sandbox`` may be a started :class:`~arcforge.sandbox.Sandbox` to reuse; otherwise one with
    ``workers`` processes (default: one per core) and ``limits`` is started and closed here. Raises
    :class:`RunError` for a folder that holds no run, or a run without programs (a reasoning run).
    """
    import time

    from arcforge.sandbox import Sandbox

    run = RunDirectory.open(path)
    kind = run.config.get("kind")
    if kind in ("reasoning", "direct"):
        made_by = (
            "a reasoning run" if kind == "reasoning" else "a `benchmark direct` run (grids, not programs)"
        )
        raise RunError(f"{run.path} is {made_by}: it holds no programs to verify (generate code instead)")
    records = [r for r in run.iter_records() if r.get("kind", "code") == "code"]
    started = time.monotonic()
    if sandbox is None:
        async with Sandbox(workers=workers, limits=limits) as own:
            entries = await _verify_records(records, own, progress=progress)
    else:
        entries = await _verify_records(records, sandbox, progress=progress)
    _write_lines(run.path / VERIFICATION_FILE, entries)
    return summarize(run.path, entries, elapsed_s=round(time.monotonic() - started, 3))


def summarize(path: Path, entries: Iterable[dict[str, Any]], *, elapsed_s: float = 0.0) -> VerifySummary:
    """The summary of verification entries (as written in ``verification.jsonl``)."""
    outcomes: Counter[str] = Counter()
    failures: Counter[str] = Counter()
    tasks: dict[str, bool] = {}
    for entry in entries:
        outcomes[entry["outcome"]] += 1
        task = f"{entry.get('task_id')}:v{entry.get('task_version', 0)}"
        tasks[task] = tasks.get(task, False) or bool(entry["verified"])
        if not entry["verified"]:
            failures[entry["outcome"]] += 1
    samples = sum(outcomes.values())
    return VerifySummary(
        path=path,
        samples=samples,
        verified=outcomes.get("verified", 0),
        by_outcome=dict(sorted(outcomes.items(), key=lambda item: (-item[1], item[0]))),
        tasks=len(tasks),
        tasks_verified=sum(tasks.values()),
        elapsed_s=elapsed_s,
        failures={kind: count for kind, count in sorted(failures.items()) if count},
    )


def load_verification(path: Path | str) -> dict[str, dict[str, Any]]:
    """``verification.jsonl`` of a run, by record key; :class:`RunError` when the run is not verified."""
    file = Path(path) / VERIFICATION_FILE
    if not file.is_file():
        raise RunError(f"{path} has no {VERIFICATION_FILE}: run `arcforge verify {path}` first")
    entries = {}
    with file.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                try:
                    entry = json.loads(line)
                except ValueError as exc:
                    raise RunError(
                        f"{file} line {number} is corrupt ({exc}); run `arcforge verify` again"
                    ) from None
                entries[entry["key"]] = entry
    return entries


async def _verify_records(
    records: list[dict[str, Any]], sandbox: Sandbox, *, progress: bool | None
) -> list[dict]:
    in_flight = asyncio.Semaphore(_IN_FLIGHT)  # the pool queues the rest; this bounds memory
    # one execution per (program, task version): a run's records of one task version share its data
    runs: dict[tuple[str, str, int], asyncio.Task[list[PairResult]]] = {}

    async def execute(code: str, task: Task) -> list[PairResult]:
        async with in_flight:
            return await sandbox.run_task(code, task)

    def results_for(code: str, task: Task) -> asyncio.Task[list[PairResult]]:
        key = (hashlib.sha256(code.encode()).hexdigest(), task.id, task.version)
        if key not in runs:
            runs[key] = asyncio.ensure_future(execute(code, task))
        return runs[key]

    with RunProgress(total=len(records), description="verify", enabled=progress, usage=False) as bar:

        async def one(record: dict[str, Any]) -> dict[str, Any]:
            entry = await _verify_record(record, results_for)
            bar.advance(0, 0.0)
            return entry

        return list(await asyncio.gather(*(one(record) for record in records)))


async def _verify_record(record: dict[str, Any], results_for: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "key": record.get("key"),
        "task_id": record.get("task_id"),
        "task_version": record.get("task_version", 0),
        "sample_index": record.get("sample_index", 0),
        "verified": False,
        "outcome": str(record.get("status") or "error"),
        "pairs": [],
        "verified_at": utc_now(),
    }
    code = record.get("python_code")
    if not code:
        if entry["outcome"] == "ok":
            entry["outcome"] = "parse_failure"
        return entry
    try:
        task = Task.from_dict(
            record["task_data"],
            task_id=str(record.get("task_id")),
            version=int(record.get("task_version") or 0),
        )
    except (KeyError, TypeError, InvalidTaskError) as exc:
        raise RunError(f"record {record.get('key')} has no usable task_data ({exc})") from None
    results = await results_for(code, task)
    entry["pairs"] = [_pair(result) for result in results]
    entry["outcome"] = sample_outcome(entry["pairs"])
    entry["verified"] = entry["outcome"] == "verified"
    return entry


def _pair(result: PairResult) -> dict[str, Any]:
    data = result.to_dict()
    if result.status == "error":
        data["status"] = result.kind
    return data


def _write_lines(path: Path, entries: list[dict[str, Any]]) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with temporary.open("w", encoding="utf-8") as handle:
        for entry in entries:
            handle.write(json.dumps(entry, separators=(",", ":")) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
