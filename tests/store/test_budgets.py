"""One attempt budget per test input across versions, claims, reveals and ``answer_seen`` (issue 12)."""

from __future__ import annotations

import dataclasses

import pytest
from store_helpers import small_task

from arcforge.store import AttemptLimitReached, Store, User
from arcforge.store.attempts import MAX_ACTION_LOG_BYTES
from arcforge.store.errors import NotAuthorized, PayloadTooLarge

RIGHT = [[1, 2], [3, 4]]
WRONG = [[1, 2], [3, 5]]


def test_slots_sharing_a_budget_count_together(store: Store, alice: User) -> None:
    v0 = small_task()
    v3 = dataclasses.replace(v0, version=3)
    budget = [(0, 0), (3, 0)]
    store.submit_attempt(v3, test_index=0, grid=WRONG, user=alice, budget=budget, origin="v0:test:0")
    status = store.submit_attempt(v3, test_index=0, grid=WRONG, user=alice, budget=budget, origin="v0:test:0")
    assert status.remaining == 0 and status.answer == RIGHT
    with pytest.raises(AttemptLimitReached, match="every version"):
        store.submit_attempt(v0, test_index=0, grid=RIGHT, user=alice, budget=budget, origin="v0:test:0")
    (on_v0,) = store.attempt_statuses(v0, user=alice, budgets=[budget, []])[:1]
    assert on_v0.used == 2 and on_v0.remaining == 0
    assert store.attempt_statuses(v0, user=alice)[0].used == 0  # without the budget: the slot alone
    assert store.attempt_tally("t1", user=alice) == {(3, 0): (2, False)}


def test_anonymous_solvers_never_get_the_answer_and_claims_keep_the_count(store: Store, alice: User) -> None:
    task = small_task()
    store.submit_attempt(task, test_index=0, grid=WRONG, client_id="c" * 32)
    spent = store.submit_attempt(task, test_index=0, grid=WRONG, client_id="c" * 32)
    assert spent.remaining == 0 and spent.answer is None
    assert store.claim_attempts("c" * 32, alice) == 2
    assert store.attempt_statuses(task, user=alice)[0].used == 2
    assert store.attempt_statuses(task, client_id="c" * 32)[0].used == 2  # logging out resets nothing
    assert store.claim_attempts("c" * 32, alice) == 0


def test_attempts_record_whether_the_answer_was_shown_before(store: Store, alice: User, mod: User) -> None:
    task = small_task()
    store.submit_attempt(task, test_index=0, grid=WRONG, user=alice)
    assert store.record_reveal(mod, "t1", "v0:test:0", via="answer in v0")
    assert not store.record_reveal(mod, "t1", "v0:test:0", via="again")
    assert store.attempt_statuses(task, user=mod)[0].answer == RIGHT  # moderators are entitled
    store.submit_attempt(task, test_index=0, grid=RIGHT, user=mod)
    store.submit_attempt(task, test_index=1, grid=[[5]], user=mod)
    seen = {(a.user_id, a.test_index): a.answer_seen for a in store.list_attempts()}
    assert seen == {(alice.id, 0): False, (mod.id, 0): True, (mod.id, 1): False}
    exported = store.export_all()["attempts"]
    assert [a["answer_seen"] for a in exported] == [False, True, False]
    assert store.list_reveals(user=mod)[0]["via"] == "answer in v0"


def test_action_log_is_capped(store: Store, alice: User) -> None:
    big = [{"t": 1, "pad": "x" * MAX_ACTION_LOG_BYTES}]
    with pytest.raises(PayloadTooLarge, match="limit"):
        store.submit_attempt(small_task(), test_index=0, grid=WRONG, user=alice, action_log=big)
    assert store.list_attempts() == []


def test_no_votes_on_ones_own_trace(store: Store, alice: User, bob: User) -> None:
    trace = store.add_trace("t1", "my reasoning", user=alice)
    with pytest.raises(NotAuthorized, match="your own trace"):
        store.vote(trace.id, user=alice, value=1)
    assert store.vote(trace.id, user=bob, value=1).score == 1
