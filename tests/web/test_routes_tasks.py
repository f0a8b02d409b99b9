"""Tasks and attempts: the page gets test inputs only; answers come after the attempts are done."""

from __future__ import annotations

import json

from web_helpers import ANSWERS, Api, AppHarness


def _contains_answer(text: str, task_id: str) -> bool:
    return any(
        json.dumps(answer, separators=(",", ":")) in text.replace(" ", "") for answer in ANSWERS[task_id]
    )


def test_list_search_and_lookup_by_id_and_number(api: Api) -> None:
    listing = api.get("/api/tasks").json()
    assert [t["id"] for t in listing["tasks"]] == ["a1b2c3d4", "b7e5f012", "c0ffee99"]
    assert [t["id"] for t in api.get("/api/tasks?prefix=B7").json()["tasks"]] == ["b7e5f012"]
    assert api.get("/api/tasks?prefix=zz").json()["tasks"] == []
    by_number = api.get("/api/tasks/%232").json()
    assert by_number["id"] == "b7e5f012" and by_number["number"] == 2 and by_number["total"] == 3
    assert api.get("/api/tasks/3").json()["id"] == "c0ffee99"
    task = api.get("/api/tasks/a1b2c3d4").json()
    assert task["prev"] == "c0ffee99" and task["next"] == "b7e5f012"
    assert api.get("/api/tasks/nope").status_code == 404
    assert api.get("/api/tasks/%2399").status_code == 404
    assert api.get("/api/tasks/a1b2c3d4?version=7").status_code == 404


def test_a_task_has_train_pairs_and_test_inputs_but_no_test_output(api: Api) -> None:
    for task_id in ANSWERS:
        response = api.get(f"/api/tasks/{task_id}")
        task = response.json()
        assert all("output" in pair for pair in task["train"])
        assert all(set(pair) == {"input"} for pair in task["test"])
        assert not _contains_answer(response.text, task_id)
        versions = api.get(f"/api/tasks/{task_id}/versions")
        assert [v["version"] for v in versions.json()["versions"]] == [0]
        assert not _contains_answer(versions.text, task_id)


def test_a_correct_answer_is_solved_and_shows_the_answer(harness: AppHarness) -> None:
    api = harness.client()
    api.signup("solver")
    actions = [{"t": 1764000000000, "tool": "edit", "colour": 2, "cells": [[0, 1]], "grid": "2x3:020000"}]
    response = api.post(
        "/api/tasks/a1b2c3d4/versions/0/attempts",
        {"test_index": 0, "grid": ANSWERS["a1b2c3d4"][0], "actions": actions},
    )
    data = response.json()
    assert response.status_code == 200 and data["correct"] is True
    assert data["status"] == {
        "index": 0,
        "used": 1,
        "remaining": 0,
        "solved": True,
        "done": True,
        "last_correct": True,
        "counts_against": "v0:test:0",
        "answer_shown_when": "now",
        "answer": ANSWERS["a1b2c3d4"][0],
    }
    again = api.post("/api/tasks/a1b2c3d4/versions/0/attempts", {"test_index": 0, "grid": [[1]]})
    assert again.status_code == 409
    stored = harness.store.list_attempts(task_id="a1b2c3d4")
    assert len(stored) == 1 and stored[0].correct and stored[0].action_log == actions
    assert stored[0].user_id == 1 and stored[0].task_version == 0
    status = api.get("/api/tasks/a1b2c3d4").json()["attempts"][0]
    assert status["solved"] and status["answer"] == ANSWERS["a1b2c3d4"][0]


def test_two_wrong_attempts_end_the_input_and_reveal_the_answer(api: Api) -> None:
    api.signup("spender")  # answers are shown to accounts only
    wrong_width = [[0, 2], [2, 0]]  # right height, wrong width
    first = api.post("/api/tasks/a1b2c3d4/versions/0/attempts", {"test_index": 0, "grid": wrong_width}).json()
    assert first["correct"] is False and first["status"]["remaining"] == 1 and "answer" not in first["status"]
    one_cell = [[0, 2, 2], [2, 0, 1]]  # right size, one cell wrong
    second = api.post("/api/tasks/a1b2c3d4/versions/0/attempts", {"test_index": 0, "grid": one_cell}).json()
    assert (
        second["correct"] is False
        and second["status"]["done"]
        and second["status"]["answer"] == ANSWERS["a1b2c3d4"][0]
    )
    third = api.post(
        "/api/tasks/a1b2c3d4/versions/0/attempts", {"test_index": 0, "grid": ANSWERS["a1b2c3d4"][0]}
    )
    assert third.status_code == 409


def test_attempts_are_counted_per_solver_and_per_test_input(harness: AppHarness) -> None:
    anonymous, other = harness.client(), harness.client()
    anonymous.post("/api/tasks/c0ffee99/versions/0/attempts", {"test_index": 0, "grid": [[1]]})
    statuses = anonymous.get("/api/tasks/c0ffee99").json()["attempts"]
    assert [s["used"] for s in statuses] == [1, 0]
    assert [s["used"] for s in other.get("/api/tasks/c0ffee99").json()["attempts"]] == [0, 0]
    anonymous.signup("named")  # the account claims the anonymous attempt: it keeps counting
    assert [s["used"] for s in anonymous.get("/api/tasks/c0ffee99").json()["attempts"]] == [1, 0]
    other.signup("fresh")  # a new account on a browser that made no attempt starts at zero
    assert [s["used"] for s in other.get("/api/tasks/c0ffee99").json()["attempts"]] == [0, 0]


def test_malformed_attempts_are_refused_and_not_counted(api: Api) -> None:
    bad = [
        {"test_index": 0, "grid": [[0, 1], [1]]},  # ragged
        {"test_index": 0, "grid": [[10]]},  # colour out of range
        {"test_index": 0, "grid": [["1"]]},  # not an integer
        {"test_index": 0, "grid": [[0] * 31]},  # too wide
        {"test_index": 5, "grid": [[0]]},  # no such test input
        {"test_index": 0, "grid": []},
    ]
    for body in bad:
        assert api.post("/api/tasks/a1b2c3d4/versions/0/attempts", body).status_code in (400, 422), body
    assert api.get("/api/tasks/a1b2c3d4").json()["attempts"][0]["used"] == 0


def test_pages_are_served_without_inline_scripts_or_answers(api: Api) -> None:
    for path in ("/", "/apps/testing_interface.html"):
        response = api.get(path)
        assert response.status_code == 200 and "text/html" in response.headers["content-type"]
        assert "<script>" not in response.text and '<script type="module" src=' in response.text
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert response.headers["x-content-type-options"] == "nosniff"
    assert api.get("/static/js/testing.js").status_code == 200
    assert api.get("/docs").status_code == 200
    assert "/api/tasks/{ref}" in api.get("/openapi.json").json()["paths"]


def test_health(api: Api) -> None:
    assert api.get("/api/health").json() == {
        "status": "ok",
        "dataset": api.get("/api/tasks").json()["dataset"],
        "tasks": 3,
        "users": 0,
    }
