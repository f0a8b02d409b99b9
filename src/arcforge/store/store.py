"""The :class:`Store` and its factory :func:`open_store`.

A :class:`Store` is an engine plus the methods of one mixin per area (users, tasks, traces,
attempts, conversations, imports, export, backup); each mixin lives in its own module, with its
documentation. A store is cheap to share: it holds no session state, each method runs its own
short transaction, and it is safe to use from several threads and several processes at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import InterfaceError, OperationalError

from arcforge.errors import StoreError
from arcforge.store import schema
from arcforge.store.attempts import AttemptsMixin
from arcforge.store.backup import BackupMixin
from arcforge.store.conversations import ConversationsMixin
from arcforge.store.db import Database, make_engine
from arcforge.store.exporting import ExportMixin
from arcforge.store.importers import ImportersMixin
from arcforge.store.migrations import MIGRATIONS, current_version, migrate
from arcforge.store.tasks import TasksMixin
from arcforge.store.traces import TracesMixin
from arcforge.store.users import UsersMixin
from arcforge.store.values import ImportReport

__all__ = ["Store", "open_store"]


@dataclass(frozen=True)
class StoreInfo:
    url: str
    dialect: str
    schema_version: int
    latest_version: int
    counts: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "dialect": self.dialect,
            "schema_version": self.schema_version,
            "latest_version": self.latest_version,
            "counts": dict(self.counts),
        }


class Store(
    UsersMixin,
    TasksMixin,
    TracesMixin,
    AttemptsMixin,
    ConversationsMixin,
    ImportersMixin,
    ExportMixin,
    BackupMixin,
):
    """The trace store. Build it with :func:`open_store`; call :meth:`close` (or use ``with``) at the end."""

    def __init__(self, db: Database, *, url: str, password_hasher: PasswordHasher | None = None) -> None:
        self._db = db
        self.url = url
        self._hasher = password_hasher or PasswordHasher()

    @property
    def database(self) -> Database:
        """The underlying engine wrapper (for tests and tools, not for routine use)."""
        return self._db

    def info(self) -> StoreInfo:
        """The schema version and how many rows each table holds."""
        tables = [
            "users",
            "task_versions",
            "traces",
            "votes",
            "attempts",
            "conversations",
            "messages",
            "merges",
        ]
        with self._db.read() as conn:
            version = current_version(conn)
            present = set(inspect(conn).get_table_names())  # none before `arcforge db migrate`
            counts = {
                name: int(
                    conn.execute(select(func.count()).select_from(schema.metadata.tables[name])).scalar_one()
                )
                if name in present
                else 0
                for name in tables
            }
        safe_url = self._db.engine.url.render_as_string(hide_password=True)
        return StoreInfo(safe_url, self._db.engine.dialect.name, version, len(MIGRATIONS), counts)

    def merge_run(self, run_dir: str | Path, *, verified_only: bool = False) -> ImportReport:
        """Add a run's reasoning as model traces, once (see :mod:`arcforge.store.merge`)."""
        from arcforge.store.merge import merge_run

        return merge_run(self, run_dir, verified_only=verified_only)

    def close(self) -> None:
        """Release the database connections."""
        self._db.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_store(
    url: str, *, migrate_schema: bool = True, password_hasher: PasswordHasher | None = None
) -> Store:
    """Open (and, unless ``migrate_schema=False``, create or upgrade) the store at ``url``.

    ``url`` is a SQLAlchemy URL: ``sqlite:///path/to/arcforge.db`` (the default kind; the folder is
    created), ``sqlite://`` for a private in-memory store, or ``postgresql+psycopg://user@host/db``.
    A plain file path is taken as a SQLite file. Several processes may open the same store at once.
    """
    if "://" not in url:
        url = f"sqlite:///{url}"
    db = Database(make_engine(url))
    try:
        if migrate_schema:
            migrate(db)
        else:  # still reach the database now, so a wrong URL is one line here and not a traceback later
            with db.engine.connect():
                pass
    except (OperationalError, InterfaceError) as exc:
        db.engine.dispose()
        safe = db.engine.url.render_as_string(hide_password=True)
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        raise StoreError(f"cannot open the store at {safe}: {reason}") from None
    return Store(db, url=url, password_hasher=password_hasher)
