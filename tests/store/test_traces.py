from __future__ import annotations

import pytest

from arcforge.store import Conflict, InvalidInput, NotAuthorized, NotFound, Store, User


def test_same_text_for_same_task_is_stored_once(store: Store, alice: User, bob: User) -> None:
    first = store.add_trace("t1", "Rotate the grid.", user=alice)
    again = store.add_trace("t1", "  Rotate the grid.\r\n", user=bob)
    other_task = store.add_trace("t2", "Rotate the grid.", user=bob)
    assert again.id == first.id and again.author == "alice"
    assert other_task.id != first.id
    assert store.count_traces() == 2
    assert store.get_trace(first.id).text == "Rotate the grid."  # kept exactly as first given


def test_text_is_kept_exactly(store: Store, alice: User) -> None:
    text = "\n  Step 1:\tlook\r\n"
    trace = store.add_trace("t1", text, user=alice)
    assert store.get_trace(trace.id).text == text


def test_bad_traces_are_refused(store: Store, alice: User) -> None:
    with pytest.raises(InvalidInput):
        store.add_trace("t1", "   ", user=alice)
    with pytest.raises(InvalidInput):
        store.add_trace("", "text", user=alice)
    with pytest.raises(InvalidInput):
        store.add_trace("t1", "x" * 200_001, user=alice)
    with pytest.raises(InvalidInput):
        store.add_trace("t1", "text", user=alice, author_kind="model")
    assert store.count_traces() == 0


def test_only_author_or_moderator_may_edit_and_delete(
    store: Store, alice: User, bob: User, mod: User
) -> None:
    trace = store.add_trace("t1", "alice's idea", user=alice)
    with pytest.raises(NotAuthorized):
        store.edit_trace(trace.id, "bob was here", user=bob)
    with pytest.raises(NotAuthorized):
        store.delete_trace(trace.id, user=bob)
    edited = store.edit_trace(trace.id, "alice's better idea", user=alice)
    assert edited.text == "alice's better idea" and edited.updated_at >= trace.updated_at
    assert store.edit_trace(trace.id, "moderated", user=mod).text == "moderated"
    store.delete_trace(trace.id, user=mod)
    with pytest.raises(NotFound):
        store.get_trace(trace.id)


def test_model_traces_are_moderator_only(store: Store, alice: User, mod: User) -> None:
    trace = store.add_trace("t1", "model says", author="openai/gpt-x", author_kind="model")
    assert trace.user_id is None and trace.author_kind == "model"
    with pytest.raises(NotAuthorized):
        store.delete_trace(trace.id, user=alice)
    store.delete_trace(trace.id, user=mod)
    assert store.count_traces() == 0


def test_edit_onto_existing_text_conflicts(store: Store, alice: User) -> None:
    store.add_trace("t1", "one", user=alice)
    two = store.add_trace("t1", "two", user=alice)
    with pytest.raises(Conflict):
        store.edit_trace(two.id, "one ", user=alice)


def test_votes_change_and_withdraw(store: Store, alice: User, bob: User, mod: User) -> None:
    trace = store.add_trace("t1", "idea", user=alice)
    assert store.vote(trace.id, user=bob, value=1).score == 1
    assert store.vote(trace.id, user=bob, value=1).score == 1  # one vote per account
    after = store.vote(trace.id, user=mod, value=-1)
    assert (after.score, after.up, after.down) == (0, 1, 1)
    changed = store.vote(trace.id, user=bob, value=-1)
    assert (changed.score, changed.my_vote) == (-2, -1)
    withdrawn = store.withdraw_vote(trace.id, user=bob)
    assert (withdrawn.score, withdrawn.my_vote, withdrawn.down) == (-1, None, 1)
    assert store.withdraw_vote(trace.id, user=bob).score == -1  # withdrawing twice is harmless
    assert store.trace_voters(trace.id) == {"mod": -1}
    with pytest.raises(InvalidInput):
        store.vote(trace.id, user=bob, value=2)
    with pytest.raises(NotFound):
        store.vote(999, user=bob, value=1)


def test_list_is_sorted_by_score_and_shows_my_vote(store: Store, alice: User, bob: User, mod: User) -> None:
    low = store.add_trace("t1", "low", user=alice)
    high = store.add_trace("t1", "high", user=alice)
    mid = store.add_trace("t1", "mid", user=bob)
    store.add_trace("t2", "elsewhere", user=bob)
    store.vote(high.id, user=bob, value=1)
    store.vote(high.id, user=mod, value=1)
    store.vote(low.id, user=mod, value=-1)
    listed = store.list_traces("t1", viewer=mod)
    assert [t.id for t in listed] == [high.id, mid.id, low.id]
    assert [t.my_vote for t in listed] == [1, None, -1]
    assert [t.my_vote for t in store.list_traces("t1")] == [None, None, None]
    assert store.traced_task_ids() == ["t1", "t2"]


def test_deleting_a_trace_deletes_its_votes(store: Store, alice: User, bob: User) -> None:
    trace = store.add_trace("t1", "idea", user=alice)
    store.vote(trace.id, user=bob, value=1)
    store.delete_trace(trace.id, user=alice)
    assert store.info().counts["votes"] == 0


def test_public_id_lookup(store: Store, alice: User) -> None:
    trace = store.add_trace("t1", "idea", user=alice)
    assert trace.public_id.startswith("t1_alice_")
    assert store.get_trace(trace.public_id).id == trace.id
