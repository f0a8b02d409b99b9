"""What the discussion page needs from the store beyond :mod:`arcforge.store.conversations`.

Clearing a conversation must not refund its cost: the daily spending limit sums the ``cost_usd``
of a user's messages (``Store.spend_today``), so deleting the rows of a cleared conversation would
let anyone reset their limit by clearing. :func:`clear_conversation` therefore blanks each message's
text and marks it ``cleared`` in its ``usage`` while keeping its cost and time; readers of a
conversation skip cleared messages with :func:`is_cleared`. The functions take a ``Store`` and work
through its database, in its transactions, and check ownership exactly as the store's own methods do.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import func, select

from arcforge.store import schema
from arcforge.store.errors import NotFound
from arcforge.store.values import Message, User

__all__ = ["CLEARED", "clear_conversation", "is_cleared", "message_counts"]

CLEARED = "cleared"
_c = schema.conversations
_m = schema.messages


def is_cleared(message: Message) -> bool:
    """True for a message blanked by :func:`clear_conversation`."""
    return bool(message.usage and message.usage.get(CLEARED))


def clear_conversation(store: Any, conversation_id: int, *, user: User) -> int:
    """Blank every message of one of ``user``'s conversations (costs are kept); returns how many."""
    with store.database.write() as conn:
        owned = conn.execute(
            select(_c.c.id).where(_c.c.id == conversation_id, _c.c.user_id == user.id)
        ).first()
        if owned is None:
            raise NotFound(f"no conversation {conversation_id} of yours")
        rows = conn.execute(select(_m.c.id, _m.c.usage).where(_m.c.conversation_id == conversation_id)).all()
        cleared = 0
        for row in rows:
            usage = dict(row.usage or {})
            if usage.get(CLEARED):
                continue
            usage[CLEARED] = True
            conn.execute(_m.update().where(_m.c.id == row.id).values(content="", usage=usage))
            cleared += 1
    return cleared


def message_counts(store: Any, conversation_ids: list[int], *, user: User) -> dict[int, int]:
    """How many visible (not cleared, not empty) messages each of ``user``'s conversations holds."""
    if not conversation_ids:
        return {}
    query = (
        select(_m.c.conversation_id, func.count())
        .where(_m.c.user_id == user.id, _m.c.conversation_id.in_(conversation_ids), _m.c.content != "")
        .group_by(_m.c.conversation_id)
    )
    with store.database.read() as conn:
        counts = Counter({int(cid): int(n) for cid, n in conn.execute(query)})
    return {cid: counts.get(cid, 0) for cid in conversation_ids}
