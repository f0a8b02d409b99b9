"""Submission files in the ARC Prize / Kaggle format: read, check, write.

A submission maps each task id to one entry per test input, in the order of the task's test pairs::

    {"task_id": [{"attempt_1": grid, "attempt_2": grid}, ...], ...}

:func:`parse_submission` checks the whole structure before anything is scored and raises a
:class:`~arcforge.errors.SubmissionError` whose one-line message names the entry that is wrong
(``task 'abc' entry 1 attempt_2: row 3 has 4 columns ...``), so a person can open the file and fix it.
An attempt may be ``null`` or ``[]`` (the harness's spelling of "no answer"): that is no attempt, not an
error. Anything else must be a valid ARC grid (1-30 rows and columns of integers 0-9). At most two
attempts per entry: the ARC Prize rule allows two, and a third key is a mistake we refuse to hide.

The parsed :class:`Submission` is a frozen value of :class:`~arcforge.task.grid.Grid` objects; scoring
lives in :mod:`arcforge.pipelines.scoring_report`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from arcforge.errors import SubmissionError
from arcforge.task.grid import Grid, grid_problems

__all__ = [
    "ATTEMPT_KEYS",
    "Submission",
    "TestAttempts",
    "load_submission",
    "parse_submission",
    "write_submission",
]

ATTEMPT_KEYS = ("attempt_1", "attempt_2")

#: The (at most two) attempts for one test input; ``None`` where no attempt was made.
TestAttempts = tuple[Grid | None, ...]


@dataclass(frozen=True)
class Submission:
    """Attempts per task: ``entries[task_id][test_index]`` is a tuple of up to two grids (or None)."""

    entries: Mapping[str, tuple[TestAttempts, ...]]

    @property
    def task_ids(self) -> list[str]:
        return list(self.entries)

    def to_json(self) -> dict[str, list[dict[str, Any]]]:
        """The Kaggle shape. Both keys are always written (Kaggle's checker wants them), ``null`` for none."""
        out: dict[str, list[dict[str, Any]]] = {}
        for task_id, entries in self.entries.items():
            rows = []
            for attempts in entries:
                padded = tuple(attempts) + (None,) * (len(ATTEMPT_KEYS) - len(attempts))
                rows.append(
                    {
                        key: (grid.to_list() if grid is not None else None)
                        for key, grid in zip(ATTEMPT_KEYS, padded, strict=False)
                    }
                )
            out[task_id] = rows
        return out


def parse_submission(data: Any, *, source: str = "submission") -> Submission:
    """A :class:`Submission` from decoded JSON; raises :class:`SubmissionError` naming the bad entry."""
    if not isinstance(data, dict):
        raise SubmissionError(
            f"{source}: expected an object mapping task ids to lists of entries, found {_kind(data)} "
            '(format: {"task_id": [{"attempt_1": grid, "attempt_2": grid}, ...]})'
        )
    entries: dict[str, tuple[TestAttempts, ...]] = {}
    for task_id, task_entries in data.items():
        place = f"{source}: task {task_id!r}"
        if not isinstance(task_entries, list):
            raise SubmissionError(
                f"{place}: expected a list with one entry per test input, found {_kind(task_entries)}"
            )
        entries[task_id] = tuple(
            _parse_entry(entry, f"{place} entry {i}") for i, entry in enumerate(task_entries)
        )
    return Submission(entries)


def _parse_entry(entry: Any, place: str) -> TestAttempts:
    if not isinstance(entry, dict):
        raise SubmissionError(
            f'{place}: expected an object {{"attempt_1": grid, "attempt_2": grid}}, found {_kind(entry)}'
        )
    unknown = [key for key in entry if key not in ATTEMPT_KEYS]
    if unknown:
        raise SubmissionError(
            f"{place}: unknown key {unknown[0]!r} (an entry has at most two attempts: attempt_1 and attempt_2)"
        )
    return tuple(_parse_attempt(entry.get(key), f"{place} {key}") for key in ATTEMPT_KEYS)


def _parse_attempt(value: Any, place: str) -> Grid | None:
    if value is None or (isinstance(value, list) and not value):
        return None
    problems = grid_problems(value, place)
    if problems:
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        raise SubmissionError(problems[0] + more)
    return Grid(value)


def load_submission(path: str | Path) -> Submission:
    """Read and check a submission file; a missing or non-JSON file is a :class:`SubmissionError` too."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SubmissionError(f"{file}: no such file (give the path of a submission.json)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SubmissionError(f"{file}: cannot be read ({exc})") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SubmissionError(
            f"{file}: not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from exc
    return parse_submission(data, source=str(file))


def write_submission(path: str | Path, entries: Mapping[str, Sequence[Sequence[Grid | None]]]) -> Submission:
    """Write ``entries`` in the Kaggle format (atomically: a temporary file renamed into place)."""
    submission = Submission({task_id: tuple(tuple(a) for a in items) for task_id, items in entries.items()})
    file = Path(path)
    temporary = file.with_name(file.name + ".tmp")
    temporary.write_text(json.dumps(submission.to_json(), separators=(",", ":")) + "\n", encoding="utf-8")
    temporary.replace(file)
    return submission


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__
