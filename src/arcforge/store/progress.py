"""Read-only summaries for the "my tasks" and profile pages: one solver's progress per task, and one
account's traces with the votes they received.

Attempts are counted per task and test input across every version of the task (a derived version's test
output is a transform of the original's, so they share one budget). Time spent is *active* time, read from
the action logs the page records: the gaps between consecutive editing events, each capped at
:data:`IDLE_CAP_MS`, so a page left open overnight does not count as a night of work.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from arcforge.store import schema

__all__ = ["IDLE_CAP_MS", "TaskProgress", "TraceSummary", "solver_progress", "user_traces"]

IDLE_CAP_MS = 120_000
_a = schema.attempts
_t = schema.traces
_v = schema.votes


@dataclass
class TaskProgress:
    """One task as one solver left it: attempts and solves per test input, the last version tried."""

    task_id: str
    used: dict[int, int] = field(default_factory=dict)
    solved: set[int] = field(default_factory=set)
    last_version: int = 0
    last_test: int = 0
    # (version, test index) -> (attempts, solved): the caller maps slots to test inputs across versions
    slots: dict[tuple[int, int], tuple[int, bool]] = field(default_factory=dict)
    first_at: datetime | None = None
    last_at: datetime | None = None
    active_ms: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "task_id": self.task_id,
            "attempts_used": sum(self.used.values()),
            "inputs": {str(i): {"used": n, "solved": i in self.solved} for i, n in sorted(self.used.items())},
            "solved_inputs": sorted(self.solved),
            "last_version": self.last_version,
            "versions_tried": sorted({version for version, _ in self.slots}),
            "last_test": self.last_test,
            "first_at": self.first_at.isoformat() if self.first_at else None,
            "last_at": self.last_at.isoformat() if self.last_at else None,
            "active_ms": self.active_ms,
        }


def active_ms(log: Any) -> int:
    """Active editing time in an action log: the sum of gaps between events, each capped."""
    if not isinstance(log, list):
        return 0
    stamps = sorted(e["t"] for e in log if isinstance(e, dict) and isinstance(e.get("t"), int))
    return sum(min(IDLE_CAP_MS, max(0, b - a)) for a, b in zip(stamps, stamps[1:], strict=False))


def solver_progress(
    store: Any, *, user_id: int | None = None, client_id: str | None = None
) -> list[TaskProgress]:
    """Every task the solver (an account, or an anonymous client id) made attempts on, latest first."""
    if user_id is not None:
        who = _a.c.user_id == user_id
    elif client_id:
        who = _a.c.client_id == client_id  # the cookie's attempts, as the attempt budget counts them
    else:
        return []
    query = (
        select(
            _a.c.task_id, _a.c.task_version, _a.c.test_index, _a.c.correct, _a.c.created_at, _a.c.action_log
        )
        .where(who)
        .order_by(_a.c.id)
    )
    found: dict[str, TaskProgress] = {}
    with store.database.read() as conn:
        for row in conn.execute(query):
            item = found.setdefault(row.task_id, TaskProgress(row.task_id))
            item.used[row.test_index] = item.used.get(row.test_index, 0) + 1
            if row.correct:
                item.solved.add(row.test_index)
            used, solved = item.slots.get((row.task_version, row.test_index), (0, False))
            item.slots[(row.task_version, row.test_index)] = (used + 1, solved or bool(row.correct))
            item.last_version, item.last_test = row.task_version, row.test_index
            item.first_at = item.first_at or row.created_at
            item.last_at = row.created_at
            item.active_ms += active_ms(row.action_log)
    return sorted(found.values(), key=lambda p: p.last_at or datetime.min, reverse=True)


@dataclass(frozen=True)
class TraceSummary:
    id: int
    task_id: str
    task_version: int | None
    author_kind: str
    score: int
    up: int
    down: int
    excerpt: str
    created_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "task_id": self.task_id,
            "task_version": self.task_version,
            "assisted": self.author_kind == "model_assisted",
            "score": self.score,
            "up": self.up,
            "down": self.down,
            "excerpt": self.excerpt,
            "created_at": self.created_at.isoformat(),
        }


def user_traces(store: Any, user_id: int, *, excerpt_chars: int = 280) -> list[TraceSummary]:
    """The account's traces, best score first, with the up and down votes each received."""
    query = (
        select(
            _t.c.id,
            _t.c.task_id,
            _t.c.task_version,
            _t.c.author_kind,
            _t.c.score,
            _t.c.text,
            _t.c.created_at,
            select(func.count())
            .where(_v.c.trace_id == _t.c.id, _v.c.value > 0)
            .correlate(_t)
            .scalar_subquery(),
            select(func.count())
            .where(_v.c.trace_id == _t.c.id, _v.c.value < 0)
            .correlate(_t)
            .scalar_subquery(),
        )
        .where(_t.c.user_id == user_id)
        .order_by(_t.c.score.desc(), _t.c.id.desc())
    )
    with store.database.read() as conn:
        rows = conn.execute(query).all()
    return [
        TraceSummary(
            id=row[0],
            task_id=row[1],
            task_version=row[2],
            author_kind=row[3],
            score=row[4],
            excerpt=_excerpt(row[5], excerpt_chars),
            created_at=row[6],
            up=int(row[7] or 0),
            down=int(row[8] or 0),
        )
        for row in rows
    ]


def _excerpt(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
