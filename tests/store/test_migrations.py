from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from arcforge.errors import StoreError
from arcforge.store import open_store, schema
from arcforge.store.migrations import MIGRATIONS


def test_migrated_database_matches_the_schema(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    open_store(url).close()
    inspector = inspect(create_engine(url))
    assert set(inspector.get_table_names()) == set(schema.metadata.tables)
    for name, table in schema.metadata.tables.items():
        assert {c["name"] for c in inspector.get_columns(name)} == {c.name for c in table.columns}, name


def test_sqlite_settings(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "plain-path.db"))  # a plain path is a SQLite file
    with store.database.read() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 10_000
    assert store.info().schema_version == len(MIGRATIONS)
    store.close()


def _open(url: str) -> int:
    with open_store(url) as store:
        return store.info().schema_version


def test_concurrent_first_opens_migrate_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'race.db'}"
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        assert pool.map(_open, [url] * 4) == [len(MIGRATIONS)] * 4
    engine = create_engine(url)
    with engine.connect() as conn:
        versions = conn.execute(text("SELECT version FROM schema_version")).scalars().all()
    assert versions == list(range(1, len(MIGRATIONS) + 1))


def test_newer_database_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    open_store(url).close()
    with create_engine(url).begin() as conn:
        conn.execute(text("INSERT INTO schema_version (version, applied_at) VALUES (99, '2030-01-01')"))
    with pytest.raises(StoreError, match="upgrade arcforge"):
        open_store(url)


def test_a_version_1_database_upgrades_and_keeps_its_attempts(tmp_path: Path) -> None:
    from arcforge.store.db import Database, make_engine, utcnow

    url = f"sqlite:///{tmp_path / 'v1.db'}"
    db = Database(make_engine(url))
    with db.write() as conn:
        schema.schema_version.create(conn)
        MIGRATIONS[0](conn)
        conn.execute(schema.schema_version.insert().values(version=1, applied_at=utcnow()))
        columns = {c["name"] for c in inspect(conn).get_columns("attempts")}
        assert "answer_seen" not in columns and not inspect(conn).has_table("reveals")
        conn.execute(
            text(
                "INSERT INTO attempts (client_id, task_id, task_version, test_index, grid, correct, "
                "action_log, created_at) VALUES ('c1', 't1', 0, 0, '[[1]]', 0, '[]', '2026-01-01 00:00:00')"
            )
        )
    db.engine.dispose()
    with open_store(url) as store:
        assert store.info().schema_version == len(MIGRATIONS) >= 2
        (attempt,) = store.list_attempts()
        assert attempt.client_id == "c1" and attempt.answer_seen is None
