"""The client's resilience against a real scripted server: retries, waits, timeouts, error classes."""

from __future__ import annotations

import socket
import time

import pytest
from model_helpers import FAST, user

from arcforge.models import (
    ChatRequest,
    ClientOptions,
    ModelNetworkError,
    ModelTimeoutError,
    ProviderError,
    ResponseFormatError,
    open_client,
)
from arcforge.testing import ScriptedServer, error, error_in_body, reply, stall, truncated


async def test_429_twice_honours_retry_after_then_succeeds(settings, limits) -> None:
    with ScriptedServer([error(429, retry_after=1), error(429, retry_after=1), reply("fine")]) as server:
        async with open_client(
            "openai:any", settings=settings, base_url=server.base_url, limits=limits
        ) as client:
            started = time.monotonic()
            completion = await client.complete(ChatRequest(user()))
            elapsed = time.monotonic() - started
    assert completion.text == "fine"
    assert completion.retries == 2
    assert elapsed >= 2.0  # two waits of Retry-After: 1
    times = [r.received_at for r in server.chat_requests]
    assert len(times) == 3
    assert times[1] - times[0] >= 0.99 and times[2] - times[1] >= 0.99


async def test_retry_after_pauses_other_requests_to_the_model(settings, limits) -> None:
    import asyncio

    script = [error(429, retry_after=1), reply("a"), reply("b")]
    with ScriptedServer(script) as server:
        async with open_client(
            "openai:any", settings=settings, base_url=server.base_url, limits=limits
        ) as client:
            first = asyncio.create_task(client.complete(ChatRequest(user("one"))))
            await asyncio.sleep(0.3)  # the 429 has arrived; a new request must wait out the pause too
            second = await client.complete(ChatRequest(user("two")))
            await first
    times = [r.received_at for r in server.chat_requests]
    assert len(times) == 3
    assert min(times[1], times[2]) - times[0] >= 0.95
    assert second.retries == 0


async def test_5xx_backs_off_exponentially_then_succeeds(settings, limits) -> None:
    options = ClientOptions(backoff_base_s=0.2, backoff_max_s=5)
    with ScriptedServer([error(500), error(503), error(502), reply("ok")]) as server:
        async with open_client(
            "openai:any", settings=settings, base_url=server.base_url, limits=limits, options=options
        ) as client:
            completion = await client.complete(ChatRequest(user()))
    assert completion.retries == 3
    times = [r.received_at for r in server.chat_requests]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    # jittered between half and all of 0.2, 0.4, 0.8 seconds
    assert 0.09 <= gaps[0] <= 0.35 and 0.19 <= gaps[1] <= 0.6 and 0.39 <= gaps[2] <= 1.1
    assert completion.latency_s >= sum(gaps)


async def test_other_4xx_fails_at_once_with_the_providers_message(settings, limits) -> None:
    with ScriptedServer([error(400, "max_tokens is too large for this model"), reply("never")]) as server:
        async with open_client(
            "openai:any", settings=settings, base_url=server.base_url, limits=limits
        ) as client:
            with pytest.raises(ProviderError) as caught:
                await client.complete(ChatRequest(user()))
    assert caught.value.status == 400
    assert "max_tokens is too large for this model" in str(caught.value)
    assert "openai:any" in str(caught.value)
    assert len(server.chat_requests) == 1
    assert server.remaining == 1


async def test_error_in_a_200_body_is_an_error_and_retried_when_transient(settings, limits) -> None:
    script = [
        error_in_body("upstream overloaded", code=502),
        reply("recovered"),
        error_in_body("bad key", code=401),
    ]
    with ScriptedServer(script) as server:
        async with open_client(
            "openai:any", settings=settings, base_url=server.base_url, limits=limits, options=FAST
        ) as client:
            completion = await client.complete(ChatRequest(user("a")))
            assert (completion.text, completion.retries) == ("recovered", 1)
            with pytest.raises(ProviderError) as caught:
                await client.complete(ChatRequest(user("b")))
    assert caught.value.in_body and caught.value.status == 401
    assert "bad key" in str(caught.value)
    assert len(server.chat_requests) == 3


