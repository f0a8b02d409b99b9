from __future__ import annotations

import pytest
from store_helpers import small_task

from arcforge.store import AttemptLimitReached, InvalidInput, Store, User

RIGHT = [[1, 2], [3, 4]]
WRONG_CELL = [[1, 2], [3, 5]]
WRONG_WIDTH = [[1, 2, 0], [3, 4, 0]]


def test_two_wrong_attempts_end_the_input_and_reveal_the_answer(store: Store, alice: User) -> None:
    task = small_task()
    first = store.submit_attempt(task, test_index=0, grid=WRONG_CELL, user=alice)
    assert (first.used, first.remaining, first.solved, first.answer, first.last_correct) == (
        1,
        1,
        False,
        None,
        False,
    )
    second = store.submit_attempt(task, test_index=0, grid=WRONG_WIDTH, user=alice)
    assert (second.used, second.remaining, second.answer) == (2, 0, RIGHT)
    with pytest.raises(AttemptLimitReached):
        store.submit_attempt(task, test_index=0, grid=RIGHT, user=alice)
    statuses = store.attempt_statuses(task, user=alice)
    assert statuses[0].answer == RIGHT and statuses[1].answer is None and statuses[1].remaining == 2


def test_solving_stops_attempts(store: Store, alice: User) -> None:
    task = small_task()
    status = store.submit_attempt(
        task, test_index=1, grid=[[5]], user=alice, action_log=[{"t": 1, "tool": "edit"}]
    )
    assert status.solved and status.last_correct and status.answer == [[5]] and status.remaining == 0
    with pytest.raises(AttemptLimitReached, match="solved"):
        store.submit_attempt(task, test_index=1, grid=[[5]], user=alice)


def test_attempts_are_counted_per_solver(store: Store, alice: User, bob: User) -> None:
    task = small_task()
    store.submit_attempt(task, test_index=0, grid=WRONG_CELL, user=alice)
    store.submit_attempt(task, test_index=0, grid=WRONG_CELL, client_id="anon-1")
    assert store.count_attempts("t1", 0, 0, user=alice) == 1
    assert store.count_attempts("t1", 0, 0, user=bob) == 0
    assert store.count_attempts("t1", 0, 0, client_id="anon-1") == 1
    assert store.count_attempts("t1", 0, 0, client_id="anon-2") == 0


def test_bad_submissions_record_nothing(store: Store, alice: User) -> None:
    task = small_task()
    for grid in ([[1, 2], [3]], [[10]], [], "12", [[0] * 31]):
        with pytest.raises(InvalidInput):
            store.submit_attempt(task, test_index=0, grid=grid, user=alice)
    with pytest.raises(InvalidInput):
        store.submit_attempt(task, test_index=2, grid=RIGHT, user=alice)
    with pytest.raises(InvalidInput):
        store.submit_attempt(task, test_index=0, grid=RIGHT)
    assert store.list_attempts() == []


def test_attempt_and_action_log_are_stored(store: Store, alice: User) -> None:
    log = [{"t": 1764090000123, "tool": "flood_fill", "color": 3, "cells": [[0, 1]], "grid": WRONG_CELL}]
    store.submit_attempt(small_task(), test_index=0, grid=WRONG_CELL, user=alice, action_log=log)
    (attempt,) = store.list_attempts(task_id="t1", user=alice)
    assert attempt.grid == WRONG_CELL and not attempt.correct and attempt.action_log == log
    assert attempt.created_at.tzinfo is not None and attempt.task_version == 0
