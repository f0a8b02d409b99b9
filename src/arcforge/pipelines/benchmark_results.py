"""From a benchmark's records to ``submission.json`` and ``score.json``.

This is the only place where the hidden test outputs meet the model's answers, and it happens in two
separate steps. First the submission is built from the records alone: in direct mode each test
input's attempts are the grids the samples gave, in sample order, duplicates dropped, at most two; in
code mode :func:`arcforge.pipelines.selection.select_attempts` picks them from the programs' train
results and test predictions. Neither step is handed a test output (the functions take records and
*task ids and test counts*, not tasks). Then the submission is scored against the ground truth by the
ARC Prize rule (:mod:`arcforge.pipelines.scorecard`), and in code mode the oracle (is *any* of the K
programs right on a test output?) is computed and labelled as such: it is an upper bound, not a score.

Records that failed (``status`` ``"error"`` or ``"parse_failure"``) contribute no attempt; they are
counted apart so a report can tell "could not parse the reply" from "answered wrong". Every task of the
run gets an entry per test input (``null`` attempts where there is no answer), as Kaggle requires.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from arcforge.engine import Status, cost_is_unknown
from arcforge.errors import InvalidTaskError
from arcforge.pipelines.scorecard import Scorecard, submission_key
from arcforge.pipelines.selection import ProgramOutcome, select_attempts
from arcforge.task.grid import Grid
from arcforge.task.model import Task

__all__ = [
    "TaskSlot",
    "code_entries",
    "direct_entries",
    "grid_or_none",
    "oracle_summary",
    "program_outcomes",
    "score_document",
]

MAX_ATTEMPTS = 2


@dataclass(frozen=True)
class TaskSlot:
    """What building a submission may know of a task: its key and how many test inputs it has."""

    key: str
    task_id: str
    version: int
    test_count: int

    @classmethod
    def of(cls, task: Task) -> TaskSlot:
        return cls(key=submission_key(task), task_id=task.id, version=task.version, test_count=len(task.test))


def grid_or_none(value: Any) -> Grid | None:
    """A :class:`Grid` from stored JSON, or None when it is absent or not a valid grid."""
    if value is None or isinstance(value, Grid):
        return value
    try:
        return Grid(value)
    except InvalidTaskError:  # an invalid grid is simply no attempt
        return None


def _records_by_task(records: Iterable[Mapping[str, Any]]) -> dict[tuple[str, int], list[Mapping[str, Any]]]:
    grouped: dict[tuple[str, int], list[Mapping[str, Any]]] = {}
    for record in records:
        key = (str(record.get("task_id")), int(record.get("task_version") or 0))
        grouped.setdefault(key, []).append(record)
    for items in grouped.values():
        items.sort(key=lambda r: int(r.get("sample_index") or 0))
    return grouped


def direct_entries(
    records: Iterable[Mapping[str, Any]], slots: Sequence[TaskSlot]
) -> dict[str, list[tuple[Grid | None, ...]]]:
    """Per task key, per test input: the first two distinct grids the samples gave, in sample order."""
    grouped = _records_by_task(records)
    entries: dict[str, list[tuple[Grid | None, ...]]] = {}
    for slot in slots:
        samples = [r for r in grouped.get((slot.task_id, slot.version), []) if r.get("status") == Status.OK]
        rows: list[tuple[Grid | None, ...]] = []
        for index in range(slot.test_count):
            chosen: list[Grid] = []
            for record in samples:
                per_test = record.get("attempts") or []
                grids = per_test[index] if index < len(per_test) and per_test[index] else []
                for value in grids:
                    grid = grid_or_none(value)
                    if grid is not None and grid not in chosen:
                        chosen.append(grid)
            rows.append(tuple(chosen[:MAX_ATTEMPTS]))
        entries[slot.key] = rows
    return entries


def program_outcomes(records: Iterable[Mapping[str, Any]]) -> list[ProgramOutcome]:
    """The :class:`ProgramOutcome` of each code record that produced a program and was run."""
    outcomes = []
    for record in records:
        run = record.get("benchmark")
        if record.get("status") != Status.OK or not isinstance(run, Mapping):
            continue
        outcomes.append(
            ProgramOutcome(
                sample_index=int(record.get("sample_index") or 0),
                train_passed=int(run.get("train_passed") or 0),
                train_total=int(run.get("train_total") or 0),
                test_outputs=tuple(grid_or_none(value) for value in run.get("test_outputs") or ()),
            )
        )
    return outcomes


def code_entries(
    records: Iterable[Mapping[str, Any]], slots: Sequence[TaskSlot]
) -> dict[str, list[tuple[Grid | None, ...]]]:
    """Per task key, the attempts :func:`select_attempts` chooses from the task's programs."""
    grouped = _records_by_task(records)
    entries: dict[str, list[tuple[Grid | None, ...]]] = {}
    for slot in slots:
        outcomes = program_outcomes(grouped.get((slot.task_id, slot.version), []))
        entries[slot.key] = list(
            select_attempts(outcomes, test_count=slot.test_count, max_attempts=MAX_ATTEMPTS)
        )
    return entries


