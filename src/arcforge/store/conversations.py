"""Conversations of the discussion page: a user talks with a model about one task version.

Each message keeps its cost, so :meth:`ConversationsMixin.spend_today` (the sum since the start
of the current UTC day) lets the web app hold each user to a daily spending limit. A user reads
and writes only their own conversations.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy import Connection, func, select

from arcforge.store import schema
from arcforge.store.db import Database, inserted_id, utcnow
from arcforge.store.errors import InvalidInput, NotFound
from arcforge.store.values import Conversation, Message, User

__all__ = ["MAX_MESSAGE_CHARS", "ROLES", "ConversationsMixin"]

ROLES = ("system", "user", "assistant")
MAX_MESSAGE_CHARS = 100_000
_c = schema.conversations
_m = schema.messages


def _conversation(row: Any) -> Conversation:
    return Conversation(
        id=row.id,
        user_id=row.user_id,
        task_id=row.task_id,
        task_version=row.task_version,
        model=row.model,
        created_at=row.created_at,
    )


def _message(row: Any) -> Message:
    return Message(
        id=row.id,
        conversation_id=row.conversation_id,
        role=row.role,
        content=row.content,
        model=row.model,
        cost_usd=float(row.cost_usd),
        usage=row.usage,
        created_at=row.created_at,
    )


class ConversationsMixin:
    _db: Database

    def start_conversation(
        self, *, user: User, task_id: str, model: str, task_version: int = 0
    ) -> Conversation:
        """A new, empty conversation of ``user`` with ``model`` about a task version."""
        now = utcnow()
        with self._db.write() as conn:
            new_id = inserted_id(
                conn.execute(
                    _c.insert().values(
                        user_id=user.id,
                        task_id=task_id,
                        task_version=task_version,
                        model=model,
                        created_at=now,
                    )
                )
            )
        return Conversation(
            id=new_id,
            user_id=user.id,
            task_id=task_id,
            task_version=task_version,
            model=model,
            created_at=now,
        )

    def get_conversation(self, conversation_id: int, *, user: User) -> Conversation:
        """One of ``user``'s conversations; another user's is :class:`NotFound` to them."""
        with self._db.read() as conn:
            return _conversation(self._own(conn, conversation_id, user))

    def list_conversations(self, *, user: User, task_id: str | None = None) -> list[Conversation]:
        query = select(_c).where(_c.c.user_id == user.id).order_by(_c.c.id)
        if task_id is not None:
            query = query.where(_c.c.task_id == task_id)
        with self._db.read() as conn:
            return [_conversation(r) for r in conn.execute(query)]

    def add_message(
        self,
        conversation_id: int,
        *,
        user: User,
        role: str,
        content: str,
        model: str | None = None,
        cost_usd: float = 0.0,
        usage: dict[str, Any] | None = None,
    ) -> Message:
        """Append a message (``role`` system/user/assistant) with its cost to one of ``user``'s conversations."""
        if role not in ROLES:
            raise InvalidInput(f"invalid message role {role!r}: use one of {', '.join(ROLES)}")
        if not isinstance(content, str) or len(content) > MAX_MESSAGE_CHARS:
            raise InvalidInput(f"a message is text of at most {MAX_MESSAGE_CHARS} characters")
        if cost_usd < 0:
            raise InvalidInput("a message's cost cannot be negative")
        now = utcnow()
        with self._db.write() as conn:
            self._own(conn, conversation_id, user)
            new_id = inserted_id(
                conn.execute(
                    _m.insert().values(
                        conversation_id=conversation_id,
                        user_id=user.id,
                        role=role,
                        content=content,
                        model=model,
                        cost_usd=float(cost_usd),
                        usage=usage,
                        created_at=now,
                    )
                )
            )
        return Message(new_id, conversation_id, role, content, model, float(cost_usd), usage, now)

    def list_messages(self, conversation_id: int, *, user: User) -> list[Message]:
        with self._db.read() as conn:
            self._own(conn, conversation_id, user)
            rows = conn.execute(select(_m).where(_m.c.conversation_id == conversation_id).order_by(_m.c.id))
            return [_message(r) for r in rows]

    def spend_since(self, *, user: User, since: datetime) -> float:
        """What ``user``'s messages cost since ``since`` (timezone-aware), in USD."""
        query = select(func.coalesce(func.sum(_m.c.cost_usd), 0.0)).where(
            _m.c.user_id == user.id, _m.c.created_at >= since
        )
        with self._db.read() as conn:
            return float(conn.execute(query).scalar_one())

    def spend_today(self, *, user: User) -> float:
        """What ``user``'s messages cost since the start of the current UTC day, in USD."""
        now = utcnow()
        return self.spend_since(user=user, since=datetime.combine(now.date(), time(0), tzinfo=now.tzinfo))

    @staticmethod
    def _own(conn: Connection, conversation_id: int, user: User) -> Any:
        row = conn.execute(select(_c).where(_c.c.id == conversation_id, _c.c.user_id == user.id)).first()
        if row is None:
            raise NotFound(f"no conversation {conversation_id} of yours")
        return row
