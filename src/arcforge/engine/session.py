"""One session of :func:`arcforge.engine.run_tasks`: the lanes' shared state, how a stop is decided,
and the signal handlers.

:class:`Session` holds what the lanes share (the queue of pending items, the totals, the
:class:`StopReason` once one is decided, the progress bar); :meth:`Session.run_lanes` runs them in an
:class:`asyncio.TaskGroup`. :func:`signals` installs the SIGINT/SIGTERM handlers: the first stops new
work, the second cancels the lanes.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
import traceback
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from arcforge.engine.progress import RunProgress
from arcforge.engine.records import ErrorKind, Status
from arcforge.engine.run_directory import RunDirectory, utc_now
from arcforge.errors import ArcforgeError

__all__ = ["Session", "StopReason", "Totals", "WorkItem", "Worker", "cost_is_unknown", "signals"]


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


def cost_is_unknown(record: Mapping[str, Any]) -> bool:
    """A reply whose cost nobody knows: ``cost_usd`` written as null on a record that has a reply."""
    return "cost_usd" in record and record["cost_usd"] is None and record.get("status") != Status.ERROR


@dataclass
class Totals:
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
class Session:
    """One call of :func:`~arcforge.engine.run_tasks`: the lanes' shared state (queue, totals, stop reason, progress)."""

    run: RunDirectory
    worker: Worker
    totals: Totals
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


@contextlib.contextmanager
def signals(session: Session, *, enabled: bool) -> Iterator[None]:
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