async def test_truncated_json_is_an_error_never_an_empty_success(settings, limits) -> None:
    options = ClientOptions(backoff_base_s=0.01, max_retries=2)
    with ScriptedServer([truncated("x"), truncated("y"), truncated("z"), reply("unused")]) as server:
        async with open_client(
            "openai:any", settings=settings, base_url=server.base_url, limits=limits, options=options
        ) as client:
            with pytest.raises(ResponseFormatError) as caught:
                await client.complete(ChatRequest(user()))
    assert "truncated or is not JSON" in str(caught.value)
    assert "after 2 retries" in str(caught.value)
    assert caught.value.retries == 2
    assert len(server.chat_requests) == 3


async def test_missing_choices_is_a_format_error(settings, limits) -> None:
    from arcforge.testing import raw

    options = ClientOptions(max_retries=0)
    with ScriptedServer([raw(200, {"id": "x", "choices": []})]) as server:
        async with open_client(
            "openai:any", settings=settings, base_url=server.base_url, limits=limits, options=options
        ) as client:
            with pytest.raises(ResponseFormatError, match="lacks choices.0"):
                await client.complete(ChatRequest(user()))


async def test_stalled_connection_hits_the_total_timeout_and_is_retried(settings, limits) -> None:
    options = ClientOptions(total_timeout_s=0.5, max_retries=1, backoff_base_s=0.01)
    with ScriptedServer([stall(), stall(after_bytes=40)]) as server:
        async with open_client(
            "openai:any", settings=settings, base_url=server.base_url, limits=limits, options=options
        ) as client:
            started = time.monotonic()
            with pytest.raises(ModelTimeoutError) as caught:
                await client.complete(ChatRequest(user()))
            elapsed = time.monotonic() - started
    assert 1.0 <= elapsed < 3.0
    assert "after 1 retry" in str(caught.value)
    assert len(server.chat_requests) == 2


async def test_read_timeout_on_a_silent_server(settings, limits) -> None:
    options = ClientOptions(read_timeout_s=0.3, max_retries=0)
    with ScriptedServer([stall(after_bytes=60)]) as server:
        async with open_client(
            "openai:any", settings=settings, base_url=server.base_url, limits=limits, options=options
        ) as client:
            with pytest.raises(ModelTimeoutError, match="read timeout"):
                await client.complete(ChatRequest(user()))


async def test_unreachable_server_is_a_network_error_after_retries(settings, limits) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed when the block ends: nothing listens there
    options = ClientOptions(max_retries=2, backoff_base_s=0.01)
    async with open_client(
        "openai:any",
        settings=settings,
        base_url=f"http://127.0.0.1:{port}/v1",
        limits=limits,
        options=options,
    ) as client:
        with pytest.raises(ModelNetworkError, match="cannot reach") as caught:
            await client.complete(ChatRequest(user()))
    assert caught.value.retries == 2


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://x/v1", "must start with http"),
        ("http://exa mple/v1", "lacks a valid host"),
        ("http://[::1/v1", "not a valid URL"),
        ("http://127.0.0.1:99999/v1", "Port out of range"),
    ],
)
async def test_bad_base_urls_are_usage_errors(settings, url: str, message: str) -> None:
    from arcforge.errors import UsageError

    with pytest.raises(UsageError, match=message):
        async with open_client("openai:any", settings=settings, base_url=url):
            pass


async def test_an_html_error_page_becomes_one_line(settings, limits) -> None:
    from arcforge.testing import raw

    page = "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>nginx</body>\n</html>\n"
    options = ClientOptions(max_retries=0)
    with ScriptedServer([raw(502, page, headers=[("Content-Type", "text/html")])]) as server:
        async with open_client(
            "openai:any", settings=settings, base_url=server.base_url, limits=limits, options=options
        ) as client:
            with pytest.raises(ProviderError) as caught:
                await client.complete(ChatRequest(user()))
    assert "\n" not in str(caught.value) and "502 Bad Gateway" in str(caught.value)
