"""Each provider against the scripted server: request shape, answers, streams (OpenAI, Ollama, Anthropic)."""

from __future__ import annotations

import time

import pytest
from model_helpers import FAST, KEY, user

from arcforge.models import ChatRequest, ClientOptions, ModelError, ResponseFormatError, open_client
from arcforge.testing import ScriptedServer, error, raw, reply


async def _collect(client, request):
    kinds, text, reasoning, completion, stamps = [], "", "", None, []
    async for event in client.stream(request):
        kinds.append(event.kind)
        stamps.append(time.monotonic())
        if event.kind == "text":
            text += event.text
        elif event.kind == "reasoning":
            reasoning += event.text
        else:
            completion = event.completion
    return kinds, text, reasoning, completion, stamps


async def test_openai_stream_assembles_pieces_with_usage_and_cost(settings, limits) -> None:
    step = reply(
        "a slow streamed answer", reasoning="step by step", cost=0.004, reasoning_tokens=3, chunk_delay_s=0.05
    )
    with ScriptedServer([error(429, retry_after=0.2), step]) as server:
        async with open_client(
            "openai:any", settings=settings, base_url=server.base_url, limits=limits
        ) as client:
            kinds, text, reasoning, completion, stamps = await _collect(
                client, ChatRequest(user(), max_tokens=50)
            )
            again = await client.complete(ChatRequest(user(), max_tokens=50))
    assert text == "a slow streamed answer" and reasoning == "step by step"
    assert kinds[-1] == "done" and kinds.count("text") >= 3 and "reasoning" in kinds
    assert stamps[-1] - stamps[0] >= 0.2  # pieces arrived as they were sent, not all at the end
    assert completion is not None
    assert (completion.text, completion.reasoning, completion.retries) == (text, reasoning, 1)
    assert completion.cost_usd == pytest.approx(0.004) and completion.usage.reasoning_tokens == 3
    body = server.chat_requests[1].json
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert again.cached and again.text == text  # a streamed answer is cached like any other


async def test_openai_stream_error_event_and_truncated_stream(settings, limits) -> None:
    broken = raw(
        200,
        'data: {"choices":[{"delta":{"content":"par"}}]}\n\n',
        headers=[("Content-Type", "text/event-stream")],
    )
    failing = raw(200, 'data: {"error":{"message":"model crashed","code":400}}\n\n')
    options = ClientOptions(max_retries=1, backoff_base_s=0.01)
    with ScriptedServer([broken, failing]) as server:
        async with open_client(
            "openai:any", settings=settings, base_url=server.base_url, limits=limits, options=options
        ) as client:
            with pytest.raises(ResponseFormatError, match="truncated"):
                await _collect(client, ChatRequest(user("1")))
            with pytest.raises(ModelError, match="model crashed"):
                await _collect(client, ChatRequest(user("2")))


async def test_ollama_native_sets_options_and_reads_thinking(settings, limits, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "models.toml").write_text(
        '[models.qwen-local]\nprovider = "ollama"\nmodel = "qwen3:8b"\nparams = { num_ctx = 16384 }\n'
    )
    steps = [
        reply("four", reasoning="2+2", prompt_tokens=7, completion_tokens=2),
        reply("streamed four", reasoning="hm"),
    ]
    with ScriptedServer(steps) as server:
        async with open_client("qwen-local", settings=settings, base_url=server.url, limits=limits) as client:
            completion = await client.complete(
                ChatRequest(user("2+2?"), temperature=0.1, max_tokens=9, reasoning_effort="high")
            )
            _, text, reasoning, streamed, _ = await _collect(client, ChatRequest(user("again")))
    first = server.chat_requests[0]
    assert first.path == "/api/chat"
    assert first.json["options"] == {"num_ctx": 16384, "temperature": 0.1, "num_predict": 9}
    assert first.json["think"] is True and first.json["stream"] is False and first.json["model"] == "qwen3:8b"
    assert (completion.text, completion.reasoning) == ("four", "2+2")
    assert completion.usage.prompt_tokens == 7 and completion.usage.completion_tokens == 2
    assert completion.cost_usd is None  # no price for ollama:qwen3:8b and Ollama reports none: unknown
    assert (text, reasoning) == ("streamed four", "hm") and streamed is not None
    assert server.chat_requests[1].json["stream"] is True


async def test_anthropic_messages_with_extended_thinking(settings, limits) -> None:
    steps = [
        reply("the answer", reasoning="let me think", prompt_tokens=30, completion_tokens=90),
        reply("streamed", reasoning="quietly"),
    ]
    messages = [{"role": "system", "content": "be brief"}, *user("question")]
    with ScriptedServer(steps) as server:
        async with open_client(
            "anthropic:claude-sonnet-4-5", settings=settings, base_url=server.base_url, limits=limits
        ) as client:
            completion = await client.complete(
                ChatRequest(messages, max_tokens=1000, reasoning_effort="low", temperature=0.5)
            )
            _, text, reasoning, _, _ = await _collect(client, ChatRequest(messages, temperature=0.5))
    sent = server.chat_requests[0]
    assert sent.path == "/v1/messages"
    assert sent.headers["x-api-key"] == KEY and sent.headers["anthropic-version"]
    assert sent.json["system"] == "be brief" and sent.json["messages"] == user("question")
    assert sent.json["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    assert sent.json["max_tokens"] == 1000 + 2048 and "temperature" not in sent.json
    assert (completion.text, completion.reasoning) == ("the answer", "let me think")
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (30, 90)
    assert (text, reasoning) == ("streamed", "quietly")
    assert server.chat_requests[1].json["temperature"] == 0.5


async def test_anthropic_overloaded_is_retried(settings, limits) -> None:
    with ScriptedServer([error(529, "Overloaded"), reply("fine")]) as server:
        async with open_client(
            "anthropic:claude-haiku-4-5",
            settings=settings,
            base_url=server.base_url,
            limits=limits,
            options=FAST,
        ) as client:
            completion = await client.complete(ChatRequest(user()))
    assert (completion.text, completion.retries) == ("fine", 1)


async def test_a_stream_that_stalls_midway_times_out_without_a_retry(settings, limits) -> None:
    import asyncio

    from arcforge.models import ModelTimeoutError
    from arcforge.testing import stall

    options = ClientOptions(total_timeout_s=0.8, max_retries=3)
    with ScriptedServer([stall(after_events=3, text="a fairly long answer"), reply("unused")]) as server:
        async with open_client(
            "openai:any", settings=settings, base_url=server.base_url, limits=limits, options=options
        ) as client:
            received = []
            with pytest.raises(ModelTimeoutError):
                async for event in client.stream(ChatRequest(user())):
                    received.append(event.text)
                    await asyncio.sleep(0.1)  # a consumer doing its own work between pieces
    assert "".join(received) == "a fairly long an"  # the role chunk, then two pieces of 8 characters
    assert len(server.chat_requests) == 1  # pieces were already delivered: no silent retry


async def test_a_stream_without_usage_counts_one_token_per_piece(settings, limits) -> None:
    with ScriptedServer([reply("twenty-four characters!!", stream_usage=False)]) as server:
        async with open_client(
            "openai:any", settings=settings, base_url=server.base_url, limits=limits
        ) as client:
            _, text, _, completion, _ = await _collect(client, ChatRequest(user()))
    assert text == "twenty-four characters!!"
    assert completion.usage.completion_tokens == 3 and completion.usage.prompt_tokens == 0
