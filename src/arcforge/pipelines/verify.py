"""Verification of generated samples: programs on every train and test pair in the sandbox, reasoning
traces by their predicted test outputs; streamed, appended as results come, resumable.

:func:`verify_run` streams a run's current records (those no resume superseded) and checks each one:

- a **program** (``generate code``, ``benchmark code``) runs once on all of its task's inputs (one
  sandbox execution per sample, so a program's start-up is paid once); the same program text on the same
  task (samples that came out identical, usually neighbours in the file) is executed once;
- a **reasoning trace** made with a template that asks for the test outputs (``reasoning-v2`` on) is
  checked by its ``predictions``: one grid per test input, each compared with the test output.

The task comes from the record's ``task_data``, so a run directory verifies on its own. At most
:data:`IN_FLIGHT` samples are in flight and nothing is kept per sample once its line is written, so
memory does not grow with the run. Each sample gets one line in ``verification.jsonl``
(:mod:`arcforge.pipelines.verification_file`), appended as it finishes: a killed ``verify`` continues
where it stopped, and a finished one only verifies what a resume added (``fresh=True`` redoes all).

A pair's ``status`` is ``passed``, ``failed`` (the wrong grid, in ``output``) or the sandbox's failure
kind (``timeout``, ``exception``, ...). A sample is **verified** only when every train *and* test pair
passed (a reasoning trace: every test output). Its ``outcome`` is ``verified``, ``wrong_output``, the
first failure kind of its pairs, ``unknown`` (a test output the data lacks), ``no_prediction`` (a
reasoning reply without a grid for every test input), or, for a record without a program, its
generation status (``parse_failure``, ``error``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from arcforge.engine import RunDirectory, Status, cost_is_unknown, utc_now
from arcforge.engine.progress import RunProgress
from arcforge.engine.records import current_records
from arcforge.errors import InvalidTaskError, RunError
from arcforge.pipelines.corpus import origin_text
from arcforge.pipelines.verification_file import (
    VERIFICATION_FILE,
    VerificationLog,
    VerifySummary,
    entry_identity,
    iter_entries,
    summarize,
)
from arcforge.task.grid import Grid
from arcforge.task.model import Task

if TYPE_CHECKING:
    from arcforge.sandbox import Limits, PairResult, Sandbox

__all__ = [
    "IN_FLIGHT",
    "VERIFICATION_FILE",
    "VerifySummary",
    "load_verification",
    "sample_outcome",
    "summarize",
    "verify_run",
]

IN_FLIGHT = 256  # samples being checked at once (the pool queues the rest); bounds memory
_RECENT_PROGRAMS = 4096  # results kept for identical programs (neighbouring samples of a task)
_FAILURE_ORDER = ("syntax_error", "no_solver", "exception", "timeout", "memory", "invalid_output")

_Results = Callable[[str, Task], Awaitable[list["PairResult"]]]


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
    fresh: bool = False,
) -> VerifySummary:
    """Verify the samples of the run in ``path`` not yet in ``verification.jsonl``; return the summary
    of the whole run (``fresh``: forget earlier results and verify everything again).

    ``sandbox`` may be a started :class:`~arcforge.sandbox.Sandbox` (or anything with its ``run_task``)
    to reuse; otherwise one with ``workers`` processes (default: one per core, plus one) and ``limits`` is started
    and closed here, only when a program is left to run. Raises :class:`RunError` for a folder that
    holds no run, or a `benchmark direct` run (grids, not programs).
    """
    run = RunDirectory.open(path)
    if run.config.get("kind") == "direct":
        raise RunError(
            f"{run.path} is a `benchmark direct` run (grids, not programs): it holds no programs to verify; its score.json is its verdict"
        )
    started = time.monotonic()
    # A run of programs: start the sandbox's workers (numpy imports, namespaces) while this process
    # scans the records, instead of after (a start that fails only matters if a program is left).
    early: Sandbox | None = None
    starting: asyncio.Future[None] | None = None
    if sandbox is None and run.config.get("kind") == "code":
        from arcforge.sandbox import Sandbox

        early = Sandbox(workers=workers, limits=limits)
        starting = asyncio.ensure_future(early.start())
    try:
        return await _verify(run, started, early, starting, sandbox, workers, limits, progress, fresh)
    finally:
        if starting is not None:  # let a start under way finish (a cancelled one leaves processes)
            await asyncio.gather(starting, return_exceptions=True)
        if early is not None:
            await early.close()


async def _verify(
    run: RunDirectory,
    started: float,
    early: Sandbox | None,
    starting: asyncio.Future[None] | None,
    sandbox: Sandbox | None,
    workers: int | None,
    limits: Limits | None,
    progress: bool | None,
    fresh: bool,
) -> VerifySummary:
    totals = await asyncio.to_thread(_scan, run) if starting is not None else _scan(run)
    done: set[int] = set()
    current_done = 0
    if not fresh:
        for entry in iter_entries(run.path):
            identity = _identity_hash(entry)
            if identity not in done:
                done.add(identity)
                key, attempt = entry_identity(entry)
                current_done += totals.replaced.get(key, 0) == attempt
    todo_count = totals.current - current_done

    def todo() -> Iterable[dict[str, Any]]:
        for record in current_records(run.iter_records(), totals.replaced):
            if _identity_hash(record) not in done and record.get("kind", "code") in ("code", "reasoning"):
                yield record

    new = 0
    with (
        VerificationLog(run.path, fresh=fresh) as log,
        RunProgress(total=max(todo_count, 0), description="verify", enabled=progress, usage=False) as bar,
    ):

        async def check_all(results_for: _Results | None) -> int:
            return await _stream(todo(), results_for, log, bar)

        if totals.programs and todo_count > 0 and early is not None and starting is not None:
            await starting  # its error, if it failed, is this run's
            new = await check_all(_deduplicated(early))
        elif totals.programs and todo_count > 0 and sandbox is None:
            from arcforge.sandbox import Sandbox

            async with Sandbox(workers=workers, limits=limits) as own:
                new = await check_all(_deduplicated(own))
        else:
            new = await check_all(_deduplicated(sandbox) if sandbox is not None else None)
    if early is not None:
        await early.close()  # before the summary's read of the whole log: the workers are done
    timed_out: dict[int, str] = {}
    summary = summarize(
        run.path,
        _latest(run.path, totals.replaced, timed_out),
        elapsed_s=round(time.monotonic() - started, 3),
        cost_usd=None if totals.cost_unknown else round(totals.cost_usd, 6),
        tokens=totals.tokens,
        new=new,
    )
    return dataclasses.replace(summary, timed_out=_named(run, timed_out)) if timed_out else summary


def load_verification(path: Path | str) -> dict[str, dict[str, Any]]:
    """``verification.jsonl`` of a run by record key (the last line of a key wins); :class:`RunError`
    when the run is not verified. Holds every line: for small runs and tests (export streams)."""
    file = Path(path) / VERIFICATION_FILE
    if not file.is_file():
        raise RunError(f"{path} has no {VERIFICATION_FILE}: run `arcforge verify {path}` first")
    return {str(entry["key"]): entry for entry in iter_entries(path)}


# internals --------------------------------------------------------------------------------------
class _Totals:
    """One pass over ``records.jsonl``: superseded keys, current count, whole-run cost and tokens."""

    def __init__(self) -> None:
        self.replaced: dict[str, int] = {}
        self.records = 0
        self.programs = 0
        self.cost_usd = 0.0
        self.cost_unknown = 0
        self.tokens = 0

    @property
    def current(self) -> int:
        return self.records - sum(self.replaced.values())


def _scan(run: RunDirectory) -> _Totals:
    totals = _Totals()
    for record in run.iter_records():
        totals.records += 1
        if record.get("supersedes"):
            key = str(record.get("key"))
            totals.replaced[key] = max(totals.replaced.get(key, 0), int(record["supersedes"]))
        if record.get("python_code"):
            totals.programs += 1
        usage = record.get("usage") or {}
        totals.tokens += int(usage.get("prompt_tokens") or 0) + int(usage.get("completion_tokens") or 0)
        if cost_is_unknown(record):
            totals.cost_unknown += 1
        else:
            totals.cost_usd += float(record.get("cost_usd") or 0.0)
    return totals


def _identity_hash(record: Mapping[str, Any]) -> int:
    """A record's or entry's identity (key, attempt) as Python's 64-bit ``hash``: what verify holds per
    sample, in memory only (as the engine holds finished keys, ``engine/runner.py``).

    Sets of these cost about a fifth of the tuples of strings they stand for, which is what keeps a
    million-sample run's bookkeeping small; two identities sharing one (a chance of about 1 in 3e7
    at a million samples) would make verify take the second sample for done.
    """
    return hash(entry_identity(record))


def _latest(path: Path, replaced: Mapping[str, int], timed_out: dict[int, str]) -> Iterable[dict[str, Any]]:
    """The last line of each current sample in ``verification.jsonl``, reduced to what the summary counts;
    fills ``timed_out`` with the keys of samples whose program ran out of time."""
    latest: dict[int, tuple[str, int, bool, str]] = {}
    names: dict[str, str] = {}  # one copy of each task id and outcome, however many samples share it
    for entry in iter_entries(path):
        key, attempt = entry_identity(entry)
        if replaced.get(key, 0) != attempt:
            continue
        task_id, outcome = str(entry.get("task_id")), str(entry.get("outcome"))
        identity = _identity_hash(entry)
        if outcome == "timeout":
            timed_out[identity] = key
        else:
            timed_out.pop(identity, None)
        latest[identity] = (
            names.setdefault(task_id, task_id),
            int(entry.get("task_version") or 0),
            bool(entry.get("verified")),
            names.setdefault(outcome, outcome),
        )
    for task_id, version, verified, outcome in latest.values():
        yield {"task_id": task_id, "task_version": version, "verified": verified, "outcome": outcome}


def _named(run: RunDirectory, timed_out: dict[int, str]) -> tuple[str, ...]:
    """The samples that timed out, each as its key and, for a corpus program, the file or line it came
    from (``ab12cd34:v0:s0 (ab12cd34/slow.py)``); one more pass over the records, only when any did."""
    keys = set(timed_out.values())
    origins: dict[str, str] = {}
    for record in run.iter_records():
        key, origin = str(record.get("key")), record.get("origin")
        where = origin_text(origin) if key in keys and isinstance(origin, dict) else None
        if where:
            origins[key] = where
    return tuple(f"{key} ({origins[key]})" if key in origins else key for key in sorted(keys))


def _deduplicated(sandbox: Any) -> _Results:
    """``sandbox.run_task`` with identical (program, task version) runs shared while recent."""
    recent: OrderedDict[tuple[str, str, int], asyncio.Future[list[PairResult]]] = OrderedDict()

    def results_for(code: str, task: Task) -> asyncio.Future[list[PairResult]]:
        key = (hashlib.sha256(code.encode()).hexdigest(), task.id, task.version)
        future = recent.get(key)
        if future is None:
            future = asyncio.ensure_future(sandbox.run_task(code, task))
            recent[key] = future
            if len(recent) > _RECENT_PROGRAMS:
                recent.popitem(last=False)
        else:
            recent.move_to_end(key)
        return future

    return results_for


async def _stream(
    records: Iterable[dict[str, Any]], results_for: _Results | None, log: VerificationLog, bar: RunProgress
) -> int:
    """Check ``records`` with at most :data:`IN_FLIGHT` at once, appending each line as it is done."""
    limit = asyncio.Semaphore(IN_FLIGHT)
    written = 0

    async def one(record: dict[str, Any]) -> None:
        nonlocal written
        try:
            entry = await _check(record, results_for)
            log.append(entry)
            written += 1
            bar.advance(0, 0.0)
        finally:
            limit.release()

    async with asyncio.TaskGroup() as group:
        for record in records:
            await limit.acquire()
            group.create_task(one(record))
    return written


async def _check(record: Mapping[str, Any], results_for: _Results | None) -> dict[str, Any]:
    key, attempt = entry_identity(record)
    entry: dict[str, Any] = {
        "key": key,
        "attempt": attempt,
        "task_id": record.get("task_id"),
        "task_version": record.get("task_version", 0),
        "sample_index": record.get("sample_index", 0),
        "verified": False,
        "outcome": str(record.get("status") or Status.ERROR),
        "pairs": [],
        "verified_at": utc_now(),
    }
    code = record.get("python_code")
    reasoning = record.get("kind") == "reasoning"
    if reasoning:
        if record.get("status") != Status.OK:
            return entry
        if record.get("predictions") is None:  # made with a template that asked for no grids
            entry["outcome"] = "no_prediction"
            return entry
    elif not code:
        if entry["outcome"] == Status.OK:
            entry["outcome"] = Status.PARSE_FAILURE.value
        return entry
    try:
        task = Task.from_dict(
            record["task_data"],
            task_id=str(record.get("task_id")),
            version=int(record.get("task_version") or 0),
        )
    except (KeyError, TypeError, InvalidTaskError) as exc:
        raise RunError(f"record {record.get('key')} has no usable task_data ({exc})") from None
    if reasoning:
        entry["pairs"] = _prediction_pairs(record.get("predictions") or [], task)
    else:
        if results_for is None:
            raise RunError("a program to verify but no sandbox")  # _scan counted no program: a bug
        entry["pairs"] = [_pair(result) for result in await results_for(str(code), task)]
    entry["outcome"] = sample_outcome(entry["pairs"])
    if (
        reasoning
        and entry["outcome"] == "unknown"
        and any(p["status"] == "no_prediction" for p in entry["pairs"])
    ):
        entry["outcome"] = "no_prediction"
    entry["verified"] = entry["outcome"] == "verified"
    return entry


def _prediction_pairs(predictions: list[Any], task: Task) -> list[dict[str, Any]]:
    """A reasoning trace's predicted test outputs against the task's (all must match)."""
    pairs = []
    for index, pair in enumerate(task.test):
        predicted = predictions[index] if index < len(predictions) else None
        if predicted is None:
            status = "no_prediction"
        elif pair.output is None:
            status = "unknown"
        else:
            try:
                status = "passed" if Grid.from_rows(predicted) == pair.output else "failed"
            except (InvalidTaskError, TypeError, ValueError):
                status = "failed"
        pairs.append({"split": "test", "index": index, "status": status, "output": predicted, "error": None})
    return pairs


def _pair(result: PairResult) -> dict[str, Any]:
    data = result.to_dict()
    if result.status == "error":
        data["status"] = result.kind
    return data
