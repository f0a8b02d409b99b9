"""Issue 12 over real HTTP with several accounts and anonymous clients: each leak reproduced, and closed.

Every response a viewer with attempts left gets is searched for the digit runs of the test output (and
of every version's test output), not only for its JSON spelling; the same check on a moderator's and an
entitled solver's responses shows the detector finds the output where it may be.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
from honest_helpers import TASK, forbidden_runs, leaks, write_task
from web_helpers import Api, AppHarness

from arcforge.web.config import WebConfig

ZEROS = [[0] * 7 for _ in range(7)]


def _harness(make_harness: Any, tmp_path: Path, **config: Any) -> AppHarness:
    harness: AppHarness = make_harness(
        config=WebConfig(**config), dataset=str(write_task(tmp_path / "tasks"))
    )
    return harness


def _attempt(api: Api, version: int, grid: Any = ZEROS, **extra: Any) -> httpx.Response:
    return api.post(
        f"/api/tasks/{TASK}/versions/{version}/attempts", {"test_index": 0, "grid": grid, **extra}
    )


def _answer(harness: AppHarness, version: int = 0) -> list[list[int]]:
    output = harness.app.state.ctx.catalog.get(TASK, version).test[0].output
    return list(output.to_list())


def _signed_versions(harness: AppHarness) -> dict[str, int]:
    """A solver solves the task and signs a swap and a rotation; returns the new version numbers."""
    owner = harness.client()
    owner.signup("owner")
    assert _attempt(owner, 0, _answer(harness)).json()["correct"] is True
    made = {}
    for name in ("swap:0,0", "rot90", "colors:0123456789->0123987654"):
        response = owner.post(f"/api/tasks/{TASK}/versions/0/sign", {"transform": name})
        assert response.status_code == 200, response.text
        made[name] = response.json()["version"]
    return made


def _events_sample(api: Api, trigger: Any) -> str:
    """The first events of the task's live stream, with ``trigger()`` run once it is open."""
    seen = ""
    with api.http.stream("GET", f"/api/tasks/{TASK}/events", timeout=20) as response:
        lines = response.iter_lines()
        for line in lines:
            seen += line + "\n"
            if line.startswith("event: ready"):
                trigger()
            if line.startswith("event: traces"):
                seen += next(lines) + "\n"
                break
    return seen


def test_a_swap_version_and_previews_hold_no_test_output_for_a_solver_with_attempts_left(
    make_harness: Any, tmp_path: Path
) -> None:
    harness = _harness(make_harness, tmp_path)
    made = _signed_versions(harness)
    runs = forbidden_runs(harness.app.state.ctx.catalog)
    assert len(runs) >= 28
    solver, anonymous = harness.client(), harness.client()
    solver.signup("solver")
    moderator = harness.moderator()
    author = harness.client()
    author.signup("author")
    trace = author.post(f"/api/tasks/{TASK}/traces", {"text": "A rule about colours."}).json()["trace"]

    bodies: list[tuple[str, str]] = []
    for viewer_name, viewer in (("solver", solver), ("anonymous", anonymous)):
        for version in (0, *made.values()):
            response = viewer.get(f"/api/tasks/{TASK}?version={version}")
            assert response.status_code == 200
            bodies.append((f"{viewer_name} GET v{version}", response.text))
            assert all("answer" not in s for s in response.json()["attempts"])
        swap = viewer.get(f"/api/tasks/{TASK}?version={made['swap:0,0']}").json()
        assert swap["train"][0]["output"] is None and "test input 1" in swap["train"][0]["withheld"]
        assert swap["withheld"] == [
            {"train_index": 0, "root_version": 0, "test_index": 0, "reason": swap["train"][0]["withheld"]}
        ]
        for version in (0, made["rot90"]):
            for name in ("swap:0,0", "swap:2,0+rot180", "rot90"):
                preview = viewer.post(f"/api/tasks/{TASK}/versions/{version}/preview", {"transform": name})
                assert preview.status_code == 200, preview.text
                bodies.append((f"{viewer_name} preview {name} of v{version}", preview.text))
        for path in (
            f"/api/tasks/{TASK}/versions",
            "/api/tasks",
            f"/api/tasks/{TASK}/traces",
            "/api/me/progress",
            "/api/export",
            "/api/export/attempts",
        ):
            response = viewer.get(path)
            bodies.append((f"{viewer_name} GET {path}", response.text))
        assert viewer.get("/api/export").status_code in (401, 403)
        assert viewer.get("/api/export/attempts").status_code in (401, 403)
    refused = solver.post(f"/api/tasks/{TASK}/versions/0/sign", {"transform": "swap:0,0"})
    assert refused.status_code == 403 and "finish your attempts" in refused.json()["detail"]
    bodies.append(("solver sign", refused.text))
    voter = harness.client()
    voter.signup("voter")
    stream = _events_sample(solver, lambda: voter.put(f"/api/traces/{trace['id']}/vote", {"value": 1}))
    assert "event: traces" in stream
    bodies.append(("events stream", stream))

    found = {where: leaks(body, runs) for where, body in bodies}
    assert {where: hits for where, hits in found.items() if hits} == {}

    # the detector finds the output where it may be shown: to a moderator, and to the solver that solved it
    as_moderator = moderator.get(f"/api/tasks/{TASK}?version={made['swap:0,0']}")
    assert leaks(as_moderator.text, runs) and as_moderator.json()["withheld"] == []
    owner_view = harness.client()
    assert owner_view.login("owner").status_code == 200
    assert leaks(owner_view.get(f"/api/tasks/{TASK}?version={made['swap:0,0']}").text, runs)
    assert leaks(moderator.get("/api/export").text, runs)


