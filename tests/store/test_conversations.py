from __future__ import annotations

import pytest

from arcforge.store import InvalidInput, NotFound, Store, User


def test_messages_costs_and_ownership(store: Store, alice: User, bob: User) -> None:
    conv = store.start_conversation(user=alice, task_id="t1", model="local")
    store.add_message(conv.id, user=alice, role="user", content="why blue?")
    store.add_message(conv.id, user=alice, role="assistant", content="because", model="local", cost_usd=0.25)
    assert [m.role for m in store.list_messages(conv.id, user=alice)] == ["user", "assistant"]
    assert store.spend_today(user=alice) == pytest.approx(0.25)
    assert store.spend_today(user=bob) == 0.0
    with pytest.raises(NotFound):
        store.list_messages(conv.id, user=bob)
    with pytest.raises(NotFound):
        store.add_message(conv.id, user=bob, role="user", content="hijack")
    with pytest.raises(InvalidInput):
        store.add_message(conv.id, user=alice, role="tool", content="x")
    assert [c.id for c in store.list_conversations(user=alice, task_id="t1")] == [conv.id]
    assert store.list_conversations(user=bob) == []
