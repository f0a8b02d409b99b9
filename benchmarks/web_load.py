"""Load benchmark of ``arcforge serve``: concurrent clients adding traces and voting; no vote may be lost.

Starts ``arcforge serve`` as a real subprocess on a free loopback port (fresh store in a temporary
ARCFORGE_HOME), signs up one account per client, then runs the clients for a fixed time: each loop
either adds a trace (1 in 5) or votes +1/-1 or withdraws its vote on a random trace, remembering its
own last vote per trace. When the time is up every client stops by itself; the benchmark then reads
each trace back and checks that its score, up and down counts equal what the clients' last votes add
up to. It prints requests per second and latency percentiles, and exits 1 if any count is off.

    python benchmarks/web_load.py [--clients 50] [--seconds 30] [--workers 1]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

TASK_IDS = ("00576224", "007bbfb7", "00d62c1b", "017c7c7b", "025d127b")
PASSWORD = "benchmark password"


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    traces: list[tuple[str, int]] = field(default_factory=list)  # (task id, trace id)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(home: Path, workers: int, db_url: str | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """``arcforge serve`` with ``workers`` workers on a free loopback port, its write limits lifted (every
    client shares one address), on ``db_url`` or the home's SQLite store; waits until it answers."""
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and k != "ARCFORGE_DB"},
        "ARCFORGE_HOME": str(home),
        "ARCFORGE_WEB_WRITES_PER_MINUTE": "10000000",
        "ARCFORGE_WEB_AUTH_PER_MINUTE": "100000",
        # every client shares one loopback address: lift the per-address byte budget with the rate
        "ARCFORGE_WEB_WRITE_BYTES_PER_HOUR": str(1 << 40),
        "ARCFORGE_WEB_ADDRESS_WRITE_BYTES_PER_HOUR": str(1 << 40),
    }
    command = [sys.executable, "-m", "arcforge", "serve", "--port", str(port), "--workers", str(workers)]
    command += ["--log-level", "warning", "--backup-hours", "0", *(["--db", db_url] if db_url else [])]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            error = process.stderr.read().decode() if process.stderr else ""
            raise SystemExit(f"arcforge serve exited: {error}")
        try:
            if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    process.kill()
    raise SystemExit("arcforge serve did not answer within 120 s")


class Client:
    """One simulated person: own cookies, own CSRF token, own record of its last vote per trace."""

    def __init__(self, index: int, url: str, tally: Tally) -> None:
        self.name = f"bench{index}"
        self.http = httpx.AsyncClient(base_url=url, timeout=60)
        self.tally = tally
        self.votes: dict[int, int] = {}
        self.mine: set[int] = set()
        self.rng = random.Random(index)

    async def request(self, method: str, path: str, json: object = None) -> httpx.Response | None:
        headers = {"X-CSRF-Token": self.http.cookies.get("arcforge_csrf", "")}
        started = time.perf_counter()
        try:
            response = await self.http.request(method, path, json=json, headers=headers)
        except httpx.HTTPError as exc:
            key = type(exc).__name__
            self.tally.errors[key] = self.tally.errors.get(key, 0) + 1
            return None
        self.tally.latencies.append(time.perf_counter() - started)
        if response.status_code >= 400:
            key = f"HTTP {response.status_code}"
            self.tally.errors[key] = self.tally.errors.get(key, 0) + 1
            return None
        return response

    async def start(self) -> None:
        await self.http.get("/api/session")
        response = await self.request("POST", "/api/auth/signup", {"name": self.name, "password": PASSWORD})
        if response is None:
            raise SystemExit(f"sign-up of {self.name} failed: {self.tally.errors}")

    async def run(self, deadline: float) -> None:
        serial = 0
        while time.monotonic() < deadline:
            if not self.tally.traces or self.rng.random() < 0.2:
                task_id = self.rng.choice(TASK_IDS)
                serial += 1
                response = await self.request(
                    "POST",
                    f"/api/tasks/{task_id}/traces",
                    {"text": f"{self.name} trace {serial}: the rule is symmetry."},
                )
                if response is not None:
                    self.tally.traces.append((task_id, response.json()["trace"]["id"]))
                    self.mine.add(response.json()["trace"]["id"])
            else:
                _task_id, trace_id = self.rng.choice(self.tally.traces)
                if trace_id in self.mine:  # nobody votes on their own trace (the server refuses it)
                    await asyncio.sleep(0)
                    continue
                value = self.rng.choice((1, 1, -1, 0))
                response = await self.request("PUT", f"/api/traces/{trace_id}/vote", {"value": value})
                if response is not None:
                    self.votes[trace_id] = value

    async def close(self) -> None:
        await self.http.aclose()


async def check_counts(url: str, clients: list[Client], tally: Tally) -> tuple[int, list[str]]:
    expected: dict[int, list[int]] = {}
    for client in clients:
        for trace_id, value in client.votes.items():
            expected.setdefault(trace_id, []).append(value)
    problems: list[str] = []
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        seen = 0
        for task_id in sorted({task for task, _ in tally.traces}):
            for trace in (await http.get(f"/api/tasks/{task_id}/traces")).json()["traces"]:
                values = expected.get(trace["id"], [])
                want = (sum(values), values.count(1), values.count(-1))
                got = (trace["score"], trace["up"], trace["down"])
                seen += 1
                if want != got:
                    problems.append(f"trace {trace['id']}: expected score/up/down {want}, found {got}")
    return seen, problems


async def main_async(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="arcforge-web-load-") as home:
        process, url = start_server(Path(home), args.workers)
        tally = Tally()
        clients = [Client(i, url, tally) for i in range(args.clients)]
        try:
            for batch in range(0, len(clients), 10):
                await asyncio.gather(*(c.start() for c in clients[batch : batch + 10]))
            tally.latencies.clear()
            started = time.monotonic()
            await asyncio.gather(*(c.run(started + args.seconds) for c in clients))
            elapsed = time.monotonic() - started
            requests = len(tally.latencies)
            traces_checked, problems = await check_counts(url, clients, tally)
        finally:
            for client in clients:
                await client.close()
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
    ordered = sorted(tally.latencies)

    def pct(p: float) -> float:
        return 1000 * ordered[min(len(ordered) - 1, int(p * len(ordered)))] if ordered else float("nan")

    votes = sum(len(c.votes) for c in clients)
    print(f"web_load: {args.clients} clients, {args.seconds:.0f} s, {args.workers} worker(s)")
    print(
        f"  requests: {requests} ok in {elapsed:.1f} s = {requests / elapsed:.1f} req/s; errors: {tally.errors or 'none'}"
    )
    print(
        f"  latency ms: p50 {pct(0.50):.1f}, p90 {pct(0.90):.1f}, p99 {pct(0.99):.1f}, max {pct(1.0):.1f}"
        f" (mean {1000 * statistics.fmean(ordered):.1f})"
        if ordered
        else "  no requests"
    )
    print(
        f"  traces added: {len(tally.traces)}; (client, trace) votes held: {votes}; traces checked: {traces_checked}"
    )
    if problems:
        print(f"  LOST OR EXTRA VOTES on {len(problems)} trace(s):")
        for line in problems[:20]:
            print(f"    {line}")
        return 1
    print("  every trace's score, up and down counts equal the clients' last votes: no vote lost")
    return 1 if tally.errors else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers of the server (default 1)")
    args = parser.parse_args()
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
