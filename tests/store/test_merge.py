"""Merging a run's records: author = the model, provenance = the run, nothing added twice."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from arcforge.store import InvalidInput, Store


def _record(
    task_id: str, sample: int, text: str | None, *, status: str = "ok", run_id: str = "run-1"
) -> dict[str, Any]:
    return {
        "key": f"{task_id}:v0:s{sample}",
        "run_id": run_id,
        "kind": "code",
        "task_id": task_id,
        "task_version": 0,
        "sample_index": sample,
        "model": "openai:gpt-test",
        "status": status,
        "explanation": text,
        "reasoning": None,
        "python_code": "def solve(grid):\n    return grid\n",
        "created_at": "2026-11-25T12:00:00+00:00",
    }


def _run(
    tmp_path: Path, records: list[dict[str, Any]], verification: list[dict[str, Any]] | None = None
) -> Path:
    run = tmp_path / "run"
    run.mkdir(exist_ok=True)
    (run / "records.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    (run / "manifest.json").write_text(json.dumps({"run_id": "run-1"}))
    if verification is not None:
        (run / "verification.jsonl").write_text("".join(json.dumps(v) + "\n" for v in verification))
    return run


def test_merge_adds_model_traces_once(store: Store, tmp_path: Path) -> None:
    run = _run(
        tmp_path,
        [
            _record("t1", 0, "Flip it."),
            _record("t1", 1, "Flip it."),  # same text: one trace
            _record("t2", 0, "Count."),
            _record("t2", 1, None),  # nothing to merge
            _record("t3", 0, "Broken.", status="parse_failure"),
        ],
    )
    report = store.merge_run(run)
    assert (report.added, report.unchanged, report.skipped) == (2, 1, 2)
    trace = store.list_traces("t1")[0]
    assert (trace.author, trace.author_kind, trace.model) == ("openai:gpt-test", "model", "openai:gpt-test")
    assert (trace.run_id, trace.record_key, trace.task_version) == ("run-1", "t1:v0:s0", 0)
    again = store.merge_run(run)
    assert (again.added, again.unchanged) == (0, 3)
    assert store.count_traces() == 2


def test_reasoning_is_used_when_there_is_no_explanation(store: Store, tmp_path: Path) -> None:
    record = _record("t1", 0, None) | {"reasoning": "Think: the colours swap."}
    store.merge_run(_run(tmp_path, [record]))
    assert store.list_traces("t1")[0].text == "Think: the colours swap."


def test_verified_only(store: Store, tmp_path: Path) -> None:
    records = [_record("t1", 0, "good"), _record("t1", 1, "bad"), _record("t1", 2, "unverified")]
    verification = [
        {"key": "t1:v0:s0", "verified": False, "pairs": []},
        {"key": "t1:v0:s0", "verified": True, "pairs": []},  # the last line for a key wins
        {"key": "t1:v0:s1", "verified": False, "pairs": []},
    ]
    report = store.merge_run(_run(tmp_path, records, verification), verified_only=True)
    assert (report.added, report.skipped) == (1, 2)
    assert [t.text for t in store.list_traces("t1")] == ["good"]
    assert store.list_traces("t1")[0].extra["verified"] is True


def test_verified_only_needs_verification(store: Store, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="arcforge verify"):
        store.merge_run(_run(tmp_path, [_record("t1", 0, "x")]), verified_only=True)


def test_truncated_last_line_is_ignored_but_corruption_is_not(store: Store, tmp_path: Path) -> None:
    run = _run(tmp_path, [_record("t1", 0, "whole")])
    with (run / "records.jsonl").open("a") as fh:
        fh.write('{"key": "t1:v0:s1", "task_')
    assert store.merge_run(run).added == 1
    (run / "records.jsonl").write_text("garbage\n" + json.dumps(_record("t1", 1, "x")) + "\n")
    with pytest.raises(InvalidInput, match="line 1"):
        store.merge_run(run)


def test_missing_records(store: Store, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="records.jsonl"):
        store.merge_run(tmp_path)


def _merge_in_process(args: tuple[str, str]) -> int:
    from arcforge.store import open_store

    url, run = args
    with open_store(url) as store:
        return store.merge_run(run).added


def test_concurrent_merges_of_one_run_add_each_trace_once(db_url: str, tmp_path: Path) -> None:
    import multiprocessing

    run = _run(tmp_path, [_record(f"t{i % 7}", i, f"rule number {i}") for i in range(300)])
    with multiprocessing.get_context("spawn").Pool(3) as pool:
        added = pool.map(_merge_in_process, [(db_url, str(run))] * 3)
    assert sum(added) == 300
    from arcforge.store import open_store

    with open_store(db_url) as store:
        assert store.count_traces() == 300 and store.info().counts["merges"] == 300
