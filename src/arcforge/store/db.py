"""Engine construction and transactions: SQLite tuned for several writer processes, or PostgreSQL.

SQLite is opened in WAL mode with foreign keys on and a generous busy timeout. Writes start with
``BEGIN IMMEDIATE``: a deferred transaction that reads first and then writes can fail at once with
"database is locked" when another process committed in between (SQLite cannot wait on a stale
snapshot), whereas an immediate one takes the write lock up front and simply waits its turn under
the busy timeout. That is what lets several server processes share one database without losing a
write. Reads use plain deferred transactions and never block writers (WAL).

PostgreSQL (``postgresql+psycopg://...``) uses ordinary transactions for writes; they are short and
rely on unique constraints, retrying the rare race (see :meth:`Database.write`). Reads run without a
transaction (see :meth:`Database.read`).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, DateTime, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, NoSuchModuleError, OperationalError
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator

from arcforge.errors import StoreError
from arcforge.store.errors import InvalidInput

__all__ = ["BUSY_TIMEOUT_MS", "Database", "UTCDateTime", "inserted_id", "make_engine", "serialize", "utcnow"]

BUSY_TIMEOUT_MS = 60_000
# PostgreSQL connections kept open per process. A request's threads check out a connection per store
# call; with SQLAlchemy's default (5 kept, 10 more opened and closed again) a busy worker opened and
# closed connections all the time, and PostgreSQL's backend start-up cost more CPU than the queries
# (3 ms per request under store_load_pg.py). 20 kept per worker: 3 workers hold 60 of PostgreSQL's
# default 100 connections. No ping before each checkout (a round trip per store call, about a tenth of
# a request's CPU): a connection older than PG_POOL_RECYCLE_S is replaced, and when the server went away
# (a restart) the first statement that finds out fails, and SQLAlchemy then drops every pooled
# connection made before it, so one request per worker fails and the next ones reconnect.
PG_POOL_SIZE = 20
PG_POOL_OVERFLOW = 20
PG_POOL_RECYCLE_S = 1800
T = TypeVar("T")


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as naive UTC (portable across SQLite and PostgreSQL), read back aware."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass a timezone-aware one")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys, a busy timeout and immediate writes."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise InvalidInput(
            f"not a database URL: {url!r} (use sqlite:///PATH or postgresql+psycopg://...)"
        ) from exc
    if parsed.get_backend_name() != "sqlite":
        try:
            return create_engine(
                url,
                pool_size=PG_POOL_SIZE,
                max_overflow=PG_POOL_OVERFLOW,
                pool_recycle=PG_POOL_RECYCLE_S,
            )
        except NoSuchModuleError:
            raise InvalidInput(
                f"unknown database kind {parsed.drivername!r}: use sqlite:///PATH or postgresql+psycopg://..."
            ) from None
        except ModuleNotFoundError as exc:
            raise StoreError(
                f"no driver for {parsed.drivername}: pip install 'psycopg[binary]' ({exc})"
            ) from None
    memory = parsed.database in (None, "", ":memory:")
    if not memory:
        folder = Path(str(parsed.database)).expanduser().parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the store's folder {folder}: {exc.strerror}") from None
    kwargs: dict[str, Any] = {"connect_args": {"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}}
    if memory:
        kwargs["poolclass"] = StaticPool
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (see _on_begin)
        cursor = dbapi_connection.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("arcforge_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


@dataclass(frozen=True)
class Database:
    """An engine plus the two ways the store touches it: :meth:`read` and :meth:`write`."""

    engine: Engine

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextlib.contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reading: on SQLite a read transaction (a consistent snapshot of the database).

        On PostgreSQL each statement runs on its own (autocommit): at PostgreSQL's READ COMMITTED level
        every statement of a transaction takes its own snapshot anyway, so a transaction around reads
        gave no more consistency and cost two round trips (BEGIN, COMMIT) per read. Nothing may be
        written through this connection (use :meth:`write`).
        """
        with self.engine.connect() as conn:
            if self.is_sqlite:
                with conn.begin():
                    yield conn
            else:
                conn.execution_options(isolation_level="AUTOCOMMIT")  # reset when it goes back to the pool
                yield conn

    @contextlib.contextmanager
    def write(self) -> Iterator[Connection]:
        """A connection in a write transaction, committed when the block ends without an exception.

        On SQLite the transaction holds the write lock from its start (``BEGIN IMMEDIATE``), so a
        read-then-write inside it sees the latest data and cannot lose another process's write.
        """
        with self.engine.connect() as conn:
            conn = conn.execution_options(arcforge_write=True)
            with conn.begin():
                yield conn

    def retrying(self, fn: Callable[[Connection], T], *, attempts: int = 5) -> T:
        """Run ``fn(conn)`` in :meth:`write`, retrying on a unique-constraint race or a lock timeout.

        Only a PostgreSQL race (two inserts of the same key) or an exhausted SQLite busy timeout
        gets here; ``fn`` must be safe to re-run (it reads its preconditions inside the transaction).
        """
        for attempt in range(attempts):
            try:
                with self.write() as conn:
                    return fn(conn)
            except (IntegrityError, OperationalError) as exc:
                if attempt == attempts - 1 or not _is_retryable(exc):
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")


def inserted_id(result: Any) -> int:
    """The primary key of the row an ``INSERT`` made."""
    key = result.inserted_primary_key
    if key is None:
        raise StoreError("the database did not report the new row's id")
    return int(key[0])


def serialize(conn: Connection, key: str) -> None:
    """Hold a transaction-long lock on ``key`` so check-then-write sequences on it run one at a time.

    SQLite needs nothing (a write transaction already holds the database's write lock); PostgreSQL
    takes an advisory lock, released at commit or rollback.
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(hashtext(%(key)s))", {"key": key})


def _is_retryable(exc: Exception) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text or "unique" in text or "duplicate key" in text
