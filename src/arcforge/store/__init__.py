"""The trace store: accounts, task versions, reasoning traces and votes, attempts, conversations.

Open it with :func:`open_store` (SQLite by default, PostgreSQL by URL); everything else is a method
of :class:`Store`. Errors are :class:`~arcforge.errors.StoreError` subclasses from
:mod:`arcforge.store.errors`; values are the frozen dataclasses of :mod:`arcforge.store.values`.
"""

from __future__ import annotations

from arcforge.store.attempts import ATTEMPT_LIMIT
from arcforge.store.backup import prune_backups
from arcforge.store.errors import (
    AttemptLimitReached,
    Conflict,
    InvalidInput,
    NotAuthorized,
    NotFound,
    StoreError,
)
from arcforge.store.store import Store, open_store
from arcforge.store.values import (
    Attempt,
    AttemptStatus,
    Conversation,
    ImportReport,
    Message,
    TaskVersion,
    Trace,
    User,
)

__all__ = [
    "ATTEMPT_LIMIT",
    "Attempt",
    "AttemptLimitReached",
    "AttemptStatus",
    "Conflict",
    "Conversation",
    "ImportReport",
    "InvalidInput",
    "Message",
    "NotAuthorized",
    "NotFound",
    "Store",
    "StoreError",
    "TaskVersion",
    "Trace",
    "User",
    "open_store",
    "prune_backups",
]
