"""Attempts at test inputs, checked on the server, with the action log that produced each one.

The page never holds a test output: it sends a grid, and :meth:`AttemptsMixin.submit_attempt`
compares it with the stored output (height, width and every cell) and records the attempt. At
most ``limit`` attempts (ARC-AGI-2's rule: 2) are allowed per test input per solver, and none
after a correct one; the count and the check happen in one write transaction, so two quick
submissions cannot both take the last attempt. A solver is an account (``user``) or, for someone
not logged in, an opaque ``client_id`` the web app chooses (a cookie). An anonymous solver's
attempts are those made with its cookie, logged in or not; :meth:`claim_attempts` hands the ones
made logged out to the account that signs in, so signing in never resets a budget.

One test input has one budget across every version of its task: a derived version's test output
is a transform of the original's. The caller (the web app, which knows how versions derive from
each other) passes ``budget``, the ``(version, test index)`` slots that share the budget, and
``origin``, the budget's name (``"v0:test:1"``: the root version, split and index); without them a
slot is its own budget.

The expected answer is returned in :class:`AttemptStatus` only to an account, and only once it may
be shown: the attempts are used up, the input is solved, or the account is a moderator. Every time
the web app shows a test output (or anything derived from it) to an account, it calls
:meth:`record_reveal`; each attempt stores whether its account had been shown that output before
(``answer_seen``), so a first-try solve after a look elsewhere is told apart in the data.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select, tuple_
from sqlalchemy.exc import IntegrityError

from arcforge.store import schema
from arcforge.store.db import Database, serialize, utcnow
from arcforge.store.errors import AttemptLimitReached, InvalidInput, PayloadTooLarge
from arcforge.store.values import Attempt, AttemptStatus, User
from arcforge.task.grid import Grid, grid_problems
from arcforge.task.model import Task

__all__ = ["ATTEMPT_LIMIT", "MAX_ACTION_LOG_BYTES", "AttemptsMixin", "Slot", "origin_name"]

ATTEMPT_LIMIT = 2
MAX_ACTION_LOG_BYTES = 256 * 1024
Slot = tuple[int, int]  # (task version, test index)
_a = schema.attempts
_r = schema.reveals


def origin_name(version: int, split: str, index: int) -> str:
    """The name of a budget: the root version, the split (``test``, or ``train`` for a pair a swap
    moved into a test slot) and the index there, e.g. ``v0:test:1``."""
    return f"v{version}:{split}:{index}"


def _solver_filter(user: User | None, client_id: str | None) -> Any:
    if user is not None:
        return _a.c.user_id == user.id
    if client_id:
        return _a.c.client_id == client_id
    raise InvalidInput("an attempt needs a user or a client id")


def _status(task: Task, index: int, rows: list[Any], limit: int, user: User | None) -> AttemptStatus:
    used = len(rows)
    solved = any(r.correct for r in rows)
    expected = task.test[index].output
    entitled = user is not None and (solved or used >= limit or user.role == "moderator")
    return AttemptStatus(
        test_index=index,
        used=used,
        remaining=0 if solved else max(0, limit - used),
        solved=solved,
        answer=expected.to_list() if entitled and expected is not None else None,
        last_correct=bool(rows[-1].correct) if rows else None,
    )


def _attempt(row: Any) -> Attempt:
    return Attempt(
        id=row.id,
        user_id=row.user_id,
        client_id=row.client_id,
        task_id=row.task_id,
        task_version=row.task_version,
        test_index=row.test_index,
        grid=row.grid,
        correct=bool(row.correct),
        action_log=row.action_log or [],
        created_at=row.created_at,
        answer_seen=None if row.answer_seen is None else bool(row.answer_seen),
    )


def _budget(task: Task, test_index: int, budget: Sequence[Slot] | None) -> list[Slot]:
    slots = [(int(v), int(i)) for v, i in budget] if budget else []
    if (task.version, test_index) not in slots:
        slots.append((task.version, test_index))
    return slots


class AttemptsMixin:
    _db: Database

    def submit_attempt(
        self,
        task: Task,
        *,
        test_index: int,
        grid: Any,
        user: User | None = None,
        client_id: str | None = None,
        action_log: list[Any] | None = None,
        limit: int = ATTEMPT_LIMIT,
        budget: Sequence[Slot] | None = None,
        origin: str | None = None,
    ) -> AttemptStatus:
        """Check ``grid`` against test output ``test_index`` of ``task``, record it, return the status.

        ``task`` must carry its test outputs (from the dataset or :meth:`get_task`). ``budget``: the
        slots sharing this input's budget and ``origin`` its name (see the module docstring).
        Raises :class:`InvalidInput` for a malformed grid (nothing is recorded),
        :class:`PayloadTooLarge` for an action log over :data:`MAX_ACTION_LOG_BYTES` and
        :class:`AttemptLimitReached` when no attempt is left. ``action_log`` is the list of editing
        events (dicts with UTC millisecond timestamps) stored with the attempt; ``client_id`` is kept
        with an account's attempts too (the browser's cookie).
        """
        if not isinstance(test_index, int) or not 0 <= test_index < len(task.test):
            raise InvalidInput(f"task {task.id} has no test input {test_index!r} (it has {len(task.test)})")
        expected = task.test[test_index].output
        if expected is None:
            raise InvalidInput(f"task {task.id} test input {test_index} has no known output to check against")
        problems = grid_problems(grid, "grid")
        if problems:
            raise InvalidInput(problems[0])
        log = list(action_log or [])
        size = len(json.dumps(log, separators=(",", ":")))
        if size > MAX_ACTION_LOG_BYTES:
            raise PayloadTooLarge(
                f"the action log is {size} bytes, over the {MAX_ACTION_LOG_BYTES}-byte limit per attempt"
            )
        submitted = Grid(grid)
        correct = submitted == expected
        solver = _solver_filter(user, client_id)
        slots = _budget(task, test_index, budget)
        name = origin or origin_name(task.version, "test", test_index)
        solver_key = f"user:{user.id}" if user is not None else f"client:{client_id}"

        def run(conn: Connection) -> AttemptStatus:
            serialize(conn, f"attempt:{solver_key}:{task.id}:{name}")
            rows = self._budget_rows(conn, task.id, solver, slots)
            status = _status(task, test_index, rows, limit, user)
            if status.solved:
                raise AttemptLimitReached(f"test input {test_index} of task {task.id} is solved already")
            if status.remaining <= 0:
                raise AttemptLimitReached(
                    f"no attempt left on test input {test_index} of task {task.id} ({limit} used, counted "
                    f"across every version of the task)"
                )
            seen = user is not None and (
                conn.execute(
                    select(_r.c.id).where(
                        _r.c.user_id == user.id, _r.c.task_id == task.id, _r.c.origin == name
                    )
                ).first()
                is not None
            )
            conn.execute(
                _a.insert().values(
                    user_id=None if user is None else user.id,
                    client_id=client_id,
                    task_id=task.id,
                    task_version=task.version,
                    test_index=test_index,
                    grid=submitted.to_list(),
                    correct=correct,
                    action_log=log,
                    created_at=utcnow(),
                    answer_seen=seen,
                )
            )
            return _status(task, test_index, self._budget_rows(conn, task.id, solver, slots), limit, user)

        return self._db.retrying(run)

    def attempt_statuses(
        self,
        task: Task,
        *,
        user: User | None = None,
        client_id: str | None = None,
        limit: int = ATTEMPT_LIMIT,
        budgets: Sequence[Sequence[Slot]] | None = None,
    ) -> list[AttemptStatus]:
        """The solver's status on every test input of ``task`` (answers only where they may be shown).

        ``budgets[i]``: the slots sharing test input ``i``'s budget (default: the slot alone)."""
        slots = [_budget(task, i, budgets[i] if budgets else None) for i in range(len(task.test))]
        if user is None and not client_id:
            return [_status(task, i, [], limit, None) for i in range(len(task.test))]
        solver = _solver_filter(user, client_id)
        with self._db.read() as conn:
            return [
                _status(task, i, self._budget_rows(conn, task.id, solver, slots[i]), limit, user)
                for i in range(len(task.test))
            ]

    def attempt_tally(
        self, task_id: str, *, user: User | None = None, client_id: str | None = None
    ) -> dict[Slot, tuple[int, bool]]:
        """``{(version, test index): (attempts used, solved)}`` of one solver on every version of a task."""
        if user is None and not client_id:
            return {}
        query = select(_a.c.task_version, _a.c.test_index, _a.c.correct).where(
            _a.c.task_id == task_id, _solver_filter(user, client_id)
        )
        tally: dict[Slot, tuple[int, bool]] = {}
        with self._db.read() as conn:
            for version, index, correct in conn.execute(query):
                used, solved = tally.get((version, index), (0, False))
                tally[(version, index)] = (used + 1, solved or bool(correct))
        return tally

    def claim_attempts(self, client_id: str | None, user: User) -> int:
        """Give the attempts ``client_id`` made logged out to ``user`` (they keep counting); returns how many."""
        if not client_id:
            return 0
        with self._db.write() as conn:
            result = conn.execute(
                _a.update().where(_a.c.client_id == client_id, _a.c.user_id.is_(None)).values(user_id=user.id)
            )
            return int(result.rowcount or 0)

    def record_reveal(self, user: User, task_id: str, origin: str, *, via: str) -> bool:
        """Remember that ``user`` was shown the test output named ``origin`` (first time only); True when new."""
        with self._db.read() as conn:
            known = conn.execute(
                select(_r.c.id).where(_r.c.user_id == user.id, _r.c.task_id == task_id, _r.c.origin == origin)
            ).first()
        if known is not None:
            return False
        try:
            with self._db.write() as conn:
                conn.execute(
                    _r.insert().values(
                        user_id=user.id, task_id=task_id, origin=origin, via=via[:128], first_at=utcnow()
                    )
                )
        except IntegrityError:  # another request recorded it first
            return False
        return True

    def list_reveals(self, *, user: User | None = None, task_id: str | None = None) -> list[dict[str, Any]]:
        """Recorded reveals, oldest first: ``{user_id, task_id, origin, via, first_at}``."""
        query = select(_r).order_by(_r.c.id)
        if user is not None:
            query = query.where(_r.c.user_id == user.id)
        if task_id is not None:
            query = query.where(_r.c.task_id == task_id)
        with self._db.read() as conn:
            return [
                {
                    "user_id": r.user_id,
                    "task_id": r.task_id,
                    "origin": r.origin,
                    "via": r.via,
                    "first_at": r.first_at,
                }
                for r in conn.execute(query)
            ]

    def count_attempts(
        self,
        task_id: str,
        task_version: int,
        test_index: int,
        *,
        user: User | None = None,
        client_id: str | None = None,
    ) -> int:
        """How many attempts the solver made on one test input of one version."""
        query = select(_a.c.id).where(
            _a.c.task_id == task_id,
            _a.c.task_version == task_version,
            _a.c.test_index == test_index,
            _solver_filter(user, client_id),
        )
        with self._db.read() as conn:
            return len(conn.execute(query).all())

    def list_attempts(self, *, task_id: str | None = None, user: User | None = None) -> list[Attempt]:
        """Stored attempts (all, or of one task and/or one account), oldest first, with action logs."""
        query = select(_a).order_by(_a.c.id)
        if task_id is not None:
            query = query.where(_a.c.task_id == task_id)
        if user is not None:
            query = query.where(_a.c.user_id == user.id)
        with self._db.read() as conn:
            return [_attempt(r) for r in conn.execute(query)]

    @staticmethod
    def _budget_rows(conn: Connection, task_id: str, solver: Any, slots: Sequence[Slot]) -> list[Any]:
        query = (
            select(_a.c.id, _a.c.correct)
            .where(
                _a.c.task_id == task_id,
                tuple_(_a.c.task_version, _a.c.test_index).in_([tuple(s) for s in slots]),
                solver,
            )
            .order_by(_a.c.id)
        )
        return list(conn.execute(query).all())
