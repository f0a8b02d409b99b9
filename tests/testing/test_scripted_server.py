"""The scripted server speaks real HTTP on loopback and plays its script exactly."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest

from arcforge.testing import ScriptedServer, error, error_in_body, raw, reply, stall, truncated

CHAT = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}


def test_plays_the_script_in_order_then_reports_exhaustion() -> None:
    script = [
        error(429, retry_after=1),
        reply("hello", cost=0.25, reasoning="because"),
        error_in_body("boom"),
    ]
    with ScriptedServer(script) as server, httpx.Client(base_url=server.base_url) as http:
        first = http.post("/chat/completions", json=CHAT)
        assert first.status_code == 429 and first.headers["retry-after"] == "1"
        second = http.post("/chat/completions", json=CHAT).json()
        assert second["choices"][0]["message"] == {
            "role": "assistant",
            "content": "hello",
            "reasoning": "because",
        }
        assert second["usage"]["cost"] == 0.25
        third = http.post("/chat/completions", json=CHAT)
        assert third.status_code == 200 and third.json()["error"]["message"] == "boom"
        exhausted = http.post("/chat/completions", json=CHAT)
        assert exhausted.status_code == 500 and "exhausted" in exhausted.text
        assert server.remaining == 0
        assert [r.json for r in server.chat_requests] == [CHAT] * 4


def test_truncated_body_is_not_json() -> None:
    with ScriptedServer([truncated("a longer answer")]) as server:
        response = httpx.post(f"{server.base_url}/chat/completions", json=CHAT)
        assert response.status_code == 200
        with pytest.raises(ValueError):
            json.loads(response.content)


def test_stall_keeps_the_client_waiting() -> None:
    with ScriptedServer([stall()]) as server:
        started = time.monotonic()
        with pytest.raises(httpx.ReadTimeout):
            httpx.post(f"{server.base_url}/chat/completions", json=CHAT, timeout=0.5)
        assert 0.45 < time.monotonic() - started < 3


def test_stream_arrives_in_pieces_and_slowly() -> None:
    with ScriptedServer([reply("one two three four five", reasoning="hmm", chunk_delay_s=0.05)]) as server:
        text, reasoning, usage = "", "", None
        started = time.monotonic()
        with httpx.stream(
            "POST", f"{server.base_url}/chat/completions", json={**CHAT, "stream": True}
        ) as response:
            lines = [line for line in response.iter_lines() if line.startswith("data:")]
        assert time.monotonic() - started > 0.2  # several events, 50 ms apart
        assert lines[-1] == "data: [DONE]"
        for line in lines[:-1]:
            chunk = json.loads(line[5:])
            for choice in chunk["choices"]:
                text += choice["delta"].get("content", "")
                reasoning += choice["delta"].get("reasoning", "")
            usage = chunk.get("usage") or usage
        assert (text, reasoning) == ("one two three four five", "hmm")
        assert usage is not None and usage["completion_tokens"] == 5


def test_responder_answers_by_content_and_models_route() -> None:
    def responder(request: dict) -> str:
        return "answer for " + request["messages"][-1]["content"]

    with ScriptedServer(responder=responder) as server, httpx.Client(base_url=server.base_url) as http:
        for task_id in ("007bbfb7", "00d62c1b"):
            body = {"messages": [{"role": "user", "content": task_id}]}
            answer = http.post("/chat/completions", json=body).json()
            assert answer["choices"][0]["message"]["content"] == f"answer for {task_id}"
        assert http.get("/models").json()["data"][0]["id"] == "scripted-model"
        assert [r.path for r in server.requests] == ["/v1/chat/completions"] * 2 + ["/v1/models"]


def test_ollama_and_anthropic_dialects() -> None:
    with ScriptedServer([reply("hi", reasoning="think"), reply("yo", reasoning="ponder")]) as server:
        ollama = httpx.post(f"{server.url}/api/chat", json={**CHAT, "stream": False}).json()
        assert ollama["message"] == {"role": "assistant", "content": "hi", "thinking": "think"}
        assert ollama["done"] is True
        anthropic = httpx.post(f"{server.base_url}/messages", json=CHAT).json()
        assert [b["type"] for b in anthropic["content"]] == ["thinking", "text"]
        assert anthropic["content"][1]["text"] == "yo"


def test_counts_requests_in_flight() -> None:
    with ScriptedServer(responder=lambda _: reply("ok", delay_s=0.3)) as server:
        threads = [
            threading.Thread(
                target=httpx.post, args=(f"{server.base_url}/chat/completions",), kwargs={"json": CHAT}
            )
            for _ in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert server.max_in_flight == 4
        assert server.in_flight == 0


async def test_usable_from_async_code_and_push() -> None:
    async with ScriptedServer() as server:
        server.push(raw(418, "teapot", headers=[("Content-Type", "text/plain")]))
        async with httpx.AsyncClient() as http:
            response = await http.post(f"{server.base_url}/chat/completions", json=CHAT)
        assert response.status_code == 418 and response.text == "teapot"
