"""Attempts at test inputs, checked on the server, with the action log that produced each one.

The page never holds a test output: it sends a grid, and :meth:`AttemptsMixin.submit_attempt`
compares it with the stored output (height, width and every cell) and records the attempt. At
most ``limit`` attempts (ARC-AGI-2's rule: 2) are allowed per test input per solver, and none
after a correct one; the count and the check happen in one write transaction, so two quick
submissions cannot both take the last attempt. A solver is an account (``user``) or, for someone
not logged in, an opaque ``client_id`` the web app chooses (a cookie).

The expected answer is returned in :class:`AttemptStatus` only once it may be shown: when the
attempts are used up or the input is solved.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, select

from arcforge.store import schema
from arcforge.store.db import Database, serialize, utcnow
from arcforge.store.errors import AttemptLimitReached, InvalidInput
from arcforge.store.values import Attempt, AttemptStatus, User
from arcforge.task.grid import Grid, grid_problems
from arcforge.task.model import Task

__all__ = ["ATTEMPT_LIMIT", "MAX_ACTION_LOG_BYTES", "AttemptsMixin"]

ATTEMPT_LIMIT = 2
MAX_ACTION_LOG_BYTES = 4 * 1024 * 1024
_a = schema.attempts


def _solver_filter(user: User | None, client_id: str | None) -> Any:
    if user is not None:
        return _a.c.user_id == user.id
    if client_id:
        return (_a.c.client_id == client_id) & _a.c.user_id.is_(None)
    raise InvalidInput("an attempt needs a user or a client id")


def _status(task: Task, index: int, rows: list[Any], limit: int) -> AttemptStatus:
    used = len(rows)
    solved = any(r.correct for r in rows)
    expected = task.test[index].output
    revealed = (solved or used >= limit) and expected is not None
    return AttemptStatus(
        test_index=index,
        used=used,
        remaining=0 if solved else max(0, limit - used),
        solved=solved,
        answer=expected.to_list() if revealed and expected is not None else None,
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
    )


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
    ) -> AttemptStatus:
        """Check ``grid`` against test output ``test_index`` of ``task``, record it, return the status.

        ``task`` must carry its test outputs (from the dataset or :meth:`get_task`). Raises
        :class:`InvalidInput` for a malformed grid (nothing is recorded) and
        :class:`AttemptLimitReached` when no attempt is left. ``action_log`` is the list of editing
        events (dicts with UTC millisecond timestamps) stored with the attempt.
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
        if len(json.dumps(log, separators=(",", ":"))) > MAX_ACTION_LOG_BYTES:
            raise InvalidInput(f"the action log is larger than {MAX_ACTION_LOG_BYTES} bytes")
        submitted = Grid(grid)
        correct = submitted == expected
        solver = _solver_filter(user, client_id)

        solver_key = f"user:{user.id}" if user is not None else f"client:{client_id}"

        def run(conn: Connection) -> AttemptStatus:
            serialize(conn, f"attempt:{solver_key}:{task.id}:{task.version}:{test_index}")
            rows = self._attempt_rows(conn, task, solver, test_index)
            status = _status(task, test_index, rows, limit)
            if status.solved:
                raise AttemptLimitReached(f"test input {test_index} of task {task.id} is solved already")
            if status.remaining <= 0:
                raise AttemptLimitReached(
                    f"no attempt left on test input {test_index} of task {task.id} ({limit} used)"
                )
            conn.execute(
                _a.insert().values(
                    user_id=None if user is None else user.id,
                    client_id=None if user is not None else client_id,
                    task_id=task.id,
                    task_version=task.version,
                    test_index=test_index,
                    grid=submitted.to_list(),
                    correct=correct,
                    action_log=log,
                    created_at=utcnow(),
                )
            )
            return _status(task, test_index, self._attempt_rows(conn, task, solver, test_index), limit)

        return self._db.retrying(run)

    def attempt_statuses(
        self,
        task: Task,
        *,
        user: User | None = None,
        client_id: str | None = None,
        limit: int = ATTEMPT_LIMIT,
    ) -> list[AttemptStatus]:
        """The solver's status on every test input of ``task`` (answers only where they may be shown)."""
        if user is None and not client_id:
            return [_status(task, i, [], limit) for i in range(len(task.test))]
        solver = _solver_filter(user, client_id)
        with self._db.read() as conn:
            return [
                _status(task, i, self._attempt_rows(conn, task, solver, i), limit)
                for i in range(len(task.test))
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
        """How many attempts the solver made on one test input."""
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
    def _attempt_rows(conn: Connection, task: Task, solver: Any, test_index: int) -> list[Any]:
        query = (
            select(_a.c.id, _a.c.correct)
            .where(
                _a.c.task_id == task.id,
                _a.c.task_version == task.version,
                _a.c.test_index == test_index,
                solver,
            )
            .order_by(_a.c.id)
        )
        return list(conn.execute(query).all())
