"""The same store on PostgreSQL, when this machine has its server binaries and psycopg.

A throw-away cluster is made with ``initdb`` in a temporary folder and reached over a Unix socket;
the tests skip with the reason when PostgreSQL or psycopg is missing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from store_helpers import small_task

from arcforge.store import AttemptLimitReached, Store, open_store
from arcforge.testing.postgres import ClusterError, PostgresCluster, unavailable


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    why = unavailable()
    if why:
        pytest.skip(why)
    try:
        cluster = PostgresCluster(fsync=False).start()
    except ClusterError as exc:
        pytest.skip(str(exc))
    try:
        yield cluster.url
    finally:
        cluster.stop()


@pytest.fixture()
def pg_store(pg_url: str) -> Iterator[Store]:
    with open_store(pg_url) as store:
        yield store
    from sqlalchemy import create_engine, text

    engine = create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


def test_round_trip_on_postgres(pg_store: Store) -> None:
    small = Path(__file__).parent / "fixtures" / "traces_store_small.json"
    assert pg_store.import_traces_store(small).added == 4
    assert pg_store.export_traces_store() == json.loads(small.read_text())
    assert pg_store.info().dialect == "postgresql"


def test_concurrent_votes_on_one_trace_all_count(pg_store: Store) -> None:
    voters = [pg_store.create_user(f"v{i}", "voter-password") for i in range(12)]
    trace = pg_store.add_trace("t1", "popular", author="someone", author_kind="human")

    def vote(user):  # type: ignore[no-untyped-def]
        for value in (1, -1, 1):
            pg_store.vote(trace.id, user=user, value=value)

    with ThreadPoolExecutor(12) as pool:
        list(pool.map(vote, voters))
    after = pg_store.get_trace(trace.id)
    assert (after.score, after.up) == (12, 12)


def test_concurrent_attempts_respect_the_limit(pg_store: Store) -> None:
    user = pg_store.create_user("solver", "solver-password")
    task = small_task()

    def submit(_: int) -> bool:
        try:
            pg_store.submit_attempt(task, test_index=0, grid=[[0]], user=user)
            return True
        except AttemptLimitReached:
            return False

    with ThreadPoolExecutor(8) as pool:
        accepted = sum(pool.map(submit, range(8)))
    assert accepted == 2 and pg_store.count_attempts("t1", 0, 0, user=user) == 2


def test_one_budget_across_versions_claims_and_reveals_on_postgres(pg_store: Store) -> None:
    import dataclasses

    user = pg_store.create_user("crosser", "solver-password")
    v0 = small_task()
    v2 = dataclasses.replace(v0, version=2)
    budget = [(0, 0), (2, 0)]
    pg_store.submit_attempt(
        v2, test_index=0, grid=[[0]], client_id="c" * 32, budget=budget, origin="v0:test:0"
    )
    assert pg_store.claim_attempts("c" * 32, user) == 1
    assert pg_store.record_reveal(user, "t1", "v0:test:1", via="test")

    def submit(_: int) -> bool:
        try:
            pg_store.submit_attempt(
                v0, test_index=0, grid=[[0]], user=user, budget=budget, origin="v0:test:0"
            )
            return True
        except AttemptLimitReached:
            return False

    with ThreadPoolExecutor(6) as pool:
        assert sum(pool.map(submit, range(6))) == 1  # the claimed attempt counts: one left
    assert pg_store.attempt_tally("t1", user=user) == {(2, 0): (1, False), (0, 0): (1, False)}
    assert [a.answer_seen for a in pg_store.list_attempts()] == [False, False]
