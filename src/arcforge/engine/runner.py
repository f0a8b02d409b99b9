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
import contextlib
import logging
import signal
import threading
import time
import traceback
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from arcforge.engine.progress import RunProgress
from arcforge.engine.records import ErrorKind, Status, is_retryable
from arcforge.engine.run_directory import RunDirectory, utc_now
from arcforge.errors import ArcforgeError, RunError, UsageError

__all__ = ["RunSummary", "StopReason", "WorkItem", "Worker", "run_tasks", "summarize_records"]

_log = logging.getLogger(__name__)


class StopReason(StrEnum):
    """Why a run stopped before every item was done (``None`` in a summary: it did not)."""

    INTERRUPTED = "interrupted"
    MAX_COST = "max_cost"
    COST_UNKNOWN = "cost_unknown"  # a budget was set and a reply came back with no cost
    FAILED = "failed"

    @property
    def manifest_status(self) -> str:
        return _MANIFEST_STATUS[self]


_MANIFEST_STATUS = {
    StopReason.INTERRUPTED: "interrupted",
    StopReason.MAX_COST: "stopped_max_cost",
    StopReason.COST_UNKNOWN: "stopped_cost_unknown",
    StopReason.FAILED: "failed",
}


@dataclass(frozen=True, slots=True)
class WorkItem:
    """One unit of work: a unique ``key`` (``"{task_id}:v{version}:s{sample}"``) and what the worker needs."""

    key: str
    payload: Any = field(default=None, compare=False)
    attempt: int = field(default=0, compare=False)  # > 0: asked again on resume (earlier records kept)


