"""The frozen values the store returns; rows never leave the store as SQLAlchemy objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

__all__ = [
    "AUTHOR_KINDS",
    "ROLES",
    "Attempt",
    "AttemptStatus",
    "Conversation",
    "ImportReport",
    "Message",
    "Trace",
    "TaskVersion",
    "User",
]

ROLES = ("contributor", "moderator")
AUTHOR_KINDS = ("human", "model", "model_assisted")
AuthorKind = Literal["human", "model", "model_assisted"]


@dataclass(frozen=True, slots=True)
class User:
    """An account. ``role`` is ``"contributor"`` or ``"moderator"``."""

    id: int
    name: str
    role: str
    created_at: datetime

    @property
    def is_moderator(self) -> bool:
        return self.role == "moderator"


@dataclass(frozen=True, slots=True)
class Trace:
    """A reasoning trace with its current score.

    ``author`` is a person's name or a model id; ``author_kind`` says which (``human``, ``model``,
    ``model_assisted``); ``user_id`` is set when a web account wrote it (that account may edit it).
    ``up``/``down`` count the votes each way; ``my_vote`` is the viewer's vote (+1, -1) or None
    when the listing was asked for a viewer who has not voted (or for no viewer).
    ``run_id``/``record_key``/``model`` tell which run record a merged model trace came from.
    """

    id: int
    public_id: str
    task_id: str
    task_version: int | None
    text: str
    author: str
    author_kind: str
    user_id: int | None
    score: int
    up: int
    down: int
    created_at: datetime
    updated_at: datetime
    run_id: str | None = None
    record_key: str | None = None
    model: str | None = None
    my_vote: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TaskVersion:
    """One stored version of a task (without its content; get that with ``Store.get_task``)."""

    task_id: str
    version: int
    content_hash: str
    source: str
    parent_version: int | None
    transform: str | None
    signers: tuple[str, ...]
    created_at: datetime
    retired: bool
    retired_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Attempt:
    """One submitted answer to one test input, with the editing actions that led to it."""

    id: int
    user_id: int | None
    client_id: str | None
    task_id: str
    task_version: int
    test_index: int
    grid: list[list[int]]
    correct: bool
    action_log: list[Any]
    created_at: datetime
    answer_seen: bool | None = None  # shown that test output before this attempt (None: not recorded)


@dataclass(frozen=True, slots=True)
class AttemptStatus:
    """Where a solver stands on one test input.

    ``answer`` is the expected output grid, given only to an account and only once it may be shown:
    the attempts are used up, the input is solved, or the account is a moderator. Otherwise it is
    None, and a page must not have it. The counts cover the input's budget across every version.
    """

    test_index: int
    used: int
    remaining: int
    solved: bool
    answer: list[list[int]] | None = None
    last_correct: bool | None = None


@dataclass(frozen=True, slots=True)
class Conversation:
    id: int
    user_id: int
    task_id: str
    task_version: int
    model: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Message:
    id: int
    conversation_id: int
    role: str
    content: str
    model: str | None
    cost_usd: float
    usage: dict[str, Any] | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import or merge did; ``problems`` lists what it skipped and why."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    votes: int = 0
    signatures: int = 0
    problems: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "votes": self.votes,
            "signatures": self.signatures,
            "problems": list(self.problems),
        }
