"""Run work items through an async worker with bounded concurrency, durably, stoppably, resumably.

:func:`run_tasks` takes the run's lock, reads which keys are finished (under the lock, so two resumes
started together never both do a key), then runs ``concurrency`` lanes in an :class:`asyncio.TaskGroup`;
each lane takes the next pending :class:`WorkItem`, awaits the worker on it and appends the returned
record at once (the append is synchronous, so a cancellation can never leave half a record).

A key is finished when its last record is not retryable (:func:`arcforge.engine.records.is_retryable`):
a transport or server error is asked again on resume, and so is a parse failure with
``retry_parse_failures``; the new record says how many earlier records it ``supersedes``.

Stopping: the first SIGINT or SIGTERM (or ``--max-cost`` being reached, or a reply of unknown cost under
a budget) stops lanes from taking new items while in-flight items finish and are written; a second
signal cancels in-flight work at once (nothing of it is written, so it is simply done again on resume).
Either way the manifest is written once, with the :class:`StopReason`. A worker that raises is turned
into a record with status ``"error"`` (kind ``internal``); the run goes on.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from arcforge.engine.progress import RunProgress
from arcforge.engine.records import Status, is_retryable
from arcforge.engine.run_directory import RunDirectory, utc_now
from arcforge.engine.session import (
    Session,
    StopReason,
    Totals,
    Worker,
    WorkItem,
    signals,
)
from arcforge.errors import RunError, UsageError

__all__ = ["RunSummary", "StopReason", "WorkItem", "Worker", "run_tasks", "summarize_records"]  # re-exported

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RunSummary:
    """How a call of :func:`run_tasks` went; token and cost totals cover the whole run (resumes too).

    ``cost_usd`` is None when some reply's cost is unknown (``cost_unknown`` of them); ``retried`` is how
    many items were asked again because their last record was retryable.
    """

    path: Path
    run_id: str
    total: int
    skipped: int
    completed: int
    statuses: dict[str, int]
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None
    elapsed_s: float
    stopped: StopReason | None = None
    retried: int = 0
    cost_unknown: int = 0

    @property
    def finished(self) -> bool:
        return self.stopped is None


async def run_tasks(
    run: RunDirectory,
    items: Iterable[WorkItem],
    worker: Worker,
    *,
    concurrency: int = 4,
    max_cost_usd: float | None = None,
    progress: bool | None = None,
    description: str = "run",
    handle_signals: bool = True,
    retry_parse_failures: bool = False,
    probe_cost: bool = False,
) -> RunSummary:
    """Run ``worker`` on every item whose key is not finished in ``run``; return a :class:`RunSummary`.

    The worker returns the record (a JSON-able mapping); the engine sets ``key`` (and ``supersedes`` for
    a retried key) and adds ``run_id`` and ``created_at`` when absent, and reads ``status``, ``usage``
    and ``cost_usd`` for the totals. ``probe_cost`` (a budget on a model without a known price) runs the
    first item alone, so a server that reports no cost stops the run after one request.
    ``progress=None`` shows a progress bar only when stderr is a terminal. Raises :class:`UsageError`
    on duplicate keys or a concurrency below 1, :class:`RunError` when another process holds the run.
    """
    if concurrency < 1:
        raise UsageError(f"--concurrency must be at least 1 (got {concurrency})")
    # A sized, re-iterable collection (a list, or generate's lazy items) is walked, not copied: a run of
    # a million samples keeps no list of them. Finished keys are held as hashes (see _scan).
    all_items: Collection[WorkItem] = items if isinstance(items, Collection) else list(items)
    _check_unique(all_items)
    run.open_for_append()  # the lock first: the finished keys are read under it
    try:
        state = _scan(run, retry_parse_failures=retry_parse_failures)
    except BaseException:
        run.close()
        raise
    done, redo = state.done, state.redo

    def todo() -> Iterator[WorkItem]:
        for item in all_items:
            if hash(item.key) not in done:
                yield replace(item, attempt=redo[item.key]) if item.key in redo else item

    pending_count = retried = 0
    for item in all_items:  # one walk for both counts (a key to redo is never done)
        if hash(item.key) not in done:
            pending_count += 1
            retried += item.key in redo
    session = Session(
        run=run,
        worker=worker,
        totals=state.totals,
        redo=state.redo,
        max_cost_usd=max_cost_usd,
        queue=todo(),
        bar=RunProgress(
            total=len(all_items),
            done=len(all_items) - pending_count,
            description=description,
            enabled=progress,
        ),
    )
    started = time.monotonic()
    session_start = utc_now()
    run.log(
        f"session start: {len(all_items)} items, {len(all_items) - pending_count} already done, "
        f"{pending_count} to do ({retried} asked again), concurrency {concurrency}"
    )
    run.write_manifest(status="running", total_items=len(all_items))
    if session.cost_reached():
        session.stop(StopReason.MAX_COST)
    failure: BaseException | None = None
    try:
        with session.bar, signals(session, enabled=handle_signals):
            session.bar.update(session.totals.tokens, session.totals.cost_usd)
            try:
                await session.run_lanes(min(concurrency, pending_count), probe=probe_cost)
            except (asyncio.CancelledError, KeyboardInterrupt):  # run_tasks itself cancelled
                session.stop(StopReason.INTERRUPTED)
                raise
            except ExceptionGroup as group:  # a lane failed (a full disk): the group stopped the rest
                failure = group.exceptions[0]
                run.log(f"lane failed: {failure!r}")
                _log.error("run lane failed", exc_info=failure)
    finally:
        end = _scan(run, retry_parse_failures=retry_parse_failures)  # one read for both
        remaining = sum(1 for item in all_items if hash(item.key) not in end.done)
        stopped = (session.reason or (StopReason.FAILED if failure else None)) if remaining else None
        counts = _counts(end.totals, end.statuses)
        summary = RunSummary(
            path=run.path,
            run_id=run.run_id,
            total=len(all_items),
            skipped=len(all_items) - pending_count,
            completed=sum(session.counts.values()),
            statuses=dict(session.counts),
            prompt_tokens=session.totals.prompt_tokens,
            completion_tokens=session.totals.completion_tokens,
            cost_usd=counts["cost_usd"],
            elapsed_s=round(time.monotonic() - started, 3),
            stopped=stopped,
            retried=retried,
            cost_unknown=session.totals.cost_unknown,
        )
        _finish_manifest(run, summary, session_start, counts)
        shown = "unknown" if summary.cost_usd is None else f"{summary.cost_usd:.4f} USD"
        run.log(f"session end: {summary.completed} written, stopped={stopped}, cost {shown}")
        run.close()
    if failure is not None and stopped == StopReason.FAILED:
        raise RunError(
            f"the run stopped on an internal error ({failure!r}); see {run.path / 'run.log'} "
            f"and continue with --resume {run.path}"
        ) from failure
    return summary


def summarize_records(records: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Counts by status, tokens and cost of a run's records (what the manifest's ``counts`` holds).

    ``cost_usd`` is None when any reply's cost is unknown; ``cost_unknown_records`` counts those, and
    ``cost_known_usd`` is the sum of the known costs.
    """
    totals = Totals()
    statuses: Counter[str] = Counter()
    for record in records:
        statuses[str(record.get("status", Status.OK))] += 1
        totals.add(record)
    return _counts(totals, statuses)


