"""The trace store at scale: ``arcforge serve`` workers on PostgreSQL, 200 clients writing for 60 s.

Makes a throw-away PostgreSQL cluster (``initdb``/``pg_ctl`` in a temporary folder, reached over a Unix
socket, as the tests' ``pg_url`` fixture does), starts ``arcforge serve --workers N --db postgresql...``
on a free loopback port, signs up one account per client, then runs every client for the same time.
Each client is a person at the page: it waits a moment between actions (``--think`` seconds on
average, exponentially distributed) and then adds a trace (1 in 5), votes +1/-1 or withdraws its vote
on a trace someone added, or submits an answer to a test input it still has attempts for (1 in 4).
When the time is up every client stops by itself. Then every write is checked against the store:

- every trace a client was told it added is listed on its task;
- every trace's score, up and down counts equal what the clients' last votes add up to;
- every client's attempts used per task and test input equal the attempts it was told were accepted.

It prints requests per second and latency percentiles and whether p99 met ``--p99-ms`` (500), and
exits 1 if a write was lost or a request failed. It skips (exit 0, saying why) where PostgreSQL's server
binaries or psycopg are missing.

    python benchmarks/store_load_pg.py [--clients 200] [--seconds 60] [--workers 3] [--think 1.0] [--sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import httpx  # noqa: E402
from web_load import Client, Tally, check_counts, start_server  # noqa: E402

from arcforge.testing.postgres import PostgresCluster, unavailable  # noqa: E402

BY_KIND: dict[str, list[float]] = {}  # "POST trace" -> latencies (seconds)
SERVER_PIDS: dict[str, int] = {}  # "serve" / "postgres" -> the root process whose tree is measured


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def cpu_seconds(root: int) -> dict[int, float]:
    """User + system CPU seconds of ``root`` and every process under it, per pid (Linux /proc); a
    process's reaped children count for it (PostgreSQL's ended backends, for instance)."""
    tick = os.sysconf("SC_CLK_TCK")
    tree, found, todo = _children(), {}, [root]
    while todo:
        pid = todo.pop()
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[pid] = sum(int(f) for f in fields[11:15]) / tick
        todo.extend(tree.get(pid, []))
    return found


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds spent between two :func:`cpu_seconds` readings (a process that ended is not counted)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


class Person(Client):
    """A web_load client that thinks between actions and also submits answers."""

    def __init__(self, index: int, url: str, tally: Tally, *, think: float, tasks: list[str]) -> None:
        super().__init__(index, url, tally)
        # idle connections are dropped before the server's 5 s keep-alive ends, as browsers do, so a
        # request never races the server closing its connection
        self.http = httpx.AsyncClient(base_url=url, timeout=60, limits=httpx.Limits(keepalive_expiry=2.0))
        self.think = think
        self.tasks = tasks
        self.accepted: dict[tuple[str, int], int] = {}  # (task id, test index) -> attempts accepted
        self.tests: dict[str, int] = {}  # task id -> number of test inputs
        self.mine: set[int] = set()  # traces it added (nobody votes on their own)

    async def request(self, method: str, path: str, json: object = None) -> httpx.Response | None:
        before = len(self.tally.latencies)
        response = await super().request(method, path, json)
        if len(self.tally.latencies) > before:  # answered: file its latency under what it did
            what = f"{method} " + (
                "attempt" if path.endswith("/attempts") else "vote" if path.endswith("/vote")
                else "trace" if path.endswith("/traces") else "task"
            )  # fmt: skip
            BY_KIND.setdefault(what, []).append(self.tally.latencies[-1])
        return response

    async def attempt(self) -> None:
        task_id = self.rng.choice(self.tasks)
        if task_id not in self.tests:
            response = await self.request("GET", f"/api/tasks/{task_id}")
            if response is None:
                return
            self.tests[task_id] = len(response.json()["test"])
        index = self.rng.randrange(self.tests[task_id])
        if self.accepted.get((task_id, index), 0) >= 2:
            return  # its two attempts are used: a person moves on
        grid = [[self.rng.randrange(10) for _ in range(3)] for _ in range(3)]
        response = await self.request(
            "POST", f"/api/tasks/{task_id}/versions/0/attempts", {"test_index": index, "grid": grid}
        )
        if response is not None:
            self.accepted[(task_id, index)] = self.accepted.get((task_id, index), 0) + 1

    async def run(self, deadline: float) -> None:
        serial = 0
        while True:
            await asyncio.sleep(self.rng.expovariate(1 / self.think) if self.think > 0 else 0)
            if time.monotonic() >= deadline:
                return
            roll = self.rng.random()
            if roll < 0.25:
                await self.attempt()
            elif not self.tally.traces or roll < 0.45:
                serial += 1
                task_id = self.rng.choice(self.tasks[:20])
                body = {"text": f"{self.name} trace {serial}: the rule is symmetry."}
                response = await self.request("POST", f"/api/tasks/{task_id}/traces", body)
                if response is not None:
                    self.mine.add(response.json()["trace"]["id"])
                    self.tally.traces.append((task_id, response.json()["trace"]["id"]))
            else:
                _task_id, trace_id = self.rng.choice(self.tally.traces)
                if trace_id in self.mine:
                    continue
                value = self.rng.choice((1, 1, -1, 0))
                response = await self.request("PUT", f"/api/traces/{trace_id}/vote", {"value": value})
                if response is not None:
                    self.votes[trace_id] = value


async def check_attempts(people: list[Person]) -> list[str]:
    """Each client's attempts used, as the store counts them, against what it was told."""
    problems: list[str] = []
    for person in people:
        for task_id in sorted({task for task, _ in person.accepted}):
            response = await person.http.get(f"/api/tasks/{task_id}")
            used = {a["index"]: a["used"] for a in response.json()["attempts"]}
            for (task, index), count in person.accepted.items():
                if task == task_id and used.get(index, 0) != count:
                    problems.append(
                        f"{person.name} {task_id} test {index}: told {count} accepted, store has {used.get(index, 0)}"
                    )
    return problems


