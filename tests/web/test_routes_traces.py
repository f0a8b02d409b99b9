"""Traces and votes over HTTP: who may change what, sorting by score, sanitising, live events."""

from __future__ import annotations

import threading
import time

import httpx
from web_helpers import AppHarness


def _add(api, text: str, task: str = "a1b2c3d4") -> dict:
    response = api.post(f"/api/tasks/{task}/traces", {"text": text})
    assert response.status_code == 201, response.text
    return response.json()["trace"]


def test_adding_a_trace_needs_an_account(harness: AppHarness) -> None:
    api = harness.client()
    assert api.post("/api/tasks/a1b2c3d4/traces", {"text": "anonymous"}).status_code == 401
    api.signup("ann")
    trace = _add(api, "The blue cells turn red.")
    assert trace["author"] == "ann" and trace["author_kind"] == "human" and trace["can_edit"]
    assert api.post("/api/tasks/unknown/traces", {"text": "x"}).status_code == 404


def test_edit_and_delete_own_trace_but_not_anothers(harness: AppHarness) -> None:
    ann, ben = harness.client(), harness.client()
    ann.signup("ann")
    ben.signup("ben")
    trace = _add(ann, "first version")
    assert ben.put(f"/api/traces/{trace['id']}", {"text": "hijacked"}).status_code == 403
    assert ben.delete(f"/api/traces/{trace['id']}").status_code == 403
    listed = ben.get("/api/tasks/a1b2c3d4/traces").json()["traces"]
    assert listed[0]["can_edit"] is False and listed[0]["text"] == "first version"
    edited = ann.put(f"/api/traces/{trace['id']}", {"text": "second version"})
    assert edited.status_code == 200 and edited.json()["trace"]["text"] == "second version"
    assert ann.delete(f"/api/traces/{trace['id']}").status_code == 200
    assert ann.get("/api/tasks/a1b2c3d4/traces").json()["traces"] == []
    assert ann.delete(f"/api/traces/{trace['id']}").status_code == 404


def test_a_moderator_may_edit_and_delete_any_trace(harness: AppHarness) -> None:
    ann = harness.client()
    ann.signup("ann")
    trace = _add(ann, "needs moderation")
    mod = harness.moderator()
    assert mod.get("/api/tasks/a1b2c3d4/traces").json()["traces"][0]["can_edit"] is True
    assert mod.put(f"/api/traces/{trace['id']}", {"text": "moderated"}).status_code == 200
    assert mod.delete(f"/api/traces/{trace['id']}").status_code == 200


def test_votes_up_down_change_withdraw_one_per_account_and_sorting(harness: AppHarness) -> None:
    ann, ben, cat = harness.client(), harness.client(), harness.client()
    for api, name in ((ann, "ann"), (ben, "ben"), (cat, "cat")):
        api.signup(name)
    low = _add(ann, "a weak explanation")
    high = _add(ann, "a strong explanation")
    assert harness.client().put(f"/api/traces/{high['id']}/vote", {"value": 1}).status_code == 401
    assert ben.put(f"/api/traces/{high['id']}/vote", {"value": 1}).json()["trace"]["score"] == 1
    assert (
        ben.put(f"/api/traces/{high['id']}/vote", {"value": 1}).json()["trace"]["score"] == 1
    )  # still one vote
    assert cat.put(f"/api/traces/{high['id']}/vote", {"value": 1}).json()["trace"]["score"] == 2
    assert cat.put(f"/api/traces/{low['id']}/vote", {"value": -1}).json()["trace"]["score"] == -1
    order = [t["id"] for t in ben.get("/api/tasks/a1b2c3d4/traces").json()["traces"]]
    assert order == [high["id"], low["id"]]
    changed = ben.put(f"/api/traces/{high['id']}/vote", {"value": -1}).json()["trace"]
    assert (changed["score"], changed["up"], changed["down"], changed["my_vote"]) == (0, 1, 1, -1)
    withdrawn = ben.put(f"/api/traces/{high['id']}/vote", {"value": 0}).json()["trace"]
    assert (withdrawn["score"], withdrawn["my_vote"]) == (1, None)
    assert ben.put(f"/api/traces/{high['id']}/vote", {"value": 2}).status_code == 422
    assert ben.put("/api/traces/999/vote", {"value": 1}).status_code == 404


def test_model_traces_are_labelled(harness: AppHarness) -> None:
    harness.store.add_trace(
        "b7e5f012", "Mirror each row.", author="google/gemini-2.5-pro", author_kind="model"
    )
    api = harness.client()
    trace = api.get("/api/tasks/b7e5f012/traces").json()["traces"][0]
    assert (
        trace["author_kind"] == "model"
        and trace["author"] == "google/gemini-2.5-pro"
        and not trace["can_edit"]
    )


def test_trace_html_is_sanitised(harness: AppHarness) -> None:
    api = harness.client()
    api.signup("mallory")
    text = (
        '# Plan\n<script>alert(1)</script>\n\n<img src=x onerror="alert(2)">\n\n'
        "[click](javascript:alert(3)) and [fine](https://example.org)\n\n```\ncode\n  kept\n```"
    )
    html = _add(api, text)["html"]
    assert "<script" not in html and "<img" not in html and 'href="javascript' not in html
    assert "&lt;script&gt;" in html and "<h1>Plan</h1>" in html
    assert 'href="https://example.org"' in html and "noopener" in html
    assert "code\n  kept" in html


def test_live_events_announce_a_new_trace(harness: AppHarness) -> None:
    api = harness.client()
    api.signup("live")
    received: list[str] = []
    ready = threading.Event()

    def listen() -> None:
        with (
            httpx.Client(base_url=harness.url, timeout=20) as http,
            http.stream("GET", "/api/tasks/a1b2c3d4/events") as stream,
        ):
            assert stream.headers["content-type"].startswith("text/event-stream")
            for line in stream.iter_lines():
                if line.startswith("event:"):
                    received.append(line.split(":", 1)[1].strip())
                    ready.set()
                    if received[-1] == "traces":
                        return

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    assert ready.wait(10)
    started = time.monotonic()
    _add(api, "announced live")
    thread.join(10)
    assert received == ["ready", "traces"]
    assert time.monotonic() - started < 5
