"""Verdicts per pair: what a sample's program (or direct answer) gave on each pair, against the expected
output, wherever the run keeps it; and what a benchmark submitted for a task, and why.

A sample's verdicts come from ``verification.jsonl`` (generate runs after ``arcforge verify``), the
record's ``benchmark`` block (code benchmarks and refinement: train statuses, sometimes train outputs, and
test predictions) or its ``attempts`` (direct benchmarks). Statuses use verification's words: ``passed``,
``failed``, or the sandbox's failure kind; ``unknown`` when the expected output is not known.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from arcforge.viewer.catalog import RunFolder
from arcforge.viewer.summary import score_document

__all__ = ["pair_list", "sample_pairs", "submitted_attempts"]

_TRAIN_STATUS = {"ok": "passed", "wrong": "failed"}  # a benchmark block's words, as verification's


def pair_list(task: Mapping[str, Any], split: str) -> list[Any]:
    pairs = task.get(split)
    return pairs if isinstance(pairs, list) else []


def _expected(pairs: list[Any], index: Any) -> Any:
    if isinstance(index, int) and 0 <= index < len(pairs) and isinstance(pairs[index], Mapping):
        return pairs[index].get("output")
    return None


def _judge(output: Any, expected: Any) -> str:
    if output is None:
        return "no_output"
    if expected is None:
        return "unknown"
    return "passed" if output == expected else "failed"


def sample_pairs(
    record: Mapping[str, Any], verification: Mapping[str, Any] | None, task: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """The sample's verdict on every pair: ``split``, ``index``, ``status``, ``output``, ``expected``, ``error``."""
    train, test = pair_list(task, "train"), pair_list(task, "test")
    pairs: list[dict[str, Any]] = []
    if verification and isinstance(verification.get("pairs"), list):
        for item in verification["pairs"]:
            if not isinstance(item, Mapping):
                continue
            split = "test" if item.get("split") == "test" else "train"
            expected = _expected(train if split == "train" else test, item.get("index"))
            output = item.get("output")
            if output is None and item.get("status") == "passed":
                output = expected
            pairs.append(
                {
                    "split": split,
                    "index": item.get("index"),
                    "status": item.get("status"),
                    "output": output,
                    "expected": expected,
                    "error": item.get("error"),
                }
            )
        return pairs
    bench = record.get("benchmark")
    if isinstance(bench, Mapping):
        for i, item in enumerate(bench.get("train") or []):
            item = item if isinstance(item, Mapping) else {}
            expected = _expected(train, i)
            status = item.get("status")
            output = item.get("output", expected if status == "ok" else None)
            pairs.append(
                {
                    "split": "train",
                    "index": i,
                    "status": _TRAIN_STATUS.get(str(status), status),
                    "output": output,
                    "expected": expected,
                    "error": item.get("error"),
                }
            )
        statuses = list(bench.get("test_status") or [])
        errors = list(bench.get("test_errors") or [])
        for i, output in enumerate(bench.get("test_outputs") or []):
            expected = _expected(test, i)
            status = statuses[i] if i < len(statuses) else None
            pairs.append(
                {
                    "split": "test",
                    "index": i,
                    "status": _judge(output, expected) if status in (None, "ok") else status,
                    "output": output,
                    "expected": expected,
                    "error": errors[i] if i < len(errors) else None,
                }
            )
        return pairs
    attempts = record.get("attempts")
    if isinstance(attempts, list):
        for i, grids in enumerate(attempts):
            expected = _expected(test, i)
            for number, grid in enumerate(grids if isinstance(grids, list) else [], start=1):
                pairs.append(
                    {
                        "split": "test",
                        "index": i,
                        "attempt": number,
                        "status": _judge(grid, expected),
                        "output": grid,
                        "expected": expected,
                        "error": None,
                    }
                )
    return pairs


def _json_file(run: RunFolder, name: str) -> Any:
    file = run.file(name)
    if file is None:
        return None
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def submitted_attempts(run: RunFolder, task: str, test_pairs: list[Any]) -> list[dict[str, Any]]:
    """A benchmark's submitted attempts for ``task``, per test input: each attempt's grid, whether it is
    right (``score.json``) and why it was chosen (``selection.json`` of a refined run)."""
    submission = _json_file(run, "submission.json")
    entries = submission.get(task) if isinstance(submission, dict) else None
    if not isinstance(entries, list):
        return []
    result = ((score_document(run) or {}).get("per_task") or {}).get(task) or {}
    correct = result.get("attempt_correct") or []
    selection = _json_file(run, "selection.json")
    reasons = selection.get(task) if isinstance(selection, dict) else None
    shown = []
    for i, entry in enumerate(entries):
        entry = entry if isinstance(entry, dict) else {}
        why = (
            reasons[i]
            if isinstance(reasons, list) and i < len(reasons) and isinstance(reasons[i], dict)
            else {}
        )
        rights = correct[i] if i < len(correct) and isinstance(correct[i], list) else []
        attempts = []
        for number, name in enumerate(("attempt_1", "attempt_2")):
            found = why.get(name)
            reason: dict[str, Any] = found if isinstance(found, dict) else {}
            attempts.append(
                {
                    "grid": entry.get(name),
                    "correct": rights[number] if number < len(rights) else None,
                    "reason": reason.get("reason"),
                    "programs": reason.get("programs"),
                }
            )
        shown.append({"test_index": i, "expected": _expected(test_pairs, i), "attempts": attempts})
    return shown
