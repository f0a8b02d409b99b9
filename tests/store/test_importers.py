"""The original system's files: lossless trace-store round trip, and dataset.json import."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from arcforge.store import InvalidInput, Store, User

FIXTURES = Path(__file__).parent / "fixtures"
SMALL = FIXTURES / "traces_store_small.json"


def test_small_store_round_trips_exactly(store: Store) -> None:
    report = store.import_traces_store(SMALL)
    assert (report.added, report.skipped, report.problems) == (4, 0, ())
    assert store.export_traces_store() == json.loads(SMALL.read_text())


def test_import_keeps_authors_scores_and_voters(store: Store) -> None:
    store.import_traces_store(SMALL)
    by_public = {t.public_id: t for t in store.list_traces()}
    model = by_public["aa11bb22_anthropic/claude-3.7-sonnet_0a1b2c3d"]
    human = by_public["aa11bb22_artnoage_pcAiw0J9"]
    based = by_public["cc33dd44_Vaios_feH5VFuC"]
    assert (model.author_kind, model.model, model.user_id) == ("model", "anthropic/claude-3.7-sonnet", None)
    assert (human.author_kind, human.text) == ("human", "\n  Each row is reversed.  \n")
    assert (human.score, human.up, human.down) == (0, 1, 1)
    assert by_public["cc33dd44_gpt-4o_11112222"].author_kind == "model"
    assert based.score == 5  # 4 unexplained by voters + artnoage's +1
    assert store.trace_voters(human.id) == {"mouridis": 1, "Vaios": -1}
    assert [t.public_id for t in store.list_traces("cc33dd44")][0] == "cc33dd44_Vaios_feH5VFuC"


def test_reimport_adds_nothing(store: Store) -> None:
    store.import_traces_store(SMALL)
    again = store.import_traces_store(SMALL)
    assert (again.added, again.unchanged, again.votes) == (0, 4, 0)
    assert store.count_traces() == 4 and store.info().counts["votes"] == 4


def test_account_votes_join_the_export(store: Store, alice: User) -> None:
    store.import_traces_store(SMALL)
    trace = store.get_trace("aa11bb22_artnoage_pcAiw0J9")
    assert store.vote(trace.id, user=alice, value=1).score == 1
    exported = store.export_traces_store()["aa11bb22"][1]
    assert exported["voters"] == {"mouridis": 1, "Vaios": -1, "alice": 1} and exported["score"] == 1


def test_new_traces_export_in_the_original_shape(store: Store, alice: User) -> None:
    trace = store.add_trace("zz", "fresh", user=alice)
    (entry,) = store.export_traces_store()["zz"]
    assert entry["trace_id"] == trace.public_id and entry["username"] == "alice"
    assert entry["timestamp"] == pytest.approx(trace.created_at.timestamp())
    assert (entry["score"], entry["voters"], entry["task_id"]) == (0, {}, "zz")


def test_duplicate_text_is_merged_and_reported(store: Store) -> None:
    data = json.loads(SMALL.read_text())
    twin = dict(data["aa11bb22"][0], trace_id="twin", voters={"zed": 1})
    report = store.import_traces_store({"aa11bb22": [data["aa11bb22"][0], twin]})
    assert report.added == 1 and len(report.problems) == 1 and "same text" in report.problems[0]
    assert store.get_trace("aa11bb22_anthropic/claude-3.7-sonnet_0a1b2c3d").score == 1


def test_bad_entries_are_reported_not_fatal(store: Store, tmp_path: Path) -> None:
    report = store.import_traces_store(
        {"t": [{"no": "text"}, {"text": "ok", "voters": {"a": "yes"}}], "u": 5}
    )
    assert report.added == 0 and len(report.problems) == 3
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(InvalidInput, match="not readable JSON"):
        store.import_traces_store(bad)
    with pytest.raises(InvalidInput, match="no such file"):
        store.import_traces_store(tmp_path / "absent.json")
    with pytest.raises(InvalidInput, match="JSON object"):
        store.import_traces_store([1, 2])  # type: ignore[arg-type]


def test_original_trace_store_round_trips(store: Store, shared_fixtures: Path) -> None:
    path = shared_fixtures / "traces_store.json"
    original = json.loads(path.read_text())
    report = store.import_traces_store(path)
    assert (report.added, report.problems) == (259, ())
    traces = store.list_traces()
    assert len(traces) == 259 and len({t.task_id for t in traces}) == 108
    assert Counter(t.author_kind for t in traces) == {"model": 245, "human": 14}
    assert sorted(t.score for t in traces)[-2:] == [2, 2]
    assert store.export_traces_store() == original
    first = store.list_traces("00576224")
    assert first and all(t.author for t in first)


def test_small_dataset_import(store: Store) -> None:
    report = store.import_dataset_file(FIXTURES / "dataset_small.json")
    assert (report.added, report.skipped, report.signatures) == (3, 1, 4)
    assert "ee55ff66" in report.problems[0] and "row" in report.problems[0]
    versions = store.list_task_versions("aa11bb22")
    assert [(v.version, v.signers) for v in versions] == [(0, ("gkamradt",)), (1, ("artnoage", "mouridis"))]
    assert store.get_task("aa11bb22", 1).test[0].output is not None
    assert store.get_task("cc33dd44", 0).test[0].output is None
    again = store.import_dataset_file(FIXTURES / "dataset_small.json")
    assert (again.added, again.unchanged, again.signatures) == (0, 3, 0)


def test_dataset_conflict_is_reported(store: Store) -> None:
    entries = json.loads((FIXTURES / "dataset_small.json").read_text())[:1]
    store.import_dataset_file(entries)
    changed = [dict(entries[0], train=[{"input": [[9]], "output": [[9]]}])]
    report = store.import_dataset_file(changed)
    assert report.skipped == 1 and "different content" in report.problems[0]


def test_original_dataset_import(store: Store, shared_fixtures: Path) -> None:
    entries = json.loads((shared_fixtures / "dataset.json").read_text())
    report = store.import_dataset_file(shared_fixtures / "dataset.json")
    assert report.added == len(entries) and report.problems == ()
    exported = store.export_dataset()
    key = lambda e: (e.get("task_id") or e["id"], e["version"])  # noqa: E731
    assert {key(e): (e["signed_by"], e["train"], e["test"]) for e in entries} == {
        key(e): (e["signed_by"], e["train"], e["test"]) for e in exported
    }