def _counts(totals: Totals, statuses: Counter[str]) -> dict[str, Any]:
    known = round(totals.cost_usd, 6)
    return {
        "records": sum(statuses.values()),
        "by_status": dict(sorted(statuses.items())),
        "tokens": {
            "prompt_tokens": totals.prompt_tokens,
            "completion_tokens": totals.completion_tokens,
            "reasoning_tokens": totals.reasoning_tokens,
        },
        "cost_usd": None if totals.cost_unknown else known,
        "cost_known_usd": known,
        "cost_unknown_records": totals.cost_unknown,
    }


# internals --------------------------------------------------------------------------------------
@dataclass
class _Scan:
    done: set[int]  # hash() of each finished key: a third of the memory of the key strings
    redo: dict[str, int]  # key -> records it has so far (what its next record supersedes)
    totals: Totals
    statuses: Counter[str]  # records by status (the manifest's counts)


def _scan(run: RunDirectory, *, retry_parse_failures: bool) -> _Scan:
    """One pass over ``records.jsonl``: finished keys, keys to ask again, totals, counts by status.

    Finished keys are kept as their 64-bit ``hash()``: two keys of one run sharing one (about 1 in
    3e7 at a million samples) would make the run take the second for finished.
    """
    scan = _Scan(done=set(), redo={}, totals=Totals(), statuses=Counter())
    for record in run.iter_records():
        scan.totals.add(record)
        scan.statuses[str(record.get("status", Status.OK))] += 1
        if "key" not in record:
            continue
        key = str(record["key"])
        if is_retryable(record, parse_failures=retry_parse_failures):
            scan.done.discard(hash(key))
            scan.redo[key] = int(record.get("supersedes") or 0) + 1
        else:
            scan.done.add(hash(key))
            scan.redo.pop(key, None)
    return scan


def _check_unique(items: Iterable[WorkItem]) -> None:
    """UsageError naming repeated keys; holds hashes, then the keys only of hashes seen twice."""
    seen: set[int] = set()
    twice: set[int] = set()
    for item in items:
        code = hash(item.key)
        if code in seen:
            twice.add(code)
        seen.add(code)
    if not twice:
        return
    counted: Counter[str] = Counter(item.key for item in items if hash(item.key) in twice)
    duplicates = [key for key, count in counted.items() if count > 1]
    if duplicates:
        raise UsageError(f"work item keys must be unique; repeated: {', '.join(duplicates[:5])}")


def _finish_manifest(
    run: RunDirectory, summary: RunSummary, session_start: str, counts: dict[str, Any]
) -> None:
    sessions = list(run.manifest.get("sessions") or [])
    sessions.append(
        {
            "started_at": session_start,
            "ended_at": utc_now(),
            "written": summary.completed,
            "skipped": summary.skipped,
            "retried": summary.retried,
            "stopped": summary.stopped,
        }
    )
    run.write_manifest(
        status=summary.stopped.manifest_status if summary.stopped else "completed",
        ended_at=utc_now(),
        total_items=summary.total,
        counts=counts,
        tokens=counts["tokens"],
        cost_usd=counts["cost_usd"],
        sessions=sessions,
    )
