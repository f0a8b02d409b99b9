"""Variations: preview, sign into a new version, sign again, swaps, retiring, and the export."""

from __future__ import annotations

import json

from web_helpers import ANSWERS, AppHarness


def test_transforms_are_listed(harness: AppHarness) -> None:
    names = [t["name"] for t in harness.client().get("/api/transforms").json()["transforms"]]
    assert {"rot90", "flip_lr", "transpose", "colors:0123456789->0987654321"} <= set(names)


def test_preview_shows_the_transformed_task_without_test_outputs(harness: AppHarness) -> None:
    api = harness.client()
    response = api.post("/api/tasks/b7e5f012/versions/0/preview", {"transform": "rot90"})
    data = response.json()
    assert response.status_code == 200 and data["transform"] == "rot90" and data["existing_version"] is None
    assert data["train"][0] == {"input": [[1], [2], [3]], "output": [[3], [2], [1]]}
    assert data["test"] == [{"input": [[1, 8, 6], [2, 9, 7]]}]
    assert "[[2,9,7],[1,8,6]]" not in response.text.replace(" ", "")  # the rotated answer
    assert api.post("/api/tasks/b7e5f012/versions/0/preview", {"transform": "spin"}).status_code == 400


def test_signing_makes_a_new_version_and_signing_again_adds_a_signature(harness: AppHarness) -> None:
    ann, ben = harness.client(), harness.client()
    assert ann.post("/api/tasks/b7e5f012/versions/0/sign", {"transform": "rot90"}).status_code == 401
    ann.signup("ann")
    ben.signup("ben")
    first = ann.post("/api/tasks/b7e5f012/versions/0/sign", {"transform": "rot90"}).json()
    assert first == {
        "id": "b7e5f012",
        "version": 1,
        "created": True,
        "signers": ["ann"],
        "parent_version": 0,
        "transform": "rot90",
    }
    second = ben.post("/api/tasks/b7e5f012/versions/0/sign", {"transform": "rot90"}).json()
    assert second["version"] == 1 and second["created"] is False and second["signers"] == ["ann", "ben"]
    preview = ben.post("/api/tasks/b7e5f012/versions/0/preview", {"transform": "rot90"}).json()
    assert preview["existing_version"] == 1
    # a variation of version 1 gets version 2; version 1 keeps its meaning
    third = ben.post("/api/tasks/b7e5f012/versions/1/sign", {"transform": "flip_lr"}).json()
    assert third["version"] == 2 and third["parent_version"] == 1
    task = ben.get("/api/tasks/b7e5f012?version=1").json()
    assert task["provenance"] == {"parent_version": 0, "transform": "rot90"} and task["signers"] == [
        "ann",
        "ben",
    ]
    assert task["test"] == [{"input": [[1, 8, 6], [2, 9, 7]]}]
    assert [v["version"] for v in task["versions"]] == [0, 1, 2]
    # solving the new version is checked against the rotated answer
    solved = ben.post(
        "/api/tasks/b7e5f012/versions/1/attempts", {"test_index": 0, "grid": [[2, 9, 7], [1, 8, 6]]}
    )
    assert solved.json()["correct"] is True


def test_identity_signs_the_original(harness: AppHarness) -> None:
    api = harness.client()
    api.signup("ann")
    signed = api.post("/api/tasks/a1b2c3d4/versions/0/sign", {"transform": "identity"}).json()
    assert signed["version"] == 0 and signed["created"] is False and signed["signers"] == ["ann"]


def test_a_swap_is_withheld_and_unsignable_until_the_attempts_on_that_input_are_done(
    harness: AppHarness,
) -> None:
    api = harness.client()
    api.signup("ann")
    early = api.post("/api/tasks/c0ffee99/versions/0/preview", {"transform": "swap:0,1"})
    assert early.status_code == 200 and early.json()["train"][0]["output"] is None
    assert "[3], [3]" not in early.text and "[[3],[3]]" not in early.text.replace(" ", "")
    reason = early.json()["withheld"][0]["reason"]
    assert early.json()["withheld"][0]["train_index"] == 0 and "test input 2" in reason
    refused = api.post("/api/tasks/c0ffee99/versions/0/sign", {"transform": "swap:0,1"})
    assert refused.status_code == 403 and "attempts" in refused.json()["detail"]
    # one numbering for the page's test input (1-based) throughout the message
    assert "test input 2" in refused.json()["detail"] and "test output 1" not in refused.json()["detail"]
    api.post("/api/tasks/c0ffee99/versions/0/attempts", {"test_index": 1, "grid": ANSWERS["c0ffee99"][1]})
    preview = api.post("/api/tasks/c0ffee99/versions/0/preview", {"transform": "swap:0,1"}).json()
    assert preview["train"][0] == {"input": [[0], [0]], "output": [[3], [3]]} and preview["withheld"] == []
    assert (
        api.post("/api/tasks/c0ffee99/versions/0/sign", {"transform": "swap:0,1"}).json()["created"] is True
    )
    assert api.post("/api/tasks/c0ffee99/versions/0/preview", {"transform": "swap:5,0"}).status_code == 400


def test_only_moderators_retire_versions_and_numbers_keep_their_meaning(harness: AppHarness) -> None:
    ann = harness.client()
    ann.signup("ann")
    ann.post("/api/tasks/b7e5f012/versions/0/sign", {"transform": "rot180"})
    assert ann.post("/api/tasks/b7e5f012/versions/1/retire", {"retired": True}).status_code == 403
    mod = harness.moderator()
    assert mod.post("/api/tasks/b7e5f012/versions/1/retire", {"retired": True}).json()["retired"] is True
    task = ann.get("/api/tasks/b7e5f012?version=1").json()
    assert task["retired"] is True
    # the same content signed again becomes a new number; version 1 is still the retired one
    again = ann.post("/api/tasks/b7e5f012/versions/0/sign", {"transform": "rot180"}).json()
    assert again["version"] == 2 and again["created"] is True
    assert mod.post("/api/tasks/b7e5f012/versions/1/retire", {"retired": False}).json()["retired"] is False


def test_export_is_for_moderators_and_holds_everything(harness: AppHarness) -> None:
    ann = harness.client()
    ann.signup("ann")
    ann.post("/api/tasks/a1b2c3d4/traces", {"text": "exported trace"})
    ann.post(
        "/api/tasks/a1b2c3d4/versions/0/attempts",
        {"test_index": 0, "grid": [[1]], "actions": [{"t": 1, "tool": "edit", "grid": "1x1:1"}]},
    )
    ann.post("/api/tasks/a1b2c3d4/versions/0/sign", {"transform": "flip_ud"})
    assert ann.get("/api/export").status_code == 403
    assert harness.client().get("/api/export").status_code == 401
    response = harness.moderator().get("/api/export")
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    text = json.dumps(response.json())
    assert "exported trace" in text and '"tool": "edit"' in text and "flip_ud" in text
