"""The original system's traces, imported into the store, on the page of their task."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def test_imported_traces_are_listed_by_author_and_labelled(make_harness: Any, shared_fixtures: Path) -> None:
    harness = make_harness(dataset="arc-agi-2/training")
    report = harness.store.import_traces_store(shared_fixtures / "traces_store.json")
    assert report.added > 0
    original = json.loads((shared_fixtures / "traces_store.json").read_text())["00576224"]
    api = harness.client()
    task = api.get("/api/tasks/00576224").json()
    assert task["id"] == "00576224" and set(task["test"][0]) == {"input"}
    traces = api.get("/api/tasks/00576224/traces").json()["traces"]
    assert sorted(t["author"] for t in traces) == sorted(e["username"] for e in original)
    for trace in traces:
        expected = "model" if "/" in trace["author"] else "human"
        assert trace["author_kind"] == expected and not trace["can_edit"]
    scores = [t["score"] for t in traces]
    assert scores == sorted(scores, reverse=True)
