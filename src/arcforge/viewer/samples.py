"""One task of a run: its pairs, every sample with its reply, program and verdict per pair, and lineage.

Samples are read back from ``records.jsonl`` by the byte offsets the index keeps, one page at a time;
their per-pair verdicts come from :mod:`arcforge.viewer.verdicts`. A benchmark run stores its tasks
without test outputs; the expected outputs come from the dataset named in ``score.json`` when it is
still there and unchanged (same content hash). Model replies are passed on as text: the page renders
them as text only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from arcforge.errors import ArcforgeError
from arcforge.viewer.catalog import RunFolder
from arcforge.viewer.index import RECORDS, VERIFICATION, RunIndex
from arcforge.viewer.jsonl import read_line
from arcforge.viewer.summary import score_document
from arcforge.viewer.verdicts import pair_list, sample_pairs, submitted_attempts

__all__ = ["task_detail"]

_SAMPLE_FIELDS = (
    "key",
    "sample_index",
    "status",
    "kind",
    "model",
    "template",
    "prompt_messages",
    "completion",
    "thinking",
    "explanation",
    "entry",
    "error",
    "parse_error",
    "usage",
    "cost_usd",
    "latency_s",
    "cached",
    "finish_reason",
    "retries",
    "created_at",
    "parent",
    "round",
    "feedback",
    "feedback_hash",
    "attempts",
    "synthesis",
)


LINEAGE_NODES = 5000  # the tree of a refined task is drawn from at most this many programs
_HEX = re.compile(r"^[0-9a-f]{8,128}$")
_FEEDBACK_MAX = 200_000


@lru_cache(maxsize=4)
def _dataset(spec: str, content_hash: str | None) -> Any:
    from arcforge.datasets import load_dataset

    try:
        dataset = load_dataset(spec)
    except ArcforgeError:
        return None
    return None if content_hash and dataset.content_hash != content_hash else dataset


def _ground_truth(run: RunFolder, task: str) -> dict[str, Any] | None:
    score = score_document(run)
    spec = (score or {}).get("dataset_spec") or (score or {}).get("dataset")
    if not spec:
        return None
    dataset = _dataset(str(spec), (score or {}).get("dataset_hash"))
    if dataset is None:
        return None
    task_id, _, version = task.partition(":v")
    try:
        found: dict[str, Any] = dataset.get(task_id, int(version or 0)).to_dict()
    except (ArcforgeError, ValueError):
        return None
    return found


def _feedback(run: RunFolder, digest: str) -> str | None:
    """The revision feedback a refined record names by hash (``RUN_DIR/feedback/<hash>.txt``)."""
    if not _HEX.match(digest):
        return None
    file = run.file(f"feedback/{digest}.txt")
    if file is None:
        return None
    with file.open("rb") as handle:
        return handle.read(_FEEDBACK_MAX).decode("utf-8", "replace")


def _with_truth(task_data: Mapping[str, Any], truth: Mapping[str, Any] | None) -> dict[str, Any]:
    """The record's task with the test outputs filled in from the dataset where the record lacks them."""
    merged = {
        "train": pair_list(task_data, "train"),
        "test": [dict(p) for p in pair_list(task_data, "test") if isinstance(p, Mapping)],
    }
    truth_test = pair_list(truth or {}, "test")
    for i, pair in enumerate(merged["test"]):
        if pair.get("output") is None and i < len(truth_test):
            pair["output"] = truth_test[i].get("output")
    if not merged["train"] and truth:
        merged = {"train": pair_list(truth, "train"), "test": pair_list(truth, "test")}
    return merged


def task_detail(
    run: RunFolder, index: RunIndex, task: str, *, offset: int = 0, limit: int = 50
) -> dict[str, Any] | None:
    """The task page's data, or None when the run holds no sample of ``task`` and did not score it."""
    columns = "off, len, key, sample_index, status, parent, round, train_passed, train_total"
    with index.read() as conn:
        total = conn.execute("SELECT count(*) FROM live WHERE task = ?", (task,)).fetchone()[0]
        page = conn.execute(
            f"SELECT {columns} FROM live WHERE task = ? ORDER BY sample_index, id LIMIT ? OFFSET ?",  # noqa: S608
            (task, limit, offset),
        ).fetchall()
        refined = conn.execute(
            "SELECT 1 FROM live WHERE task = ? AND (parent IS NOT NULL OR round > 0) LIMIT 1", (task,)
        ).fetchone()
        rows = (
            conn.execute(
                f"SELECT {columns} FROM live WHERE task = ? ORDER BY sample_index, id LIMIT ?",  # noqa: S608
                (task, LINEAGE_NODES),
            ).fetchall()
            if refined
            else []
        )
        keys = [row["key"] for row in page if row["key"] is not None]
        marks = ",".join("?" * len(keys))
        found = (
            conn.execute(
                f"SELECT key, verified, outcome, off, len FROM verification WHERE key IN ({marks})",
                keys,  # noqa: S608
            ).fetchall()
            if keys
            else []
        )
    verification_at = {row["key"]: row for row in found}
    truth = _ground_truth(run, task)
    if not total and truth is None:
        return None
    records_file, verification_file = index.file(RECORDS), index.file(VERIFICATION)
    samples: list[dict[str, Any]] = []
    task_data: dict[str, Any] | None = None
    for row in page:
        record = read_line(records_file, row["off"], row["len"]) if records_file else None
        if not isinstance(record, Mapping):
            continue
        if task_data is None and isinstance(record.get("task_data"), Mapping):
            task_data = _with_truth(record["task_data"], truth)
        check = verification_at.get(row["key"])
        entry = (
            read_line(verification_file, check["off"], check["len"]) if check and verification_file else None
        )
        sample = {name: record.get(name) for name in _SAMPLE_FIELDS}
        sample["code"] = record.get("python_code")
        if not sample["feedback"] and isinstance(sample["feedback_hash"], str):
            sample["feedback"] = _feedback(run, sample["feedback_hash"])
        sample["verified"] = None if check is None else bool(check["verified"])
        sample["outcome"] = None if check is None else check["outcome"]
        sample["train_passed"], sample["train_total"] = row["train_passed"], row["train_total"]
        sample["pairs"] = sample_pairs(
            record, entry if isinstance(entry, Mapping) else None, task_data or truth or {}
        )
        samples.append(sample)
    if task_data is None:
        task_data = _with_truth({}, truth) if truth else {"train": [], "test": []}
    lineage = [
        {
            "key": r["key"],
            "parent": r["parent"],
            "round": r["round"] or 0,
            "sample_index": r["sample_index"],
            "status": r["status"],
            "train_passed": r["train_passed"],
            "train_total": r["train_total"],
        }
        for r in rows
    ]
    per_task = ((score_document(run) or {}).get("per_task") or {}).get(task)
    task_id, _, version = task.partition(":v")
    return {
        "run_id": run.id,
        "task": task,
        "task_id": task_id,
        "task_version": int(version or 0) if version.isdigit() else 0,
        "pairs": task_data,
        "total": total,
        "offset": offset,
        "limit": limit,
        "samples": samples,
        "lineage": lineage,
        "lineage_truncated": len(lineage) < total if lineage else False,
        "benchmark": per_task,
        "submitted": submitted_attempts(run, task, pair_list(task_data, "test")) if per_task else [],
    }