Worker = Callable[[WorkItem], Awaitable[Mapping[str, Any]]]


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
    all_items = list(items)
    _check_unique(all_items)
    run.open_for_append()  # the lock first: the finished keys are read under it
    try:
        state = _scan(run, retry_parse_failures=retry_parse_failures)
    except BaseException:
        run.close()
        raise
    pending = [
        replace(item, attempt=state.redo[item.key]) if item.key in state.redo else item
        for item in all_items
        if item.key not in state.done
    ]
    del state.done  # only the keys to redo are needed from here on
    session = _Session(
        run=run,
        worker=worker,
        totals=state.totals,
        redo=state.redo,
        max_cost_usd=max_cost_usd,
        queue=iter(pending),
        bar=RunProgress(
            total=len(all_items),
            done=len(all_items) - len(pending),
            description=description,
            enabled=progress,
        ),
    )
    started = time.monotonic()
    session_start = utc_now()
    retried = sum(1 for item in pending if item.key in state.redo)
    run.log(
        f"session start: {len(all_items)} items, {len(all_items) - len(pending)} already done, "
        f"{len(pending)} to do ({retried} asked again), concurrency {concurrency}"
    )
    run.write_manifest(status="running", total_items=len(all_items))
    if session.cost_reached():
        session.stop(StopReason.MAX_COST)
    failure: BaseException | None = None
    try:
        with session.bar, _signals(session, enabled=handle_signals):
            session.bar.update(session.totals.tokens, session.totals.cost_usd)
            try:
                await session.run_lanes(min(concurrency, len(pending)), probe=probe_cost)
            except (asyncio.CancelledError, KeyboardInterrupt):  # run_tasks itself cancelled
                session.stop(StopReason.INTERRUPTED)
                raise
            except ExceptionGroup as group:  # a lane failed (a full disk): the group stopped the rest
                failure = group.exceptions[0]
                run.log(f"lane failed: {failure!r}")
                _log.error("run lane failed", exc_info=failure)
    finally:
        done = run.done_keys(retry_parse_failures=retry_parse_failures)
        remaining = sum(1 for item in pending if item.key not in done)
        stopped = (session.reason or (StopReason.FAILED if failure else None)) if remaining else None
        counts = summarize_records(run.iter_records())
        summary = RunSummary(
            path=run.path,
            run_id=run.run_id,
            total=len(all_items),
            skipped=len(all_items) - len(pending),
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
    totals = _Totals()
    statuses: Counter[str] = Counter()
    for record in records:
        statuses[str(record.get("status", Status.OK))] += 1
        totals.add(record)
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


def cost_is_unknown(record: Mapping[str, Any]) -> bool:
    """A reply whose cost nobody knows: ``cost_usd`` written as null on a record that has a reply."""
    return "cost_usd" in record and record["cost_usd"] is None and record.get("status") != Status.ERROR


# internals --------------------------------------------------------------------------------------
@dataclass
class _Totals:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    reasoning_tokens: int = 0
    cost_usd: float = 0.0  # the known part
    cost_unknown: int = 0

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def add(self, record: Mapping[str, Any]) -> None:
        usage = record.get("usage") or {}
        self.prompt_tokens += int(usage.get("prompt_tokens") or 0)
        self.completion_tokens += int(usage.get("completion_tokens") or 0)
        self.reasoning_tokens += int(usage.get("reasoning_tokens") or 0)
        if cost_is_unknown(record):
            self.cost_unknown += 1
        else:
            self.cost_usd += float(record.get("cost_usd") or 0.0)


@dataclass
class _Scan:
    done: set[str]
    redo: dict[str, int]  # key -> records it has so far (what its next record supersedes)
    totals: _Totals


def _scan(run: RunDirectory, *, retry_parse_failures: bool) -> _Scan:
    """One pass over ``records.jsonl``: finished keys, keys to ask again, totals."""
    scan = _Scan(done=set(), redo={}, totals=_Totals())
    for record in run.iter_records():
        scan.totals.add(record)
        if "key" not in record:
            continue
        key = str(record["key"])
        if is_retryable(record, parse_failures=retry_parse_failures):
            scan.done.discard(key)
            scan.redo[key] = int(record.get("supersedes") or 0) + 1
        else:
            scan.done.add(key)
            scan.redo.pop(key, None)
    return scan


@dataclass
class _Session:
    """One call of :func:`run_tasks`: the lanes' shared state (queue, totals, stop reason, progress)."""

    run: RunDirectory
    worker: Worker
    totals: _Totals
    redo: dict[str, int]
    max_cost_usd: float | None
    queue: Iterator[WorkItem]
    bar: RunProgress
    reason: StopReason | None = None
    signals: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    lanes: list[asyncio.Task[None]] = field(default_factory=list)

    @property
    def stopping(self) -> bool:
        return self.reason is not None

    def stop(self, reason: StopReason) -> None:
        if self.reason is None:
            self.reason = reason

    def cost_reached(self) -> bool:
        return self.max_cost_usd is not None and self.totals.cost_usd >= self.max_cost_usd

    def cancel_all(self) -> None:
        for lane in self.lanes:
            lane.cancel()

    async def run_lanes(self, count: int, *, probe: bool) -> None:
        if count < 1:
            return
        async with asyncio.TaskGroup() as group:
            if probe:  # one item alone first: its reply says whether the server reports costs
                item = next(self.queue, None)
                if item is not None:
                    self.lanes = [group.create_task(self.one(item))]
                    await asyncio.wait(self.lanes)  # a second signal cancels it without ending the group
            if not self.stopping:
                self.lanes = [group.create_task(self.lane()) for _ in range(count)]

    async def lane(self) -> None:
        while not self.stopping:
            item = next(self.queue, None)
            if item is None:
                return
            await self.one(item)

    async def one(self, item: WorkItem) -> None:
        record = await _call_worker(self.worker, item, self.run)
        record["key"] = item.key  # the item's key, whatever the worker wrote: resume relies on it
        if item.key in self.redo:
            record["supersedes"] = self.redo[item.key]
        record.setdefault("run_id", self.run.run_id)
        record.setdefault("created_at", utc_now())
        try:
            self.run.append(record)
        except (TypeError, ValueError) as exc:  # not JSON: keep the item, as an error record
            self.run.log(f"{item.key}: record is not JSON ({exc}); written as an error")
            record = _error_record(item.key, f"the worker's record could not be written as JSON: {exc}")
            record.update(run_id=self.run.run_id, created_at=utc_now())
            if item.key in self.redo:
                record["supersedes"] = self.redo[item.key]
            self.run.append(record)
        self.counts[str(record.get("status", Status.OK))] += 1
        self.totals.add(record)
        self.bar.advance(self.totals.tokens, self.totals.cost_usd)
        if self.max_cost_usd is not None and not self.stopping:
            if cost_is_unknown(record):
                self.run.log(
                    f"{item.key}: the reply's cost is unknown, so --max-cost cannot be kept: stopping"
                )
                self.bar.note("cost unknown under --max-cost: finishing in-flight work")
                self.stop(StopReason.COST_UNKNOWN)
            elif self.cost_reached():
                self.run.log(
                    f"--max-cost {self.max_cost_usd} reached (spent {self.totals.cost_usd:.4f} USD): stopping"
                )
                self.bar.note("max cost reached: finishing in-flight work")
                self.stop(StopReason.MAX_COST)


def _error_record(key: str, message: str, kind: ErrorKind = ErrorKind.INTERNAL) -> dict[str, Any]:
    return {"key": key, "status": Status.ERROR.value, "error": message, "error_kind": kind.value}


async def _call_worker(worker: Worker, item: WorkItem, run: RunDirectory) -> dict[str, Any]:
    try:
        record = await worker(item)
    except ArcforgeError as exc:
        run.log(f"{item.key}: {type(exc).__name__}: {exc}")
        return _error_record(item.key, f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # a worker bug must not end the run or lose the other records
        run.log(f"{item.key}: unexpected {type(exc).__name__}: {exc}\n{traceback.format_exc()}")
        return _error_record(item.key, f"{type(exc).__name__}: {exc}")
    if not isinstance(record, Mapping):
        return _error_record(item.key, f"worker returned {type(record).__name__}, not a dict")
    return dict(record)


def _check_unique(items: list[WorkItem]) -> None:
    seen: set[str] = set()
    duplicates = []
    for item in items:
        if item.key in seen:
            duplicates.append(item.key)
        seen.add(item.key)
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


@contextlib.contextmanager
def _signals(session: _Session, *, enabled: bool) -> Iterator[None]:
    """SIGINT/SIGTERM: first one stops taking work, the second cancels in-flight work."""
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    run, bar = session.run, session.bar

    def on_signal(signum: signal.Signals) -> None:
        session.signals += 1
        session.stop(StopReason.INTERRUPTED)
        if session.signals == 1:
            run.log(f"{signum.name}: no new work; finishing in-flight items (signal again to stop at once)")
            bar.note(f"{signum.name}: finishing in-flight work (Ctrl-C again to stop at once)")
        else:
            run.log(f"{signum.name} again: cancelling in-flight items (they will be redone on --resume)")
            bar.note("stopping now")
            session.cancel_all()

    if enabled and threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(signum, on_signal, signum)
                installed.append(signum)
            except (NotImplementedError, RuntimeError, ValueError):
                pass
    try:
        yield
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)
