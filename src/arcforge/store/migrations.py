"""Ordered, append-only schema migrations recorded in the ``schema_version`` table.

``MIGRATIONS[i]`` brings a database from version ``i`` to ``i + 1``. A migration is never edited
once released; a schema change is a new function appended to the list. :func:`migrate` runs
the missing ones in one write transaction each, holding the write lock (SQLite ``BEGIN
IMMEDIATE``; a PostgreSQL advisory lock), so several server processes starting at once migrate
exactly once. Migration 1 creates the tables as :mod:`arcforge.store.schema` describes them at
version 1; when a later migration alters a table, freeze the version-1 shape here first (as
``_V1_ATTEMPTS`` is) and leave tables added later out of it (``_LATER_TABLES``).

- 2: ``attempts.answer_seen`` (NULL for older attempts: unknown) and the ``reveals`` table, for one
  attempt budget per test input across a task's versions (issue 12).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    inspect,
    select,
    text,
)

from arcforge.errors import StoreError
from arcforge.store import schema
from arcforge.store.db import Database, UTCDateTime, utcnow

__all__ = ["MIGRATIONS", "current_version", "migrate"]

_PG_LOCK_KEY = 0x41524346  # "ARCF"


_V1 = MetaData()
Table("users", _V1, Column("id", Integer, primary_key=True))  # only for the foreign key below
_V1_ATTEMPTS = Table(
    "attempts",
    _V1,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("client_id", String(128), nullable=True),
    Column("task_id", String(128), nullable=False),
    Column("task_version", Integer, nullable=False),
    Column("test_index", Integer, nullable=False),
    Column("grid", JSON, nullable=False),
    Column("correct", Boolean, nullable=False),
    Column("action_log", JSON, nullable=False, default=list),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_attempts_solver", "task_id", "task_version", "user_id", "client_id"),
)
_FROZEN = {"attempts": _V1_ATTEMPTS}
_LATER_TABLES = {"schema_version", "reveals"}


def _v1_initial(conn: Connection) -> None:
    tables = [
        t for t in schema.metadata.sorted_tables if t.name not in _LATER_TABLES and t.name not in _FROZEN
    ]
    schema.metadata.create_all(conn, tables=tables)
    _V1.create_all(conn, tables=list(_FROZEN.values()))


def _v2_one_budget_across_versions(conn: Connection) -> None:
    conn.execute(text("ALTER TABLE attempts ADD COLUMN answer_seen BOOLEAN"))
    schema.metadata.create_all(conn, tables=[schema.reveals])


MIGRATIONS: list[Callable[[Connection], None]] = [_v1_initial, _v2_one_budget_across_versions]


def current_version(conn: Connection) -> int:
    """The database's schema version (0 when it has never been migrated)."""
    if not inspect(conn).has_table("schema_version"):
        return 0
    found = conn.execute(
        select(schema.schema_version.c.version).order_by(schema.schema_version.c.version.desc())
    )
    row = found.first()
    return 0 if row is None else int(row[0])


def migrate(db: Database) -> tuple[int, int]:
    """Apply every missing migration; returns ``(version before, version after)``."""
    with db.write() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
        schema.schema_version.create(conn, checkfirst=True)
        before = current_version(conn)
        if before > len(MIGRATIONS):
            raise StoreError(
                f"the database is at schema version {before}, newer than this arcforge knows "
                f"({len(MIGRATIONS)}): upgrade arcforge"
            )
        for number in range(before, len(MIGRATIONS)):
            MIGRATIONS[number](conn)
            conn.execute(schema.schema_version.insert().values(version=number + 1, applied_at=utcnow()))
    return before, len(MIGRATIONS)
