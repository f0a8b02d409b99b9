"""Scoring a submission against a dataset's tasks, with which attempt was right, for score.json and reports.

The rule and the confidence intervals are :mod:`arcforge.task.scoring`'s (the ARC Prize rule; the task
list comes from the ground truth, so a missing task scores 0; unknown tasks are listed and ignored).
This module adds what a benchmark report needs on top: the ground truth built from dataset tasks,
whether *each* attempt was right (to mark the pictures), and what to do with entry lists longer than the
task's test inputs: the extra entries are ignored with a warning (they can never count), or with
``strict=True`` refused, as ``arcforge score --strict`` does.

Submission keys are task ids. Tasks of version 0 are keyed by their id; a signed variation (version
N > 0) by ``"ID:vN"``, so a dataset holding several versions of one task scores each separately.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from arcforge.errors import DatasetError, SubmissionError
from arcforge.task.grid import Grid
from arcforge.task.model import Task
from arcforge.task.scoring import SubmissionScore, exact_match, score_submission

__all__ = ["Scorecard", "score_entries", "submission_key"]


def submission_key(task: Task) -> str:
    """The key of ``task`` in a submission: its id, or ``"ID:vN"`` for a signed variation."""
    return task.id if task.version == 0 else f"{task.id}:v{task.version}"


@dataclass(frozen=True)
class Scorecard:
    """A scored submission: :class:`~arcforge.task.scoring.SubmissionScore` plus per-attempt verdicts."""

    result: SubmissionScore
    attempt_correct: Mapping[str, tuple[tuple[bool, ...], ...]]
    warnings: tuple[str, ...] = ()  # entries beyond a task's test inputs, ignored

    @property
    def score(self) -> float:
        return self.result.score

    @property
    def score_per_output(self) -> float:
        return self.result.score_per_output

    @property
    def unknown_task_ids(self) -> tuple[str, ...]:
        return self.result.unknown_tasks

    def to_json(self) -> dict[str, Any]:
        """``arcforge.task.scoring``'s summary, each ``per_task`` entry with its ``attempt_correct``."""
        data = self.result.to_dict()
        per_task = data["per_task"]
        assert isinstance(per_task, dict)
        for task_id, entry in per_task.items():
            entry["attempt_correct"] = [list(row) for row in self.attempt_correct.get(task_id, ())]
        return data


def score_entries(
    entries: Mapping[str, Sequence[Sequence[Grid | None]]],
    truths: Iterable[Task],
    *,
    source: str = "submission",
    strict: bool = False,
) -> Scorecard:
    """Score ``entries`` (task id -> attempts per test input) against ``truths`` (tasks with test outputs).

    Entries beyond a task's test inputs are ignored with a warning (with ``strict``, a
    :class:`SubmissionError`); an entry of more than two attempts is a :class:`SubmissionError`;
    a task with no test outputs to score against is a :class:`DatasetError`.
    """
    truth: dict[str, list[Grid | None]] = {}
    for task in truths:
        outputs = [pair.output for pair in task.test]
        if any(output is None for output in outputs):
            raise DatasetError(
                f"task {task.id!r} has no test outputs in this dataset, so it cannot be scored "
                "(score against a dataset with solutions, e.g. arc-agi-2/evaluation)"
            )
        truth[submission_key(task)] = outputs
    if not truth:
        raise DatasetError("the dataset selection holds no tasks to score against")
    warnings: list[str] = []
    trimmed = dict(entries)
    for task_id, outputs in truth.items():
        given = entries.get(task_id, ())
        if len(given) > len(outputs):
            problem = (
                f"task {task_id!r} has {len(given)} entries but {len(outputs)} test input(s) "
                "(one entry per test input, in order)"
            )
            if strict:
                raise SubmissionError(f"{source}: {problem}")
            warnings.append(f"{problem}; entries {len(outputs)}-{len(given) - 1} ignored")
            trimmed[task_id] = given[: len(outputs)]
    entries = trimmed
    try:
        result = score_submission(entries, truth)
    except SubmissionError as exc:
        raise SubmissionError(f"{source}: {exc}") from exc
    correct = {
        task_id: tuple(
            tuple(
                exact_match(expected, attempt)
                for attempt in (entries[task_id][i] if i < len(entries[task_id]) else ())
            )
            for i, expected in enumerate(outputs)
        )
        for task_id, outputs in truth.items()
        if task_id in entries
    }
    return Scorecard(result, correct, tuple(warnings))
