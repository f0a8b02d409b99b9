"""The discussion API over real HTTP, with the scripted OpenAI-compatible server as the model.

Each test serves a fresh app (uvicorn in a thread, SQLite store) whose settings allow two ad hoc
models, point them at a :class:`ScriptedServer` through ``ARCFORGE_DISCUSS_BASE_URL`` and hold a
fake API key, so the tests can check where the key goes (to the model server) and where it never
goes (to the page).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from web_helpers import TASKS, Api, fast_hasher, free_port

from arcforge.settings import load_settings
from arcforge.store import open_store
from arcforge.testing import ScriptedServer, raw, reply, stall
from arcforge.web import create_app

FAKE_KEY = "sk-test-discuss-FAKE-0123456789abcdef"
MODEL = "openai:scripted"
PRICED = "CODER"  # a registry model with prices (OpenRouter's), sent to the scripted server too
TASK = "a1b2c3d4"  # recolours 1 -> 2; its test output is [[0,2,2],[2,0,0]]
SOLVER = "def solve(grid):\n    return [[2 if v == 1 else v for v in row] for row in grid]\n"


@dataclass
class Discuss:
    url: str
    store: Any
    model: ScriptedServer
    clients: list[httpx.Client]

    def client(self, name: str | None = None) -> Api:
        http = httpx.Client(base_url=self.url, timeout=30)
        self.clients.append(http)
        api = Api(http)
        if name:
            api.signup(name)
        return api


def serve(tmp_path: Path, environ: dict[str, str] | None = None) -> Iterator[Discuss]:
    """An app allowing two ad hoc models served by a fresh scripted server; torn down after the yield.

    ``environ`` overrides the settings' variables."""
    with ScriptedServer() as model:
        home = tmp_path / "home"
        settings = load_settings(
            {
                "ARCFORGE_HOME": str(home),
                "ARCFORGE_DISCUSS_MODELS": f"{MODEL},openai:other,{PRICED}",
                "ARCFORGE_DISCUSS_BASE_URL": model.base_url,
                "ARCFORGE_DAILY_SPEND_USD": "0.05",
                "ARCFORGE_DISCUSS_RUN_SECONDS": "1.5",
                "OPENAI_API_KEY": FAKE_KEY,
                **(environ or {}),
            },
            dotenv_path=None,
        )
        store = open_store(f"sqlite:///{home / 'arcforge.db'}", password_hasher=fast_hasher())
        app = create_app(settings, store=store, dataset=str(TASKS))
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=1)
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            assert time.monotonic() < deadline and thread.is_alive(), "the test server did not start"
            time.sleep(0.02)
        harness = Discuss(f"http://127.0.0.1:{port}", store, model, [])
        try:
            yield harness
        finally:
            for http in harness.clients:
                http.close()
            server.should_exit = True
            thread.join(timeout=15)
            store.close()


@pytest.fixture
def discuss(tmp_path: Path) -> Iterator[Discuss]:
    yield from serve(tmp_path)


def events_of(response: httpx.Response) -> Iterator[tuple[str, Any]]:
    """The server-sent events of a streamed response, as (name, data) pairs."""
    name = None
    for line in response.iter_lines():
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            yield name or "message", json.loads(line[6:])
            name = None


def start(api: Api, *, model: str = MODEL, task: str = TASK) -> int:
    response = api.post(f"/api/discuss/tasks/{task}/conversations", {"model": model, "version": 0})
    assert response.status_code == 201, response.text
    return response.json()["conversation"]["id"]


def send(api: Api, conversation: int, content: str, **params: Any) -> list[tuple[str, Any]]:
    body = {"content": content, "model": MODEL, "temperature": 0.2, "max_tokens": 200, **params}
    with api.http.stream(
        "POST", f"/api/discuss/conversations/{conversation}/messages", json=body, headers=api._headers()
    ) as response:
        assert response.status_code == 200, response.read().decode()
        assert response.headers["content-type"].startswith("text/event-stream")
        return list(events_of(response))


