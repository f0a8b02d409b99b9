"""Several processes (and threads) writing to one SQLite store at once lose no write."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from argon2 import PasswordHasher

from arcforge.store import Store, User, open_store

WORKERS = 4
OWN_TRACES = 15
SHARED = 10


def _worker(args: tuple[str, int, list[int]]) -> int:
    url, index, shared_ids = args
    with open_store(
        url, password_hasher=PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
    ) as store:
        user = store.create_user(f"worker{index}", "worker-password")
        for n in range(OWN_TRACES):
            store.add_trace(f"task{n % 3}", f"worker {index} trace {n}", user=user)
        for trace_id in shared_ids:  # vote, change the vote, withdraw it, vote again: +1 in the end
            store.vote(trace_id, user=user, value=1)
            store.vote(trace_id, user=user, value=-1)
            store.withdraw_vote(trace_id, user=user)
            store.vote(trace_id, user=user, value=1)
        return index


def test_processes_lose_no_write(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'busy.db'}"
    with open_store(url) as store:
        owner = store.create_user("owner", "owner-password")
        shared = [store.add_trace("shared", f"shared trace {i}", user=owner).id for i in range(SHARED)]
    with multiprocessing.get_context("spawn").Pool(WORKERS) as pool:
        done = pool.map(_worker, [(url, i, shared) for i in range(WORKERS)])
    assert sorted(done) == list(range(WORKERS))
    with open_store(url) as store:
        assert store.count_traces() == SHARED + WORKERS * OWN_TRACES
        for trace in store.list_traces("shared"):
            assert (trace.score, trace.up, trace.down) == (WORKERS, WORKERS, 0)
        assert store.info().counts["votes"] == SHARED * WORKERS


def test_threads_share_one_store(store: Store, alice: User) -> None:
    voters = [store.create_user(f"voter{i}", "voter-password") for i in range(8)]
    trace = store.add_trace("t1", "popular", user=alice)

    def work(user: User) -> None:
        for i in range(10):
            store.add_trace("t2", f"{user.name} {i}", user=user)
            store.vote(trace.id, user=user, value=-1 if i % 2 else 1)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(work, voters))
    assert store.count_traces("t2") == 80
    assert store.get_trace(trace.id).score == -8  # each voter's last vote was -1
