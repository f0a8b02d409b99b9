"""Requests per second through arcforge's ModelClient next to plain httpx, at concurrency 256.

The scripted server runs in its own process (uvloop when installed) and answers every chat request at
once, so what is measured is the client side. In one run and one event loop, rounds alternate between:

- ``httpx, one pool``: one httpx.AsyncClient with 256 connections posts the JSON body and decodes the
  answer, 256 workers (asyncio.gather): the plain loop. httpx's pool does work per connection on every
  request, so this is slow at 256 (see arcforge.models.transport); fewer requests are sent through it;
- ``httpx, pools of 8``: the same plain loop over 32 AsyncClients of 8 connections each, the layout
  the client uses (arcforge.models.transport): the fair baseline for the client's own overhead;
- ``client, cache``: ``ModelClient.complete`` with the response cache on (every request a miss, so
  each one is also hashed, written to the cache and logged in SQLite);
- ``client, no cache``: the same with ``use_cache=False``.

Each request carries a different prompt. The figure per variant is the median over rounds; ratios are
to the faster plain variant.

    .venv/bin/python benchmarks/model_client_throughput.py [--requests 4000] [--rounds 5] [--loop uvloop] [--json]

Aim: the client keeps at least 70% of the plain rate and at least 1,000 requests/s on 2 cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from arcforge.models import ChatRequest, ClientOptions, open_client
from arcforge.models.limits import LimitRegistry
from arcforge.models.transport import PER_SHARD
from arcforge.settings import load_settings

CONCURRENCY = 256
POOLS = CONCURRENCY // PER_SHARD
_TLS = ssl.create_default_context()  # built once, as the client does (each build reads the CA bundle)


def _messages(index: int) -> list[dict[str, str]]:
    return [{"role": "user", "content": f"request {index}: solve the task"}]


Measure = tuple[float, float]  # (requests per second, client CPU milliseconds per request)


async def _workers(count: int, total: int, send) -> Measure:
    counter = iter(range(total))

    async def worker() -> None:
        for index in counter:
            await send(index)

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(count)))
    return total / (time.perf_counter() - started), (time.process_time() - cpu) * 1000 / total


def _check(response: httpx.Response) -> None:
    response.raise_for_status()
    assert response.json()["choices"][0]["message"]["content"] == "ok"


async def plain_round(base_url: str, total: int, *, pools: int) -> Measure:
    """Plain httpx: ``pools`` AsyncClients sharing the 256 connections, worker ``i`` using pool ``i % pools``."""
    size = -(-CONCURRENCY // pools)
    limits = httpx.Limits(max_connections=size, max_keepalive_connections=size)
    timeout = httpx.Timeout(60.0, pool=None)
    clients = [httpx.AsyncClient(limits=limits, timeout=timeout, verify=_TLS) for _ in range(pools)]
    url = f"{base_url}/chat/completions"
    turn = iter(range(10**9))

    async def send(index: int) -> None:
        http = clients[next(turn) % pools]
        _check(await http.post(url, json={"model": "bench", "messages": _messages(index)}))

    try:
        return await _workers(CONCURRENCY, total, send)
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))


async def client_round(base_url: str, total: int, *, settings, use_cache: bool, offset: int) -> Measure:
    options = ClientOptions(max_concurrency=CONCURRENCY)
    async with open_client(
        "openai:bench",
        settings=settings,
        base_url=base_url,
        use_cache=use_cache,
        options=options,
        limits=LimitRegistry(),
    ) as client:

        async def send(index: int) -> None:
            completion = await client.complete(ChatRequest(_messages(offset + index)))
            assert completion.text == "ok" and not completion.cached

        return await _workers(CONCURRENCY, total, send)


async def run(base_url: str, total: int, rounds: int, single_total: int) -> dict[str, list[Measure]]:
    home = Path(tempfile.mkdtemp(prefix="arcforge-bench-"))
    settings = load_settings({"ARCFORGE_HOME": str(home)}, dotenv_path=None)
    rates: dict[str, list[Measure]] = {
        "httpx, one pool": [],
        f"httpx, pools of {PER_SHARD}": [],
        "client, cache": [],
        "client, no cache": [],
    }
    await plain_round(base_url, min(total, 1000), pools=POOLS)  # warm up both sides
    for round_index in range(rounds):
        rates["httpx, one pool"].append(await plain_round(base_url, single_total, pools=1))
        rates[f"httpx, pools of {PER_SHARD}"].append(await plain_round(base_url, total, pools=POOLS))
        offset = (round_index + 1) * 10 * total
        rates["client, cache"].append(
            await client_round(base_url, total, settings=settings, use_cache=True, offset=offset)
        )
        rates["client, no cache"].append(
            await client_round(base_url, total, settings=settings, use_cache=False, offset=offset + total)
        )
    return rates


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000, help="requests per round and variant")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--single-pool-requests",
        type=int,
        default=500,
        help="requests per round through one httpx pool (slow)",
    )
    parser.add_argument(
        "--loop", choices=("asyncio", "uvloop"), default="asyncio", help="the event loop both variants run on"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    server = subprocess.Popen(
        [sys.executable, "-m", "arcforge.testing", "--reply", "ok"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        base_url = server.stdout.readline().strip()
        loop_factory = asyncio.new_event_loop
        if args.loop == "uvloop":
            import uvloop

            loop_factory = uvloop.new_event_loop
        with asyncio.Runner(loop_factory=loop_factory) as runner:
            rates = runner.run(run(base_url, args.requests, args.rounds, args.single_pool_requests))
    finally:
        server.terminate()
        server.wait(10)
    medians = {name: statistics.median(rate for rate, _ in values) for name, values in rates.items()}
    cpu = {name: statistics.median(ms for _, ms in values) for name, values in rates.items()}
    plain = max(medians["httpx, one pool"], medians[f"httpx, pools of {PER_SHARD}"])
    result = {
        "concurrency": CONCURRENCY,
        "loop": args.loop,
        "requests_per_round": args.requests,
        "rounds": args.rounds,
        "median_requests_per_s": {name: round(value, 1) for name, value in medians.items()},
        "ratio_to_plain": {name: round(value / plain, 3) for name, value in medians.items()},
        "median_client_cpu_ms_per_request": {name: round(value, 3) for name, value in cpu.items()},
        "all_rounds_requests_per_s": {
            name: [round(r, 1) for r, _ in values] for name, values in rates.items()
        },
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"concurrency {CONCURRENCY}, {args.loop}, {args.requests} requests x {args.rounds} rounds (medians)"
        )
        for name, value in medians.items():
            print(
                f"  {name:<20} {value:8.0f} req/s  ({value / plain:4.0%} of the faster plain httpx)"
                f"  {cpu[name]:6.3f} ms CPU/request in the client process"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