def test_config_offers_the_allowed_models_and_no_key(discuss: Discuss) -> None:
    api = discuss.client()
    response = api.get("/api/discuss/config")
    assert response.status_code == 200
    data = response.json()
    assert [m["id"] for m in data["models"]] == [MODEL, "openai:other", PRICED]
    assert all(m["available"] for m in data["models"])
    assert data["daily_limit_usd"] == 0.05 and data["max_tokens"]["max"] == 4096
    assert {e["name"] for e in data["encodings"]} >= {"json-rows", "digits"}
    assert FAKE_KEY not in response.text and discuss.model.base_url not in response.text


def test_a_reply_streams_and_the_model_sees_the_task_without_test_outputs(discuss: Discuss) -> None:
    text = "The rule: recolour blue to red.\n\n```python\ndef solve(grid):\n    return grid\n```\n"
    discuss.model.push(reply(text, chunk_delay_s=0.01, cost=0.001), reply("Second answer."))
    api = discuss.client("ada")
    conversation = start(api)
    events = send(api, conversation, "What is the rule?")
    names = [name for name, _ in events]
    assert names[0] == "start" and names[-1] == "done"
    deltas = [data["text"] for name, data in events if name == "delta"]
    assert len(deltas) > 3 and "".join(deltas) == text  # pieces, assembled in order
    done = events[-1][1]
    assert done["message"]["role"] == "assistant" and done["message"]["content"] == text
    assert done["cost_usd"] == pytest.approx(0.001)
    # the code block keeps its indentation in the sanitised HTML
    assert "<pre><code" in done["message"]["html"] and "\n    return grid" in done["message"]["html"]

    first = discuss.model.chat_requests[0]
    assert first.headers["authorization"] == f"Bearer {FAKE_KEY}"  # the key is used on the server
    messages = first.json["messages"]
    assert [m["role"] for m in messages] == ["system", "user"]
    system = messages[0]["content"]
    assert "Example 1" in system and "Test 1" in system and "[0,1,1]" in system  # train pairs, test input
    assert "[0,2,2]" not in system and "022" not in json.dumps(first.json)  # never the test output
    assert first.json["temperature"] == 0.2 and first.json["max_tokens"] == 200 and first.json["stream"]

    send(api, conversation, "And the second question?", encoding="digits")
    second = discuss.model.chat_requests[1].json["messages"]
    assert [m["role"] for m in second] == ["system", "user", "assistant", "user"]  # each message once
    assert [m["content"] for m in second[1:]] == ["What is the rule?", text, "And the second question?"]
    assert "\n011\n100" in second[0]["content"]  # the digits encoding this time

    stored = api.get(f"/api/discuss/conversations/{conversation}").json()
    assert [m["role"] for m in stored["messages"]] == ["user", "assistant", "user", "assistant"]
    listed = api.get(f"/api/discuss/tasks/{TASK}/conversations").json()["conversations"]
    assert [(c["id"], c["messages"]) for c in listed] == [(conversation, 4)]


def test_an_error_mid_stream_ends_the_reply_and_keeps_what_arrived(discuss: Discuss) -> None:
    chunk = {"choices": [{"index": 0, "delta": {"content": "Partial thou"}}]}
    failure = {
        "choices": [{"index": 0, "delta": {}, "error": {"message": "upstream overloaded", "code": 502}}]
    }
    body = f"data: {json.dumps(chunk)}\n\ndata: {json.dumps(failure)}\n\n"
    discuss.model.push(raw(200, body, headers=[("Content-Type", "text/event-stream")]))
    api = discuss.client("bob")
    conversation = start(api)
    events = send(api, conversation, "Go")
    assert [name for name, _ in events] == ["start", "delta", "error"]
    error = events[-1][1]
    assert "upstream overloaded" in error["detail"] and FAKE_KEY not in error["detail"]
    assert error["message"]["content"] == "Partial thou" and error["message"]["outcome"] == "error"
    assert len(discuss.model.chat_requests) == 1  # not retried after the first piece
    # the stream slot was released: an empty message retries the unanswered question
    discuss.model.push(reply("Recovered."))
    events = send(api, conversation, "")
    assert events[-1][0] == "done" and events[-1][1]["message"]["content"] == "Recovered."
    retried = discuss.model.chat_requests[1].json["messages"]
    assert [(m["role"], m["content"]) for m in retried[1:]] == [
        ("user", "Go")
    ]  # the broken reply is left out


