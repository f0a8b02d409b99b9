"""The progress routes over HTTP (issue 18): the shared limits, "my tasks" and profiles."""

from __future__ import annotations

from typing import Any

from web_helpers import ANSWERS, AppHarness

from arcforge.limits import NAME_MAX_CHARS, TRACE_MAX_CHARS
from arcforge.store.progress import IDLE_CAP_MS, active_ms


def _attempt(api: Any, task: str, grid: Any, *, test: int = 0, actions: Any = None) -> dict[str, Any]:
    body = {"test_index": test, "grid": grid, "actions": actions or []}
    response = api.post(f"/api/tasks/{task}/versions/0/attempts", body)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_one_limit_per_thing_for_store_api_and_page(harness: AppHarness) -> None:
    api = harness.client()
    limits = api.get("/api/limits").json()
    assert limits["trace"]["max_chars"] == TRACE_MAX_CHARS
    assert limits["user_name"]["max_chars"] == NAME_MAX_CHARS and limits["user_name"]["min_chars"] == 1
    api.signup("q")  # one character: the form's rule is the server's rule
    too_long = api.post("/api/tasks/a1b2c3d4/traces", {"text": "x" * (TRACE_MAX_CHARS + 1)})
    assert too_long.status_code in (413, 422)
    assert api.post("/api/tasks/a1b2c3d4/traces", {"text": "x" * 60_000}).status_code == 201
    assert api.post("/api/auth/signup", {"name": "-dash", "password": "long enough"}).status_code in (
        400,
        422,
    )


def test_my_progress_sorts_tasks_by_status_with_continue_links(harness: AppHarness) -> None:
    api = harness.client()
    assert api.get("/api/me/progress").json()["tasks"] == []  # anonymous, nothing tried
    api.signup("solver")
    _attempt(api, "a1b2c3d4", ANSWERS["a1b2c3d4"][0], actions=[{"t": 1_000}, {"t": 31_000}])
    _attempt(api, "b7e5f012", [[0]])
    _attempt(api, "b7e5f012", [[1]], actions=[{"t": 0}, {"t": 10 * IDLE_CAP_MS}])
    _attempt(api, "c0ffee99", ANSWERS["c0ffee99"][0])  # one of its two inputs solved
    data = api.get("/api/me/progress").json()
    by_id = {t["task_id"]: t for t in data["tasks"]}
    assert by_id["a1b2c3d4"]["status"] == "solved" and by_id["a1b2c3d4"]["active_ms"] == 30_000
    assert by_id["b7e5f012"]["status"] == "unsolved" and by_id["b7e5f012"]["attempts_used"] == 2
    assert by_id["b7e5f012"]["active_ms"] == IDLE_CAP_MS  # a long pause counts as the cap, not the pause
    assert by_id["c0ffee99"]["status"] == "attempted"
    assert by_id["c0ffee99"]["continue_url"] == "/?task=c0ffee99&test=1"  # the input still open
    assert data["counts"] == {"solved": 1, "attempted": 1, "unsolved": 1, "not_started": 0}
    assert data["next_unstarted"] is None
    for task in data["tasks"]:
        assert "answer" not in str(task) and "output" not in str(task)
    other = harness.client()
    assert other.get("/api/me/progress").json()["tasks"] == []  # per solver


def test_profile_lists_traces_and_votes_received(harness: AppHarness) -> None:
    ann, ben, cat = harness.client(), harness.client(), harness.client()
    ann.signup("ann")
    ben.signup("ben")
    cat.signup("cat")
    trace = ann.post("/api/tasks/a1b2c3d4/traces", {"text": "Blue becomes red. " * 40}).json()["trace"]
    assert ben.put(f"/api/traces/{trace['id']}/vote", {"value": 1}).status_code == 200
    assert cat.put(f"/api/traces/{trace['id']}/vote", {"value": -1}).status_code == 200
    profile = ben.get("/api/users/ANN").json()  # names are case-insensitive
    assert profile["user"]["name"] == "ann" and profile["is_me"] is False
    assert profile["votes_received"] == {"up": 1, "down": 1, "score": 0}
    (item,) = profile["traces"]
    assert item["task_id"] == "a1b2c3d4" and item["up"] == 1 and item["down"] == 1
    assert len(item["excerpt"]) <= 280 and item["excerpt"].endswith("…")
    assert ann.get("/api/users/ann").json()["is_me"] is True
    assert ann.get("/api/users/nobody").status_code == 404
    assert ann.get("/my-tasks").status_code == 200 and ann.get("/users/ann").status_code == 200


def test_active_time_ignores_malformed_logs() -> None:
    assert active_ms(None) == 0
    assert active_ms([{"t": "x"}, 3, {"t": 5}]) == 0
    assert active_ms([{"t": 10}, {"t": 5}, {"t": 20}]) == 15  # sorted first
