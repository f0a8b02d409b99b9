"""The store's tables (SQLAlchemy Core), the single description of the current schema.

Changing a table here needs a new migration in :mod:`arcforge.store.migrations` that brings an
existing database to the same shape (``tests/store/test_migrations.py`` checks a migrated
database matches these definitions).

Why the shapes are what they are:

- ``task_versions`` keep every version of a task forever; ``(task_id, version)`` never changes
  meaning. Retiring sets a flag. ``content`` is the canonical JSON of the pairs *with* test outputs:
  only server-side code reads it; pages get :meth:`Task.without_test_outputs`.
- ``traces`` are content-addressed: ``(task_id, text_hash)`` is unique, so the same text for the
  same task is stored once. ``public_id`` is the original system's ``trace_id`` (kept on import,
  generated for new traces) so exports round-trip. ``score`` is kept in step with ``votes`` in the
  same transaction; ``score_base`` holds any part of an imported score not explained by its voters.
- ``votes`` hold account votes (``user_id``) and the original system's votes, which name a voter
  but have no account (``voter_name``); each kind is unique per trace.
- ``attempts`` keep every submission with its action log (a JSON list of editing events) and
  ``answer_seen``: whether the account had already been shown that test output (through any version
  or route) before this attempt; NULL for attempts made before schema version 2 (unknown).
- ``reveals`` remember, per account, the first time a test output (named by the version it was
  derived from and its test index there, ``origin``) was shown to it, and through which route.
- ``merges`` remember which run record became which trace, so merging a run twice adds nothing.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from arcforge.store.db import UTCDateTime

__all__ = [
    "attempts",
    "conversations",
    "merges",
    "messages",
    "reveals",
    "metadata",
    "schema_version",
    "sessions",
    "signatures",
    "task_versions",
    "traces",
    "users",
    "votes",
]

metadata = MetaData()

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True),
    Column("applied_at", UTCDateTime, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False),
    Column(
        "name_key", String(64), nullable=False, unique=True
    ),  # lower-cased name: names are case-insensitive
    Column("password_hash", String(255), nullable=False),
    Column("role", String(16), nullable=False, default="contributor"),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("role IN ('contributor', 'moderator')", name="ck_users_role"),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)

task_versions = Table(
    "task_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("task_id", String(128), nullable=False),
    Column("version", Integer, nullable=False),
    Column("content", Text, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("source", String(255), nullable=False, default=""),
    Column("parent_version", Integer, nullable=True),
    Column("transform", String(255), nullable=True),
    Column("created_by", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("retired", Boolean, nullable=False, default=False),
    Column("retired_at", UTCDateTime, nullable=True),
    Column("retired_by", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    UniqueConstraint("task_id", "version", name="uq_task_versions_task_version"),
    Index("ix_task_versions_hash", "task_id", "content_hash"),
)

signatures = Table(
    "signatures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("task_version_id", Integer, ForeignKey("task_versions.id", ondelete="CASCADE"), nullable=False),
    Column("signer", String(64), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("signed_at", UTCDateTime, nullable=False),
    UniqueConstraint("task_version_id", "signer", name="uq_signatures_version_signer"),
)

traces = Table(
    "traces",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("public_id", String(255), nullable=False, unique=True),
    Column("task_id", String(128), nullable=False, index=True),
    Column("task_version", Integer, nullable=True),
    Column("text", Text, nullable=False),
    Column("text_hash", String(64), nullable=False),
    Column("author", String(255), nullable=False),
    Column("author_kind", String(16), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True),
    Column("run_id", String(255), nullable=True),
    Column("record_key", String(255), nullable=True),
    Column("model", String(255), nullable=True),
    Column("score", Integer, nullable=False, default=0),
    Column("score_base", Integer, nullable=False, default=0),
    Column("extra", JSON, nullable=False, default=dict),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("task_id", "text_hash", name="uq_traces_task_text"),
    CheckConstraint("author_kind IN ('human', 'model', 'model_assisted')", name="ck_traces_author_kind"),
)

votes = Table(
    "votes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("trace_id", Integer, ForeignKey("traces.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=True),
    Column("voter_name", String(255), nullable=True),  # the original system's voters, who have no account
    Column("value", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("trace_id", "user_id", name="uq_votes_trace_user"),
    UniqueConstraint("trace_id", "voter_name", name="uq_votes_trace_voter_name"),
    CheckConstraint("(user_id IS NULL) <> (voter_name IS NULL)", name="ck_votes_one_voter"),
)

attempts = Table(
    "attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("client_id", String(128), nullable=True),  # an anonymous solver's id when not logged in
    Column("task_id", String(128), nullable=False),
    Column("task_version", Integer, nullable=False),
    Column("test_index", Integer, nullable=False),
    Column("grid", JSON, nullable=False),
    Column("correct", Boolean, nullable=False),
    Column("action_log", JSON, nullable=False, default=list),
    Column("created_at", UTCDateTime, nullable=False),
    Column("answer_seen", Boolean, nullable=True),  # schema version 2; NULL: made before it (unknown)
    Index("ix_attempts_solver", "task_id", "task_version", "user_id", "client_id"),
)

reveals = Table(
    "reveals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("task_id", String(128), nullable=False),
    Column("origin", String(64), nullable=False),  # "v0:test:1": root version, split, index
    Column("via", String(128), nullable=False),
    Column("first_at", UTCDateTime, nullable=False),
    UniqueConstraint("user_id", "task_id", "origin", name="uq_reveals_user_task_origin"),
)

conversations = Table(
    "conversations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("task_id", String(128), nullable=False),
    Column("task_version", Integer, nullable=False, default=0),
    Column("model", String(255), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

messages = Table(
    "messages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("conversation_id", Integer, ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("role", String(16), nullable=False),
    Column("content", Text, nullable=False),
    Column("model", String(255), nullable=True),
    Column("cost_usd", Float, nullable=False, default=0.0),
    Column("usage", JSON, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_messages_user_time", "user_id", "created_at"),
    Index("ix_messages_conversation", "conversation_id", "id"),
)

merges = Table(
    "merges",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", String(255), nullable=False),
    Column("record_key", String(255), nullable=False),
    Column("trace_id", Integer, ForeignKey("traces.id", ondelete="SET NULL"), nullable=True),
    Column("merged_at", UTCDateTime, nullable=False),
    UniqueConstraint("run_id", "record_key", name="uq_merges_run_record"),
)
