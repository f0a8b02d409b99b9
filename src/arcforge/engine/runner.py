"""Run work items through an async worker with bounded concurrency, durably, stoppably, resumably.

:func:`run_tasks` starts ``concurrency`` lanes; each lane takes the next pending :class:`WorkItem`,
awaits the worker on it and appends the returned record to the run directory at once (the append is
synchronous, so a cancellation can never leave half a record). Items whose key is already in
``records.jsonl`` are skipped, which is all ``--resume`` needs, even after ``kill -9``.

Stopping: the first SIGINT or SIGTERM (or ``--max-cost`` being reached) stops lanes from taking new
items while in-flight items finish and are written; a second signal cancels in-flight work at once
(nothing of it is written, so it is simply done again on resume). Either way the manifest is written
with the reason the run stopped. A worker that raises is turned into a record with status
``"error"``; the run goes on.
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
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from arcforge.engine.progress import RunProgress
from arcforge.engine.run_directory import RunDirectory, utc_now
from arcforge.errors import ArcforgeError, RunError, UsageError

__all__ = ["RunSummary", "WorkItem", "Worker", "run_tasks", "summarize_records"]

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WorkItem:
    """One unit of work: a unique ``key`` (``"{task_id}:v{version}:s{sample}"``) and what the worker needs."""

    key: str
    payload: Any = field(default=None, compare=False)


Worker = Callable[[WorkItem], Awaitable[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class RunSummary:
    """How a call of :func:`run_tasks` went; token and cost totals cover the whole run (resumes too)."""

    path: Path
    run_id: str
    total: int
    skipped: int
    completed: int
    statuses: dict[str, int]
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    elapsed_s: float
    stopped: str | None = None  # None (all done), "interrupted", "max_cost", "failed"

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
) -> RunSummary:
    """Run ``worker`` on every item whose key is not yet in ``run``; return a :class:`RunSummary`.

    The worker returns the record (a JSON-able dict); the engine sets ``key`` and adds ``run_id`` and
    ``created_at`` when absent, and reads ``status``, ``usage`` and ``cost_usd`` for the totals.
    ``progress=None`` shows a progress bar only when stderr is a terminal. Raises :class:`UsageError`
    on duplicate keys or a concurrency below 1.
    """
    if concurrency < 1:
        raise UsageError(f"--concurrency must be at least 1 (got {concurrency})")
    all_items = list(items)
    _check_unique(all_items)
    existing = run.records()
    done = {str(r["key"]) for r in existing if "key" in r}
    pending = [item for item in all_items if item.key not in done]
    totals = _Totals.from_records(existing)
    state = _State(max_cost_usd=max_cost_usd)
    started = time.monotonic()
    session_start = utc_now()

    run.open_for_append()
    run.log(
        f"session start: {len(all_items)} items, {len(all_items) - len(pending)} already done, "
        f"{len(pending)} to do, concurrency {concurrency}"
    )
    run.write_manifest(status="running", total_items=len(all_items))
    if state.cost_reached(totals.cost_usd):
        state.stop("max_cost")

    bar = RunProgress(
        total=len(all_items), done=len(all_items) - len(pending), description=description, enabled=progress
    )
    queue: Iterator[WorkItem] = iter(pending)
    session_counts: Counter[str] = Counter()

    async def lane() -> None:
        while not state.stopping:
            item = next(queue, None)
            if item is None:
                return
            record = await _call_worker(worker, item, run)
            record["key"] = item.key  # the item's key, whatever the worker wrote: resume relies on it
            record.setdefault("run_id", run.run_id)
            record.setdefault("created_at", utc_now())
            try:
                run.append(record)
            except (TypeError, ValueError) as exc:  # not JSON: keep the item, as an error record
                run.log(f"{item.key}: record is not JSON ({exc}); written as an error")
                record = {
                    "key": item.key,
                    "run_id": run.run_id,
                    "created_at": utc_now(),
                    "status": "error",
                    "error": f"the worker's record could not be written as JSON: {exc}",
                }
                run.append(record)
            session_counts[str(record.get("status", "ok"))] += 1
            totals.add(record)
            bar.advance(totals.tokens, totals.cost_usd)
            if state.cost_reached(totals.cost_usd) and not state.stopping:
                run.log(f"--max-cost {max_cost_usd} reached (spent {totals.cost_usd:.4f} USD): stopping")
                bar.note("max cost reached: finishing in-flight work")
                state.stop("max_cost")

    failure: BaseException | None = None
    try:
        with bar, _signals(state, run, bar, enabled=handle_signals):
            bar.update(totals.tokens, totals.cost_usd)
            lanes = [asyncio.ensure_future(lane()) for _ in range(min(concurrency, len(pending)))]
            state.lanes = lanes
            try:
                results = await asyncio.gather(*lanes, return_exceptions=True)
            except BaseException:  # run_tasks itself cancelled: stop the lanes, keep what is written
                state.stop("interrupted")
                state.cancel_all()
                await asyncio.gather(*lanes, return_exceptions=True)
                raise
            for result in results:
                if isinstance(result, BaseException) and not isinstance(result, asyncio.CancelledError):
                    run.log(f"lane failed: {result!r}")
                    _log.error("run lane failed", exc_info=result)
                    failure = failure or result
    finally:
        remaining = len({item.key for item in pending} - run.done_keys())
        stopped = (state.reason or ("failed" if failure else None)) if remaining else None
        summary = RunSummary(
            path=run.path,
            run_id=run.run_id,
            total=len(all_items),
            skipped=len(all_items) - len(pending),
            completed=sum(session_counts.values()),
            statuses=dict(session_counts),
            prompt_tokens=totals.prompt_tokens,
            completion_tokens=totals.completion_tokens,
            cost_usd=round(totals.cost_usd, 6),
            elapsed_s=round(time.monotonic() - started, 3),
            stopped=stopped,
        )
        _finish_manifest(run, summary, session_start)
        run.log(
            f"session end: {summary.completed} written, stopped={stopped}, cost {summary.cost_usd:.4f} USD"
        )
        run.close()
    if failure is not None and stopped == "failed":
        raise RunError(
            f"the run stopped on an internal error ({failure!r}); see {run.path / 'run.log'} "
            f"and continue with --resume {run.path}"
        ) from failure
    return summary


def summarize_records(records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Counts by status, tokens and cost of a run's records (what the manifest's ``counts`` holds)."""
    totals = _Totals()
    statuses: Counter[str] = Counter()
    for record in records:
        statuses[str(record.get("status", "ok"))] += 1
        totals.add(record)
    return {
        "records": sum(statuses.values()),
        "by_status": dict(sorted(statuses.items())),
        "tokens": {
            "prompt_tokens": totals.prompt_tokens,
            "completion_tokens": totals.completion_tokens,
            "reasoning_tokens": totals.reasoning_tokens,
        },
        "cost_usd": round(totals.cost_usd, 6),
    }


