"""Concurrency and request-rate limits per model, shared by every client in the process."""

from __future__ import annotations

import asyncio
import threading
import time

from model_helpers import user

from arcforge.models import ChatRequest, ClientOptions, open_client
from arcforge.models.limits import ConcurrencyLimit, LimitRegistry, shared_limits
from arcforge.testing import ScriptedServer, reply


async def test_concurrency_is_never_exceeded_across_clients(settings, limits) -> None:
    options = ClientOptions(max_concurrency=3)
    with ScriptedServer(responder=lambda _: reply("ok", delay_s=0.1)) as server:
        async with (
            open_client(
                "openai:m", settings=settings, base_url=server.base_url, limits=limits, options=options
            ) as a,
            open_client(
                "openai:m", settings=settings, base_url=server.base_url, limits=limits, options=options
            ) as b,
        ):
            started = time.monotonic()
            results = await asyncio.gather(
                *(client.complete(ChatRequest(user(str(i)))) for i in range(8) for client in (a, b))
            )
            elapsed = time.monotonic() - started
    assert len(results) == 16 and len(server.chat_requests) == 16
    assert server.max_in_flight == 3
    assert elapsed >= 0.5  # 16 requests of 0.1 s, 3 at a time: at least 6 rounds


async def test_other_models_have_their_own_limits(settings, limits) -> None:
    options = ClientOptions(max_concurrency=2)
    with ScriptedServer(responder=lambda _: reply("ok", delay_s=0.2)) as server:
        async with (
            open_client(
                "openai:m1", settings=settings, base_url=server.base_url, limits=limits, options=options
            ) as a,
            open_client(
                "openai:m2", settings=settings, base_url=server.base_url, limits=limits, options=options
            ) as b,
        ):
            await asyncio.gather(*(c.complete(ChatRequest(user(str(i)))) for i in range(3) for c in (a, b)))
    assert server.max_in_flight == 4


async def test_requests_per_minute_spaces_the_starts(settings, limits) -> None:
    options = ClientOptions(requests_per_minute=300)  # one every 0.2 s
    with ScriptedServer(responder=lambda _: reply("ok")) as server:
        async with open_client(
            "openai:m", settings=settings, base_url=server.base_url, limits=limits, options=options
        ) as client:
            await asyncio.gather(*(client.complete(ChatRequest(user(str(i)))) for i in range(5)))
    times = sorted(r.received_at for r in server.chat_requests)
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    # starts are spaced 0.2 s apart in the client; each arrival may jitter on a loaded machine, so one gap
    # can look shorter, but none can collapse (unspaced requests arrive within milliseconds of each other)
    assert len(gaps) == 4 and min(gaps) >= 0.1
    assert times[-1] - times[0] >= 0.78


def test_the_process_wide_registry_is_one_object() -> None:
    registry = shared_limits()
    assert registry is shared_limits()
    one = registry.for_model("x", max_concurrency=2, requests_per_minute=0)
    assert one is registry.for_model("x", max_concurrency=2, requests_per_minute=0)


def test_a_limit_is_shared_by_event_loops_in_different_threads() -> None:
    limit = ConcurrencyLimit(2)
    lock = threading.Lock()
    state = {"now": 0, "peak": 0}

    async def work() -> None:
        for _ in range(5):
            await limit.acquire()
            with lock:
                state["now"] += 1
                state["peak"] = max(state["peak"], state["now"])
            await asyncio.sleep(0.01)
            with lock:
                state["now"] -= 1
            limit.release()

    async def many() -> None:
        await asyncio.gather(*(work() for _ in range(3)))

    threads = [threading.Thread(target=asyncio.run, args=(many(),)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert state["peak"] == 2 and state["now"] == 0 and limit.in_use == 0


async def test_a_cancelled_waiter_gives_its_slot_back() -> None:
    limit = ConcurrencyLimit(1)
    await limit.acquire()
    waiter = asyncio.create_task(limit.acquire())
    await asyncio.sleep(0.01)
    waiter.cancel()
    limit.release()
    await asyncio.gather(waiter, return_exceptions=True)
    await asyncio.wait_for(limit.acquire(), 1)  # the slot is free again
    assert limit.in_use == 1
    limit.release()


def test_limits_are_keyed_by_model(limits: LimitRegistry) -> None:
    a = limits.for_model("a", max_concurrency=1, requests_per_minute=0)
    b = limits.for_model("b", max_concurrency=1, requests_per_minute=0)
    assert a is not b