def check_traces(tally: Tally, listed: set[int]) -> list[str]:
    return [
        f"trace {trace_id} on {task} was added but is not listed"
        for task, trace_id in tally.traces
        if trace_id not in listed
    ]


async def listed_traces(url: str, tally: Tally) -> set[int]:
    found: set[int] = set()
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        for task_id in sorted({task for task, _ in tally.traces}):
            found.update(t["id"] for t in (await http.get(f"/api/tasks/{task_id}/traces")).json()["traces"])
    return found


async def load(args: argparse.Namespace, url: str) -> int:
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        tasks = [
            entry["id"] for entry in (await http.get("/api/tasks", params={"limit": 400})).json()["tasks"]
        ]
    tally = Tally()
    people = [Person(i, url, tally, think=args.think, tasks=tasks) for i in range(args.clients)]
    try:
        for batch in range(0, len(people), 10):
            await asyncio.gather(*(p.start() for p in people[batch : batch + 10]))
        tally.latencies.clear()
        BY_KIND.clear()
        cpu_before = {name: cpu_seconds(pid) for name, pid in SERVER_PIDS.items()}
        own_before = time.process_time()
        started = time.monotonic()
        await asyncio.gather(*(p.run(started + args.seconds) for p in people))
        elapsed = time.monotonic() - started
        cpu = {name: cpu_used(cpu_before[name], cpu_seconds(pid)) for name, pid in SERVER_PIDS.items()}
        cpu["clients"] = time.process_time() - own_before
        requests = len(tally.latencies)
        traces_checked, vote_problems = await check_counts(url, people, tally)  # type: ignore[arg-type]
        trace_problems = check_traces(tally, await listed_traces(url, tally))
        attempt_problems = await check_attempts(people)
    finally:
        for person in people:
            await person.close()
    ordered = sorted(tally.latencies)

    def pct(p: float) -> float:
        return 1000 * ordered[min(len(ordered) - 1, int(p * len(ordered)))] if ordered else float("nan")

    kinds = ", ".join(
        f"{kind} {len(times)} p50 {1000 * sorted(times)[len(times) // 2]:.0f} p99 "
        f"{1000 * sorted(times)[min(len(times) - 1, int(0.99 * len(times)))]:.0f}"
        for kind, times in sorted(BY_KIND.items())
    )
    attempts = sum(sum(p.accepted.values()) for p in people)
    votes = sum(len(p.votes) for p in people)
    print(
        f"store_load_pg: {args.clients} clients (think {args.think:g} s on average), {args.seconds:.0f} s, "
        f"{args.workers} serve worker(s), {'SQLite' if args.sqlite else 'PostgreSQL'}"
    )
    print(
        f"  requests: {requests} ok in {elapsed:.1f} s = {requests / elapsed:.1f} req/s; errors: {tally.errors or 'none'}"
    )
    print(f"  latency ms: p50 {pct(0.50):.1f}, p90 {pct(0.90):.1f}, p99 {pct(0.99):.1f}, max {pct(1.0):.1f}")
    print(f"  by request (count, ms): {kinds}")
    print(
        "  CPU ms per request: "
        + ", ".join(f"{name} {1000 * seconds / max(1, requests):.1f}" for name, seconds in cpu.items())
    )
    print(
        f"  load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores"
    )
    print(
        f"  writes: {len(tally.traces)} traces added, {votes} (client, trace) votes held, {attempts} attempts "
        f"accepted; {traces_checked} traces checked"
    )
    problems = trace_problems + vote_problems + attempt_problems
    for line in problems[:20]:
        print(f"    LOST: {line}")
    if not problems:
        print("  no write lost: every trace listed, every score equals the last votes, every attempt counted")
    slow = pct(0.99) > args.p99_ms
    print(f"  p99 {pct(0.99):.0f} ms against the aim of {args.p99_ms:.0f} ms: {'MISSED' if slow else 'met'}")
    return 1 if problems or tally.errors else 0  # the latency aim is reported, not enforced


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=3, help="arcforge serve workers (default 3)")
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds between a client's actions")
    parser.add_argument("--p99-ms", type=float, default=500.0)
    parser.add_argument(
        "--sqlite",
        action="store_true",
        help="the same load on SQLite (WAL, busy timeout) instead, to compare",
    )
    args = parser.parse_args()
    if args.sqlite:
        with tempfile.TemporaryDirectory(prefix="arcforge-sqlite-load-") as home:
            process, url = start_server(Path(home), args.workers, f"sqlite:///{home}/arcforge.db")
            SERVER_PIDS["serve"] = process.pid
            try:
                return asyncio.run(load(args, url))
            finally:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
    why = unavailable()
    if why:
        print(f"store_load_pg: skipped: {why}")
        return 0
    home = Path(tempfile.mkdtemp(prefix="arcforge-pg-load-home-"))
    process = None
    try:
        with PostgresCluster(max_connections=200) as cluster:  # the test_postgres fixture's cluster
            try:
                process, url = start_server(home, args.workers, cluster.url)
                SERVER_PIDS["serve"] = process.pid
                SERVER_PIDS["postgres"] = cluster.server_pid
                return asyncio.run(load(args, url))
            finally:
                if process is not None:
                    process.terminate()
                    try:
                        process.wait(timeout=20)
                    except subprocess.TimeoutExpired:
                        process.kill()
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