# internals --------------------------------------------------------------------------------------
@dataclass
class _Totals:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    reasoning_tokens: int = 0
    cost_usd: float = 0.0

    @classmethod
    def from_records(cls, records: Iterable[dict[str, Any]]) -> _Totals:
        totals = cls()
        for record in records:
            totals.add(record)
        return totals

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def add(self, record: dict[str, Any]) -> None:
        usage = record.get("usage") or {}
        self.prompt_tokens += int(usage.get("prompt_tokens") or 0)
        self.completion_tokens += int(usage.get("completion_tokens") or 0)
        self.reasoning_tokens += int(usage.get("reasoning_tokens") or 0)
        self.cost_usd += float(record.get("cost_usd") or 0.0)


@dataclass
class _State:
    max_cost_usd: float | None = None
    reason: str | None = None
    signals: int = 0
    lanes: list[asyncio.Future[None]] = field(default_factory=list)

    @property
    def stopping(self) -> bool:
        return self.reason is not None

    def stop(self, reason: str) -> None:
        if self.reason is None:
            self.reason = reason

    def cost_reached(self, cost: float) -> bool:
        return self.max_cost_usd is not None and cost >= self.max_cost_usd

    def cancel_all(self) -> None:
        for lane in self.lanes:
            lane.cancel()


async def _call_worker(worker: Worker, item: WorkItem, run: RunDirectory) -> dict[str, Any]:
    try:
        record = await worker(item)
    except ArcforgeError as exc:
        run.log(f"{item.key}: {type(exc).__name__}: {exc}")
        return {"key": item.key, "status": "error", "error": f"{type(exc).__name__}: {exc}"}
    except Exception as exc:  # a worker bug must not end the run or lose the other records
        run.log(f"{item.key}: unexpected {type(exc).__name__}: {exc}\n{traceback.format_exc()}")
        return {"key": item.key, "status": "error", "error": f"{type(exc).__name__}: {exc}"}
    if not isinstance(record, dict):
        return {
            "key": item.key,
            "status": "error",
            "error": f"worker returned {type(record).__name__}, not a dict",
        }
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


def _finish_manifest(run: RunDirectory, summary: RunSummary, session_start: str) -> None:
    counts = summarize_records(run.iter_records())
    status = {
        None: "completed",
        "interrupted": "interrupted",
        "max_cost": "stopped_max_cost",
        "failed": "failed",
    }[summary.stopped]
    sessions = list(run.manifest.get("sessions") or [])
    sessions.append(
        {
            "started_at": session_start,
            "ended_at": utc_now(),
            "written": summary.completed,
            "skipped": summary.skipped,
            "stopped": summary.stopped,
        }
    )
    run.write_manifest(
        status=status,
        ended_at=utc_now(),
        total_items=summary.total,
        counts=counts,
        tokens=counts["tokens"],
        cost_usd=counts["cost_usd"],
        sessions=sessions,
    )


@contextlib.contextmanager
def _signals(state: _State, run: RunDirectory, bar: RunProgress, *, enabled: bool) -> Iterator[None]:
    """SIGINT/SIGTERM: first one stops taking work, the second cancels in-flight work."""
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []

    def on_signal(signum: signal.Signals) -> None:
        state.signals += 1
        if state.signals == 1:
            state.stop("interrupted")
            run.log(f"{signum.name}: no new work; finishing in-flight items (signal again to stop at once)")
            bar.note(f"{signum.name}: finishing in-flight work (Ctrl-C again to stop at once)")
        else:
            state.stop("interrupted")
            run.log(f"{signum.name} again: cancelling in-flight items (they will be redone on --resume)")
            bar.note("stopping now")
            state.cancel_all()

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