def test_stop_closes_the_upstream_request(discuss: Discuss) -> None:
    words = " ".join(f"word{i}" for i in range(400))  # 8-character pieces, 0.1 s apart: ~40 s in all
    discuss.model.push(reply(words, chunk_delay_s=0.1))
    api = discuss.client("cy")
    conversation = start(api)
    body = {"content": "Talk for a long time", "model": PRICED, "temperature": 0, "max_tokens": 500}
    received = ""
    started = time.monotonic()
    with api.http.stream(
        "POST", f"/api/discuss/conversations/{conversation}/messages", json=body, headers=api._headers()
    ) as response:
        for name, data in events_of(response):
            if name == "delta":
                received += data["text"]
                if len(received) > 40:
                    break  # the page's Stop button aborts its fetch: the connection closes here
    deadline = time.monotonic() + 5
    while discuss.model.in_flight and time.monotonic() < deadline:
        time.sleep(0.05)
    assert discuss.model.in_flight == 0, "the model server still streams after Stop"
    assert time.monotonic() - started < 10
    # the partial reply is kept, marked stopped, with an estimated cost; the user can go on at once
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        messages = api.get(f"/api/discuss/conversations/{conversation}").json()["messages"]
        if len(messages) == 2:
            break
        time.sleep(0.05)
    stopped = messages[-1]
    assert stopped["outcome"] == "stopped" and stopped["content"].startswith(received[:40])
    assert len(stopped["content"]) < len(words)
    # stopping early still costs what was generated (estimated from the text at the model's prices)
    assert stopped["cost_usd"] > 0 and stopped["model"] == PRICED
    assert api.get("/api/discuss/config").json()["spent_today_usd"] == pytest.approx(stopped["cost_usd"])
    discuss.model.push(reply("Short."))
    assert send(api, conversation, "Shorter please")[-1][0] == "done"


def test_stop_while_the_model_is_silent_closes_the_upstream_request(discuss: Discuss) -> None:
    discuss.model.push(stall())  # accepts the request and sends nothing, until the client hangs up
    api = discuss.client("cyd")
    conversation = start(api)
    body = {"content": "Think hard", "model": MODEL, "temperature": 0, "max_tokens": 50}
    with api.http.stream(
        "POST", f"/api/discuss/conversations/{conversation}/messages", json=body, headers=api._headers()
    ) as response:
        events = events_of(response)  # kept: dropping the generator would close the response
        assert next(events)[0] == "start"
        deadline = time.monotonic() + 5
        while not discuss.model.in_flight and time.monotonic() < deadline:
            time.sleep(0.02)
        assert discuss.model.in_flight == 1
    # no piece was ever sent, so only the disconnect itself can have stopped the upstream request
    deadline = time.monotonic() + 5
    while discuss.model.in_flight and time.monotonic() < deadline:
        time.sleep(0.05)
    assert discuss.model.in_flight == 0
    discuss.model.push(reply("Back."))
    assert send(api, conversation, "")[-1][0] == "done"  # the slot was released; the question is retried


def test_the_daily_limit_stops_further_requests(discuss: Discuss) -> None:
    discuss.model.push(reply("Expensive answer.", cost=0.06))
    api = discuss.client("dee")
    conversation = start(api)
    assert send(api, conversation, "Hello")[-1][0] == "done"
    assert api.get("/api/discuss/config").json()["spent_today_usd"] == pytest.approx(0.06)
    refused = api.post(
        f"/api/discuss/conversations/{conversation}/messages",
        {"content": "Again", "model": MODEL, "temperature": 0, "max_tokens": 10},
    )
    assert refused.status_code == 429
    assert "daily spending limit reached" in refused.json()["detail"]
    assert "$0.06" in refused.json()["detail"] and "00:00 UTC" in refused.json()["detail"]
    assert len(discuss.model.chat_requests) == 1
    # clearing keeps the costs: the limit still holds
    assert api.post(f"/api/discuss/conversations/{conversation}/clear").json()["cleared"] == 2
    assert api.get(f"/api/discuss/conversations/{conversation}").json()["messages"] == []
    assert discuss.store.spend_today(
        user=discuss.store.authenticate("dee", "correct horse")
    ) == pytest.approx(0.06)
    other = start(api)
    assert (
        api.post(f"/api/discuss/conversations/{other}/messages", {"content": "x", "model": MODEL}).status_code
        == 429
    )
    # another user has their own budget
    fresh = discuss.client("eve")
    discuss.model.push(reply("Fine."))
    assert send(fresh, start(fresh), "Hi")[-1][0] == "done"


