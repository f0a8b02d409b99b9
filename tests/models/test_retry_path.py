"""One retry path: ``complete`` and ``stream`` decide alike, and a failure carries what happened."""

from __future__ import annotations

import httpx
import pytest
from model_helpers import FAST, user

from arcforge.models import ChatRequest, ClientOptions, ModelError, ProviderError, open_client
from arcforge.models.retry import RetryPolicy
from arcforge.testing import ScriptedServer, error, reply


async def _complete(client, request):
    return await client.complete(request)


async def _stream(client, request):
    events = [event async for event in client.stream(request)]
    assert events[-1].kind == "done"
    return events[-1].completion


@pytest.mark.parametrize("call", [_complete, _stream], ids=["complete", "stream"])
async def test_exhausted_retries_carry_the_real_count_kind_model_and_endpoint(call, settings, limits) -> None:
    options = ClientOptions(backoff_base_s=0.01, backoff_max_s=0.02, max_retries=2)
    with ScriptedServer([error(500), error(503), error(502), reply("unused")]) as server:
        async with open_client(
            "openai:any", settings=settings, base_url=server.base_url, limits=limits, options=options
        ) as client:
            with pytest.raises(ProviderError) as caught:
                await call(client, ChatRequest(user()))
    failure = caught.value
    assert (failure.retries, failure.kind, failure.model) == (2, "server", "openai:any")
    assert failure.endpoint == server.base_url
    assert "after 2 retries" in str(failure) and failure.status == 502
    assert len(server.chat_requests) == 3 and server.remaining == 1


@pytest.mark.parametrize("call", [_complete, _stream], ids=["complete", "stream"])
async def test_both_paths_retry_then_succeed_with_the_same_count(call, settings, limits) -> None:
    with ScriptedServer([error(503), error(429), reply("fine", chunk_delay_s=0.001)]) as server:
        async with open_client(
            "openai:any", settings=settings, base_url=server.base_url, limits=limits, options=FAST
        ) as client:
            completion = await call(client, ChatRequest(user()))
    assert (completion.text, completion.retries) == ("fine", 2)


@pytest.mark.parametrize("call", [_complete, _stream], ids=["complete", "stream"])
async def test_a_refusal_fails_at_once_with_no_retry(call, settings, limits) -> None:
    with ScriptedServer([error(401, "bad key"), reply("never")]) as server:
        async with open_client(
            "openai:any", settings=settings, base_url=server.base_url, limits=limits, options=FAST
        ) as client:
            with pytest.raises(ProviderError) as caught:
                await call(client, ChatRequest(user()))
    assert (caught.value.retries, caught.value.kind) == (0, "refused")
    assert "after" not in str(caught.value)


async def test_a_long_retry_after_is_a_quota_failing_at_once(settings, limits) -> None:
    options = ClientOptions(max_retry_after_s=5)
    with ScriptedServer([error(429, retry_after=3600), reply("never")]) as server:
        async with open_client(
            "openai:any", settings=settings, base_url=server.base_url, limits=limits, options=options
        ) as client:
            with pytest.raises(ProviderError, match="asks to wait 3600 s") as caught:
                await client.complete(ChatRequest(user()))
    assert (caught.value.kind, caught.value.retries) == ("quota", 0)
    assert len(server.chat_requests) == 1


def test_the_decision_is_typed_and_honours_may_retry() -> None:
    policy = RetryPolicy(max_retries=3, total_timeout_s=10, backoff_base_s=0.5, backoff_max_s=4)
    busy = ProviderError(503, "busy")
    first = policy.decide(busy, 0, where="http://x")
    assert first.retry and first.kind == "server" and 0.25 <= first.delay_s <= 0.5
    assert policy.decide(busy, 2, where="http://x").delay_s >= 1.0  # third retry: 1-2 s
    assert not policy.decide(busy, 3, where="http://x").retry  # out of retries
    assert not policy.decide(busy, 0, where="http://x", may_retry=False).retry  # a stream mid-answer
    waited = policy.decide(ProviderError(429, "slow down", retry_after=2.5), 0, where="http://x")
    assert (waited.retry, waited.kind, waited.delay_s, waited.pause_s) == (True, "rate_limit", 2.5, 2.5)
    network = policy.decide(httpx.ConnectError("refused"), 0, where="http://gpu1/v1")
    assert network.retry and network.kind == "network" and "cannot reach http://gpu1/v1" in str(network.error)
    odd = policy.decide(ModelError("strange"), 0, where="http://x")
    assert not odd.retry and odd.kind == "other"