def test_attempts_on_a_derived_version_spend_the_originals_budget(make_harness: Any, tmp_path: Path) -> None:
    harness = _harness(make_harness, tmp_path)
    made = _signed_versions(harness)
    runs = forbidden_runs(harness.app.state.ctx.catalog)
    cheater = harness.client()
    cheater.signup("cheater")
    assert _attempt(cheater, made["rot90"]).json()["status"]["remaining"] == 1
    second = _attempt(cheater, made["rot90"]).json()
    assert second["status"]["done"] and second["status"]["answer"] == _answer(harness, made["rot90"])
    # the rotated answer, rotated back, would solve v0: but v0 shares the budget, which is spent
    blocked = _attempt(cheater, 0, _answer(harness, 0))
    assert blocked.status_code == 409 and "every version" in blocked.json()["detail"]
    v0 = cheater.get(f"/api/tasks/{TASK}").json()["attempts"][0]
    assert v0["used"] == 2 and v0["remaining"] == 0 and v0["counts_against"] == "v0:test:0"
    assert _attempt(cheater, made["colors:0123456789->0123987654"]).status_code == 409
    # spent: the swap version's hidden train pair and the answer are now the cheater's to see
    assert cheater.get(f"/api/tasks/{TASK}?version={made['swap:0,0']}").json()["withheld"] == []

    progress = cheater.get("/api/me/progress").json()["tasks"][0]
    assert progress["inputs"] == {"0": {"used": 2, "solved": False}} and progress["status"] == "unsolved"
    assert progress["versions_tried"] == [made["rot90"]]
    # the swap version's test input is the original's train pair 1: its own budget, not test input 1's
    swap_answer = _answer(harness, made["swap:0,0"])
    assert _attempt(cheater, made["swap:0,0"], swap_answer).json()["correct"] is True
    progress = cheater.get("/api/me/progress").json()["tasks"][0]
    assert progress["inputs"] == {"0": {"used": 2, "solved": False}}
    assert progress["versions_tried"] == sorted([made["rot90"], made["swap:0,0"]])

    mixed = harness.client()
    mixed.signup("mixed")
    _attempt(mixed, 0)
    last = _attempt(mixed, made["colors:0123456789->0123987654"]).json()
    assert last["status"]["used"] == 2 and last["status"]["remaining"] == 0
    assert _attempt(mixed, made["rot90"]).status_code == 409

    moderator = harness.moderator()
    exported = [json.loads(line) for line in moderator.get("/api/export/attempts").text.splitlines()]
    mine = [(a["account"], a["task_version"], a["counts_against"], a["attempt_number"]) for a in exported]
    assert ("cheater", made["rot90"], "v0:test:0", 2) in mine
    assert ("mixed", 0, "v0:test:0", 1) in mine
    assert ("mixed", made["colors:0123456789->0123987654"], "v0:test:0", 2) in mine
    assert all(a["answer_seen"] is False for a in exported if a["account"] in ("cheater", "mixed"))
    assert not leaks(json.dumps(cheater.get(f"/api/tasks/{TASK}?version=0").json()["train"]), runs)


def test_a_fresh_cookie_never_yields_an_answer_and_sign_in_keeps_the_count(
    make_harness: Any, tmp_path: Path
) -> None:
    harness = _harness(make_harness, tmp_path)
    runs = forbidden_runs(harness.app.state.ctx.catalog)
    statuses: list[int] = []
    for _ in range(6):  # a new session and two junk attempts each time
        anonymous = harness.client()
        for _ in range(2):
            response = _attempt(anonymous, 0)
            statuses.append(response.status_code)
            assert not leaks(response.text, runs) and "answer" not in response.json().get("status", {})
        task = anonymous.get(f"/api/tasks/{TASK}")
        assert not leaks(task.text, runs) and "sign in" in task.json()["attempts"][0]["answer_shown_when"]
    assert statuses[:8] == [200] * 8 and set(statuses[8:]) == {429}  # per address and task: 8 an hour

    other_harness = _harness(make_harness, tmp_path / "second")
    anonymous = other_harness.client()
    assert _attempt(anonymous, 0).json()["correct"] is False
    anonymous.signup("claimer")  # the account takes over the anonymous attempt
    status = anonymous.get(f"/api/tasks/{TASK}").json()["attempts"][0]
    assert status["used"] == 1 and status["remaining"] == 1 and "answer" not in status
    assert anonymous.post("/api/auth/logout").status_code == 200
    assert anonymous.get(f"/api/tasks/{TASK}").json()["attempts"][0]["used"] == 1  # the cookie remembers