def oracle_summary(records: Iterable[Mapping[str, Any]], truths: Sequence[Task], *, k: int) -> dict[str, Any]:
    """The oracle over K programs: per test output, is any program right? (Reads test outputs: never a score.)

    Also the unbiased pass@1 of a program being right on every test output of its task.
    """
    from arcforge.task.scoring import exact_match, pass_at_k

    grouped = _records_by_task(records)
    per_task: dict[str, dict[str, Any]] = {}
    for task in truths:
        samples = grouped.get((task.id, task.version), [])
        outcomes = program_outcomes(samples)
        expected = [pair.output for pair in task.test]
        any_right = [
            any(i < len(o.test_outputs) and exact_match(truth, o.test_outputs[i]) for o in outcomes)
            for i, truth in enumerate(expected)
        ]
        fully_right = sum(
            all(
                i < len(o.test_outputs) and exact_match(truth, o.test_outputs[i])
                for i, truth in enumerate(expected)
            )
            for o in outcomes
        )
        per_task[submission_key(task)] = {
            "score": sum(any_right) / len(any_right) if any_right else 0.0,
            "programs": len(outcomes),
            "programs_right": fully_right,
            "pass_at_1": pass_at_k(len(samples), fully_right, 1) if samples else 0.0,
        }
    count = len(per_task) or 1
    return {
        "label": f"oracle pass@{k}: a test output counts when ANY of the {k} programs is right (not a score)",
        "k": k,
        "score": sum(t["score"] for t in per_task.values()) / count,
        "pass_at_1": sum(t["pass_at_1"] for t in per_task.values()) / count,
        "per_task": per_task,
    }


def score_document(
    card: Scorecard,
    records: Sequence[Mapping[str, Any]],
    *,
    header: Mapping[str, Any],
    oracle: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The content of ``score.json``: ``header`` (run, model, mode, dataset), scores, oracle, counts."""
    statuses: dict[str, int] = {}
    cost = 0.0
    unknown = 0
    tokens = {"prompt_tokens": 0, "completion_tokens": 0, "reasoning_tokens": 0}
    for record in records:
        status = str(record.get("status") or Status.OK)
        statuses[status] = statuses.get(status, 0) + 1
        if cost_is_unknown(record):
            unknown += 1
        else:
            cost += float(record.get("cost_usd") or 0.0)
        for name in tokens:
            tokens[name] += int((record.get("usage") or {}).get(name) or 0)
    samples = len(records)
    return {
        **header,
        **card.to_json(),
        "oracle": dict(oracle) if oracle is not None else None,
        "samples": samples,
        "samples_by_status": statuses,
        "parse_failures": statuses.get(Status.PARSE_FAILURE, 0),
        "parse_failure_rate": statuses.get(Status.PARSE_FAILURE, 0) / samples if samples else 0.0,
        "errors": statuses.get(Status.ERROR, 0),
        "cost_usd": None if unknown else round(cost, 6),  # None: some reply's cost is unknown
        "cost_unknown_records": unknown,
        "tokens": tokens,
    }
