"""``arcforge serve`` as a real process: the permission checks over plain HTTP, several workers, errors.

These are the issue's curl checks: without a session nobody votes, nobody deletes another's trace,
and no response of any GET route holds a test output before the attempts are done.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from web_helpers import ANSWERS, PASSWORD, TASKS, LiveServer, free_port, start_server, stop_server


def test_cannot_vote_without_a_session(live_server: LiveServer) -> None:
    owner = live_server.client()
    owner.signup("curl-owner")
    trace = owner.post("/api/tasks/a1b2c3d4/traces", {"text": "vote target"}).json()["trace"]
    # plain curl: no cookies at all -> refused (CSRF); with a CSRF token but no session -> 401
    bare = httpx.put(f"{live_server.url}/api/traces/{trace['id']}/vote", json={"value": 1})
    assert bare.status_code == 403
    anonymous = live_server.client()
    assert anonymous.put(f"/api/traces/{trace['id']}/vote", {"value": 1}).status_code == 401
    forged = httpx.put(
        f"{live_server.url}/api/traces/{trace['id']}/vote",
        json={"value": 1},
        cookies={"arcforge_session": "made-up"},
        headers={"X-CSRF-Token": "x"},
    )
    assert forged.status_code == 403
    assert owner.get(f"/api/traces/{trace['id']}").json()["trace"]["score"] == 0


def test_cannot_delete_another_users_trace(live_server: LiveServer) -> None:
    owner, other = live_server.client(), live_server.client()
    owner.signup("curl-author")
    other.signup("curl-other")
    trace = owner.post("/api/tasks/b7e5f012/traces", {"text": "mine, not yours"}).json()["trace"]
    assert other.delete(f"/api/traces/{trace['id']}").status_code == 403
    assert other.put(f"/api/traces/{trace['id']}", {"text": "defaced"}).status_code == 403
    assert httpx.delete(f"{live_server.url}/api/traces/{trace['id']}").status_code == 403
    assert owner.get(f"/api/traces/{trace['id']}").json()["trace"]["text"] == "mine, not yours"


def test_cannot_read_a_test_output(live_server: LiveServer) -> None:
    reader = live_server.client()
    paths = [
        "/",
        "/apps/testing_interface.html",
        "/api/tasks",
        "/api/session",
        "/api/health",
        "/api/export",
        "/openapi.json",
        "/static/js/testing.js",
        "/static/js/api.js",
    ]
    for task_id in ANSWERS:
        paths += [f"/api/tasks/{task_id}", f"/api/tasks/{task_id}/versions", f"/api/tasks/{task_id}/traces"]
    for path in paths:
        body = httpx.get(f"{live_server.url}{path}").text.replace(" ", "").replace("\n", "")
        for task_id, answers in ANSWERS.items():
            for answer in answers:
                if len(answer) * len(answer[0]) >= 3:  # tiny grids appear in train pairs too
                    assert json.dumps(answer, separators=(",", ":")) not in body, (path, task_id)
    assert reader.get("/api/export").status_code == 401


def _vote_storm(server: LiveServer, voters: int) -> tuple[int, int]:
    author = server.client()
    author.signup("storm-author")
    trace = author.post("/api/tasks/c0ffee99/traces", {"text": "storm target"}).json()["trace"]
    store = server.store()
    try:
        for i in range(voters):
            store.create_user(f"voter{i}", PASSWORD)
    finally:
        store.close()

    def vote(i: int) -> int:
        with httpx.Client(base_url=server.url, timeout=60) as http:
            http.get("/api/session")
            headers = {"X-CSRF-Token": http.cookies["arcforge_csrf"]}
            assert (
                http.post(
                    "/api/auth/login", json={"name": f"voter{i}", "password": PASSWORD}, headers=headers
                ).status_code
                == 200
            )
            value = 1 if i % 3 else -1
            for _ in range(3):  # the same vote three times still counts once
                assert (
                    http.put(
                        f"/api/traces/{trace['id']}/vote", json={"value": value}, headers=headers
                    ).status_code
                    == 200
                )
            return value

    with ThreadPoolExecutor(max_workers=16) as pool:
        expected = sum(pool.map(vote, range(voters)))
    return expected, author.get(f"/api/traces/{trace['id']}").json()["trace"]["score"]


@pytest.mark.slow
def test_two_workers_lose_no_vote(tmp_path: Path) -> None:
    server = start_server(tmp_path, workers=2, extra_env={"ARCFORGE_WEB_AUTH_PER_MINUTE": "10000"})
    try:
        expected, score = _vote_storm(server, 24)
        assert score == expected
    finally:
        stop_server(server)


def _serve(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ARCFORGE_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "arcforge", "serve", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_a_port_in_use_is_one_clear_line(live_server: LiveServer, tmp_path: Path) -> None:
    port = live_server.url.rsplit(":", 1)[1]
    result = _serve("--port", port, "--dataset", str(TASKS), home=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"arcforge: error: port {port} on 127.0.0.1 is in use: stop the other server or pick --port"
    ]


def test_a_missing_dataset_is_one_clear_line(tmp_path: Path) -> None:
    result = _serve("--port", str(free_port()), "--dataset", str(tmp_path / "nowhere"), home=tmp_path)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "no dataset" in result.stderr and len(result.stderr.strip().splitlines()) == 1
