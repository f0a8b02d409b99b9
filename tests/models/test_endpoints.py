"""Several endpoints for one model: spread by least outstanding requests, failover, probing back in."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import pytest
from model_helpers import FAST, user

from arcforge.models import ChatRequest, ClientOptions, ModelNetworkError, open_client
from arcforge.models.endpoints import Endpoint, EndpointPool
from arcforge.models.registry import load_registry
from arcforge.testing import ScriptedServer


def _echo(request: dict) -> str:
    return "answer to " + str(request["messages"][-1]["content"])


async def test_requests_spread_over_two_servers_and_records_name_the_endpoint(settings, limits) -> None:
    with (
        ScriptedServer(responder=_echo) as one,
        ScriptedServer(responder=_echo) as two,
    ):
        async with open_client(
            "openai:any",
            settings=settings,
            base_url=[one.base_url, two.base_url],
            limits=limits,
            use_cache=False,
        ) as client:
            sequential = [await client.complete(ChatRequest(user(f"s{i}"))) for i in range(6)]
            together = await asyncio.gather(*(client.complete(ChatRequest(user(f"c{i}"))) for i in range(40)))
    answered = Counter(c.endpoint for c in [*sequential, *together])
    assert set(answered) == {one.base_url, two.base_url}
    # sequential requests alternate; concurrent ones are split by requests in flight
    assert [c.endpoint for c in sequential] == [one.base_url, two.base_url] * 3
    # both servers are equally fast, so neither gets most of the work (under load the split wobbles)
    assert min(len(one.chat_requests), len(two.chat_requests)) >= 12
    assert len(one.chat_requests) + len(two.chat_requests) == 46
    assert all(c.text == f"answer to c{i}" for i, c in enumerate(together))


async def test_a_stopped_server_is_taken_out_and_the_other_answers_everything(settings, limits) -> None:
    options = ClientOptions(backoff_base_s=0.01, backoff_max_s=0.02, max_retries=2)
    with ScriptedServer(responder=_echo) as survivor:
        doomed = ScriptedServer(responder=_echo).start()
        async with open_client(
            "openai:any",
            settings=settings,
            base_url=[doomed.base_url, survivor.base_url],
            limits=limits,
            options=options,
            use_cache=False,
        ) as client:
            before = await asyncio.gather(*(client.complete(ChatRequest(user(f"a{i}"))) for i in range(10)))
            assert {c.endpoint for c in before} == {doomed.base_url, survivor.base_url}
            doomed.stop()
            started = time.monotonic()
            after = await asyncio.gather(*(client.complete(ChatRequest(user(f"b{i}"))) for i in range(20)))
            elapsed = time.monotonic() - started
    assert all(c.endpoint == survivor.base_url for c in after)
    assert all(c.text == f"answer to b{i}" for i, c in enumerate(after))
    # at most the requests in flight when it stopped paid one retry; failover waits for no backoff
    assert sum(c.retries for c in after) <= 10 and max(c.retries for c in after) <= 1
    assert elapsed < 5


async def test_a_server_that_comes_back_is_probed_back_in(settings, limits) -> None:
    with ScriptedServer(responder=_echo) as steady:
        flaky = ScriptedServer(responder=_echo).start()
        port = flaky.port
        flaky_url = flaky.base_url
        flaky.stop()
        async with open_client(
            "openai:any",
            settings=settings,
            base_url=[flaky_url, steady.base_url],
            limits=limits,
            options=FAST,
            use_cache=False,
        ) as client:
            first = await client.complete(ChatRequest(user("x")))
            assert (first.endpoint, first.retries) == (steady.base_url, 1)  # refused, failed over
            while_out = [await client.complete(ChatRequest(user(f"o{i}"))) for i in range(4)]
            assert {c.endpoint for c in while_out} == {steady.base_url}
            revived = ScriptedServer(responder=_echo, port=port).start()
            try:
                await asyncio.sleep(2.2)  # the first cooldown (2 s) ends: the next request probes it
                back = [await client.complete(ChatRequest(user(f"p{i}"))) for i in range(6)]
            finally:
                revived.stop()
    assert Counter(c.endpoint for c in back) == {flaky_url: 3, steady.base_url: 3}
    assert all(c.retries == 0 for c in back)


async def test_every_endpoint_down_is_a_network_error_naming_the_last_tried(settings, limits) -> None:
    servers = [ScriptedServer(responder=_echo).start() for _ in range(2)]
    urls = [s.base_url for s in servers]
    for server in servers:
        server.stop()
    options = ClientOptions(backoff_base_s=0.01, backoff_max_s=0.02, max_retries=3)
    async with open_client(
        "openai:any", settings=settings, base_url=urls, limits=limits, options=options
    ) as client:
        with pytest.raises(ModelNetworkError) as caught:
            await client.complete(ChatRequest(user()))
    assert caught.value.retries == 3 and caught.value.kind == "network"
    assert caught.value.endpoint in urls


def test_registry_takes_a_list_of_base_urls(tmp_path) -> None:
    path = tmp_path / "models.toml"
    path.write_text(
        '[providers.cluster]\nkind = "openai"\nbase_url = ["http://gpu1:8000/v1/", "http://gpu2:8000/v1"]\n'
        '[models.BIG]\nprovider = "cluster"\nmodel = "big"\n'
    )
    entry = load_registry([path]).resolve("BIG")
    assert entry.endpoints == ("http://gpu1:8000/v1", "http://gpu2:8000/v1")
    assert entry.base_url == "http://gpu1:8000/v1"
    single = load_registry([path]).resolve("BIG", base_url="http://other:1/v1")
    assert single.endpoints == ("http://other:1/v1",) and single.identity.endswith("@http://other:1/v1")
    path.write_text(
        '[providers.cluster]\nkind = "openai"\nbase_url = []\n[models.B]\nprovider = "cluster"\nmodel = "b"\n'
    )
    with pytest.raises(Exception, match="base_url must be a URL or a list"):
        load_registry([path]).resolve("B")


def test_pool_prefers_the_least_outstanding_and_skips_an_endpoint_in_cooldown() -> None:
    now = [100.0]
    pool = EndpointPool(
        [Endpoint("http://a", None), Endpoint("http://b", None), Endpoint("http://c", None)],  # type: ignore[arg-type]
        cooldown_s=5,
        clock=lambda: now[0],
    )
    a, b, c = pool.endpoints
    held = [pool.acquire() for _ in range(3)]
    assert sorted(e.url for e in held) == ["http://a", "http://b", "http://c"]
    pool.release(b)  # b now has the fewest in flight
    assert pool.acquire() is b
    pool.failed(c, endpoint_fault=True)
    for endpoint in (a, b, c):
        while endpoint.outstanding:
            pool.release(endpoint)
    picks = {pool.acquire().url for _ in range(6)}
    assert picks == {"http://a", "http://b"}  # c is out for its cooldown
    now[0] += 5.1
    for endpoint in (a, b):
        while endpoint.outstanding:
            pool.release(endpoint)
    taken = [pool.acquire() for _ in range(3)]  # c is due back: within a round it gets a probe
    assert c in taken and c.probing
    assert all(pool.acquire() is not c for _ in range(4))  # one probe at a time
    pool.failed(c, endpoint_fault=True)
    assert c.down_until == pytest.approx(now[0] + 10)  # the cooldown doubles
    now[0] += 10.1
    assert pool.acquire() is c
    pool.succeeded(c)
    assert c.down_until is None and not c.probing and c.failures == 0