def test_votes_on_ones_own_trace_are_refused(harness: AppHarness) -> None:
    author, other = harness.client(), harness.client()
    author.signup("author")
    other.signup("other")
    trace = author.post("/api/tasks/a1b2c3d4/traces", {"text": "Mine."}).json()["trace"]
    assert trace["can_vote"] is False
    refused = author.put(f"/api/traces/{trace['id']}/vote", {"value": 1})
    assert refused.status_code == 403 and "your own trace" in refused.json()["detail"]
    listed = other.get("/api/tasks/a1b2c3d4/traces").json()["traces"][0]
    assert listed["can_vote"] is True and listed["score"] == 0
    assert other.put(f"/api/traces/{trace['id']}/vote", {"value": 1}).json()["trace"]["score"] == 1


def test_oversized_action_logs_and_bodies_get_413(make_harness: Any, tmp_path: Path) -> None:
    harness = _harness(make_harness, tmp_path)
    api = harness.client()
    api.signup("logger")
    two_mb = [{"t": 1, "pad": "x" * (2 * 1024 * 1024)}]
    assert _attempt(api, 0, actions=two_mb).status_code == 413
    body = json.dumps({"test_index": 0, "grid": ZEROS, "actions": two_mb}).encode()
    headers = {"X-CSRF-Token": api.http.cookies["arcforge_csrf"], "content-type": "application/json"}

    def chunks() -> Any:
        for start in range(0, len(body), 65536):
            yield body[start : start + 65536]

    chunked = api.http.post(f"/api/tasks/{TASK}/versions/0/attempts", content=chunks(), headers=headers)
    assert chunked.status_code == 413  # a chunked body (no Content-Length) over the limit
    just_over = [{"t": 1, "pad": "x" * (260 * 1024)}]  # under the body limit, over the 256 KiB log cap
    response = _attempt(api, 0, actions=just_over)
    assert response.status_code == 413 and "action log" in response.json()["detail"]
    assert harness.store.list_attempts() == []
    small = [{"t": 1, "tool": "edit"}]
    assert _attempt(api, 0, actions=small).status_code == 200
    chunked_ok = json.dumps({"test_index": 0, "grid": ZEROS, "actions": small}).encode()
    ok = api.http.post(f"/api/tasks/{TASK}/versions/0/attempts", content=iter([chunked_ok]), headers=headers)
    assert ok.status_code == 200 and ok.json()["status"]["used"] == 2


def test_write_budgets_per_account_and_address(make_harness: Any, tmp_path: Path) -> None:
    harness = _harness(
        make_harness, tmp_path, write_bytes_per_hour=40_000, address_write_bytes_per_hour=60_000
    )
    first, second = harness.client(), harness.client()
    first.signup("first")
    second.signup("second")
    text = "y" * 15_000
    codes = [
        first.post("/api/tasks/" + TASK + "/traces", {"text": f"{i} {text}"}).status_code for i in range(4)
    ]
    assert codes[:2] == [201, 201] and codes[-1] == 429  # the account's 40 kB an hour
    other = [
        second.post("/api/tasks/" + TASK + "/traces", {"text": f"b{i} {text}"}).status_code for i in range(3)
    ]
    assert 429 in other  # the address's 60 kB an hour, shared by both accounts
    response = second.post("/api/tasks/" + TASK + "/traces", {"text": "z" * 15_000})
    assert response.status_code == 429 and "budget" in response.json()["detail"]


def test_log_ins_for_one_account_slow_down_after_failures(harness: AppHarness) -> None:
    harness.store.create_user("target", "correct horse")
    guesser, owner = harness.client(), harness.client()
    assert [guesser.login("target", f"guess {i}").status_code for i in range(3)] == [401, 401, 401]
    delayed = owner.login("target")  # even the right password waits: the delay is the account's
    assert delayed.status_code == 429 and "this account" in delayed.json()["detail"]
    assert int(delayed.headers["Retry-After"]) >= 1
    assert guesser.login("someone-else", "x").status_code == 401  # other accounts are not slowed
    time.sleep(1.1)
    assert owner.login("target").status_code == 200
    assert guesser.login("target", "guess 4").status_code == 401  # a success cleared the failures


def test_answer_seen_records_a_look_before_an_attempt(make_harness: Any, tmp_path: Path) -> None:
    harness = _harness(make_harness, tmp_path)
    _signed_versions(harness)
    moderator = harness.moderator()
    assert moderator.get(f"/api/tasks/{TASK}").json()["attempts"][0]["answer"] == _answer(harness)
    assert _attempt(moderator, 0, _answer(harness)).json()["correct"] is True
    exported = {a["account"]: a for a in moderator.get("/api/export").json()["attempts"]}
    assert exported["mod"]["answer_seen"] is True and exported["owner"]["answer_seen"] is False
    assert exported["mod"]["counts_against"] == "v0:test:0"
