"""Submission files in the ARC Prize / Kaggle format: read, check, write.

A submission maps each task id to one entry per test input, in the order of the task's test pairs::

    {"task_id": [{"attempt_1": grid, "attempt_2": grid}, ...], ...}

Every readable submission scores. :func:`parse_submission` reads the whole structure and turns each
flaw into a one-line warning that names the task, the entry and the attempt, and says what was done:

* an attempt that is not a valid ARC grid (``[[]]``, ragged, a string, floats such as ``1.0``, more than
  30 rows or columns, values outside 0-9) is a wrong attempt, as the ARC Prize rule has it;
* ``null`` or ``[]`` is no attempt (the harness's spelling of "no answer"), silently;
* ``attempt_3`` and later, and any other key, are ignored: two attempts count, never a third;
* an entry that is not an object, or a task whose value is not a list, is no attempt;
* a key given twice (a task id, or an attempt key in one entry) is detected while the JSON is decoded
  (``object_pairs_hook``); the last one wins, as in every JSON reader, and the warning says so.

Entries beyond a task's test inputs are ignored with a warning by the scorer
(:func:`arcforge.pipelines.scorecard.score_entries`), which knows the test counts. Only a file that
cannot be read or decoded, or whose top level is not an object, is refused. ``strict=True`` refuses
the first flaw instead (:class:`~arcforge.errors.SubmissionError` naming the entry), as
``arcforge score --strict`` does.

The parsed :class:`Submission` is a frozen value of :class:`~arcforge.task.grid.Grid` objects (a wrong
or missing attempt is ``None``) with its ``warnings``; scoring lives in :mod:`arcforge.pipelines.scorecard`.
"""

from __future__ import annotations

import json
import re
from collections import Counter
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
_LATER_ATTEMPT = re.compile(r"attempt_[0-9]+")

#: The (at most two) attempts for one test input; ``None`` where no (valid) attempt was made.
TestAttempts = tuple[Grid | None, ...]


@dataclass(frozen=True)
class Submission:
    """Attempts per task: ``entries[task_id][test_index]`` is a tuple of up to two grids (or None).

    ``warnings`` lists every flaw the reader forgave, one line each (empty for a clean file).
    """

    entries: Mapping[str, tuple[TestAttempts, ...]]
    warnings: tuple[str, ...] = ()

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


class _Object(dict[str, Any]):
    """A decoded JSON object that remembers the keys it was given more than once (and how often)."""

    duplicates: dict[str, int]


def _object(pairs: list[tuple[str, Any]]) -> _Object:
    result = _Object(pairs)
    counts = Counter(key for key, _ in pairs) if len(result) != len(pairs) else Counter()
    result.duplicates = {key: count for key, count in counts.items() if count > 1}
    return result


class _Reader:
    """Collects the flaws of one submission; in strict mode the first one is raised instead."""

    def __init__(self, source: str, strict: bool) -> None:
        self.source = source
        self.strict = strict
        self.warnings: list[str] = []

    def flaw(self, problem: str, consequence: str) -> None:
        if self.strict:
            raise SubmissionError(f"{self.source}: {problem}")
        self.warnings.append(f"{problem}; {consequence}")

    def duplicates(self, value: Any, place: str) -> None:
        for key, count in getattr(value, "duplicates", {}).items():
            self.flaw(f"{place}: key {key!r} appears {count} times", "the last one is used")


def parse_submission(data: Any, *, source: str = "submission", strict: bool = False) -> Submission:
    """A :class:`Submission` from decoded JSON, with a warning per flaw (see the module's rules).

    Raises :class:`SubmissionError` when the top level is not an object, or with ``strict`` at the
    first flaw.
    """
    if not isinstance(data, dict):
        raise SubmissionError(
            f"{source}: expected an object mapping task ids to lists of entries, found {_kind(data)} "
            '(format: {"task_id": [{"attempt_1": grid, "attempt_2": grid}, ...]})'
        )
    reader = _Reader(source, strict)
    reader.duplicates(data, "the submission")
    entries: dict[str, tuple[TestAttempts, ...]] = {}
    for task_id, task_entries in data.items():
        place = f"task {task_id!r}"
        if not isinstance(task_entries, list):
            reader.flaw(
                f"{place}: expected a list with one entry per test input, found {_kind(task_entries)}",
                "scored as no attempt",
            )
            entries[task_id] = ()
            continue
        entries[task_id] = tuple(
            _parse_entry(entry, f"{place} entry {i}", reader) for i, entry in enumerate(task_entries)
        )
    return Submission(entries, tuple(reader.warnings))


def _parse_entry(entry: Any, place: str, reader: _Reader) -> TestAttempts:
    if not isinstance(entry, dict):
        reader.flaw(
            f'{place}: expected an object {{"attempt_1": grid, "attempt_2": grid}}, found {_kind(entry)}',
            "counted as no attempt",
        )
        return ()
    reader.duplicates(entry, place)
    for key in entry:
        if key not in ATTEMPT_KEYS:
            later = isinstance(key, str) and _LATER_ATTEMPT.fullmatch(key) is not None
            reader.flaw(
                f"{place}: unknown key {key!r} (an entry has at most two attempts: attempt_1 and attempt_2)",
                "ignored: only two attempts ever count" if later else "ignored",
            )
    return tuple(_parse_attempt(entry.get(key), f"{place} {key}", reader) for key in ATTEMPT_KEYS)


def _parse_attempt(value: Any, place: str, reader: _Reader) -> Grid | None:
    if value is None or (isinstance(value, list) and not value):
        return None
    problems = grid_problems(value, place)
    if problems:
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        reader.flaw(problems[0] + more, "counted as a wrong attempt")
        return None
    return Grid(value)


def load_submission(path: str | Path, *, strict: bool = False) -> Submission:
    """Read a submission file (see :func:`parse_submission`); a file that cannot be read or decoded is a
    :class:`SubmissionError`."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SubmissionError(f"{file}: no such file (give the path of a submission.json)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SubmissionError(f"{file}: cannot be read ({exc})") from exc
    try:
        data = json.loads(text, object_pairs_hook=_object)
    except json.JSONDecodeError as exc:
        raise SubmissionError(
            f"{file}: not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from exc
    except RecursionError:
        raise SubmissionError(f"{file}: brackets nested too deeply to be a submission") from None
    return parse_submission(data, source=str(file), strict=strict)


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