def test_guards_login_csrf_ownership_and_bounds(discuss: Discuss) -> None:
    anonymous = discuss.client()
    assert anonymous.post(f"/api/discuss/tasks/{TASK}/conversations", {"model": MODEL}).status_code == 401
    api = discuss.client("fay")
    conversation = start(api)
    path = f"/api/discuss/conversations/{conversation}/messages"
    no_csrf = api.http.post(path, json={"content": "hi", "model": MODEL})
    assert no_csrf.status_code == 403 and "CSRF" in no_csrf.json()["detail"]
    assert api.post(path, {"content": "hi", "model": "openai:gpt-4o"}).status_code == 400
    too_many = api.post(path, {"content": "hi", "model": MODEL, "max_tokens": 5000})
    assert too_many.status_code == 400 and "at most 4096" in too_many.json()["detail"]
    assert api.post(path, {"content": "hi", "model": MODEL, "temperature": 3}).status_code == 422
    assert api.post(path, {"content": "hi", "model": MODEL, "encoding": "morse"}).status_code == 400
    assert api.post(path, {"content": "", "model": MODEL}).status_code == 400  # nothing to answer
    assert api.post("/api/discuss/tasks/nosuchtask/conversations", {"model": MODEL}).status_code == 404
    intruder = discuss.client("gus")
    assert intruder.get(f"/api/discuss/conversations/{conversation}").status_code == 404
    assert intruder.post(path, {"content": "hi", "model": MODEL}).status_code == 404
    assert intruder.post(f"/api/discuss/conversations/{conversation}/clear").status_code == 404
    assert intruder.get(f"/api/discuss/conversations/{conversation}/export").status_code == 404
    assert discuss.model.chat_requests == []


def test_export_downloads_the_conversation(discuss: Discuss) -> None:
    discuss.model.push(reply("An answer."))
    api = discuss.client("hal")
    conversation = start(api)
    send(api, conversation, "A question")
    response = api.get(f"/api/discuss/conversations/{conversation}/export")
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    data = response.json()
    assert data["task_id"] == TASK and data["model"] == MODEL and data["user"] == "hal"
    assert [(m["role"], m["content"]) for m in data["messages"]] == [
        ("user", "A question"),
        ("assistant", "An answer."),
    ]
    assert FAKE_KEY not in response.text


def test_the_pages_are_served(discuss: Discuss) -> None:
    api = discuss.client()
    for path in (f"/discuss/{TASK}", f"/apps/discuss_interface.html?task={TASK}"):
        response = api.get(path)
        assert response.status_code == 200 and "discuss.js" in response.text
        assert "script-src 'self'" in response.headers["content-security-policy"]


def test_markup_in_a_reply_is_rendered_inert(discuss: Discuss) -> None:
    hostile = 'Look: <script>alert(1)</script> <img src=x onerror="alert(2)"> [x](javascript:alert(3))'
    discuss.model.push(reply(hostile, reasoning="thinking <b>hard</b>"))
    api = discuss.client("ivy")
    events = send(api, start(api), "Hi")
    reasoning = [d["text"] for n, d in events if n == "delta" and d["kind"] == "reasoning"]
    assert "".join(reasoning) == "thinking <b>hard</b>"  # sent as data; the page shows it as text
    html = events[-1][1]["message"]["html"]
    assert "<script" not in html and "<img" not in html and 'href="javascript' not in html
    assert "&lt;script&gt;" in html  # shown as text, not run
