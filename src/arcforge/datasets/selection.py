"""Task selection shared by every command that takes tasks: ids, a slice, a maximum and a version.

``--task-ids`` accepts what the original system accepted, a JSON list string
(``'["007bbfb7","00d62c1b"]'``), and also a comma (or space) separated list and ``@FILE`` (a file with a
JSON list or one id per line). The steps apply in a fixed order: the ids (in the order given) or else
every id of the dataset, then the version, then the slice ``[a:b]``, then ``max_tasks``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from arcforge.datasets.dataset import Dataset
from arcforge.errors import UnknownTaskError, UsageError
from arcforge.task import Task

__all__ = ["parse_task_ids", "parse_task_slice", "select_tasks"]

_SLICE = re.compile(r"^\[?\s*(-?\d+)?\s*:\s*(-?\d+)?\s*(?::\s*(-?\d+)?\s*)?\]?$")
_INDEX = re.compile(r"^\[?\s*(-?\d+)\s*\]?$")


def parse_task_ids(text: str) -> list[str]:
    """Task ids from ``text``: a JSON list string, a comma list, or ``@FILE``; duplicates dropped.

    Raises :class:`UsageError` for JSON that does not parse, a JSON value that is not a list of
    strings, a file that cannot be read, or no ids at all.
    """
    source = "--task-ids"
    stripped = text.strip()
    if stripped.startswith("@"):
        path = Path(stripped[1:]).expanduser()
        try:
            stripped = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise UsageError(f"--task-ids {text}: cannot read {path}: {exc.strerror or exc}") from exc
        source = f"--task-ids file {path}"
    if stripped.startswith(("[", "{", '"')):
        try:
            value = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise UsageError(
                f"{source} is not valid JSON ({exc.msg} at column {exc.colno}): "
                """write a JSON list such as '["007bbfb7","00d62c1b"]' or a comma list 007bbfb7,00d62c1b"""
            ) from exc
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise UsageError(f"{source} must be a JSON list of task id strings, such as '[\"007bbfb7\"]'")
        ids = [v.strip() for v in value]
    else:
        ids = [part for part in re.split(r"[,\s]+", stripped) if part]
    if not ids:
        raise UsageError(f"{source} names no task ids")
    return list(dict.fromkeys(ids))


def parse_task_slice(text: str) -> slice:
    """A slice from ``"[a:b]"`` (Python slice syntax; brackets optional; ``"[5]"`` is the one task 5)."""
    match = _SLICE.match(text.strip())
    if match:
        start, stop, step = (int(g) if g else None for g in match.groups())
        if step == 0:
            raise UsageError(f"--tasks {text!r}: a slice step cannot be 0")
        return slice(start, stop, step)
    match = _INDEX.match(text.strip())
    if match:
        index = int(match.group(1))
        return slice(index, index + 1 if index != -1 else None)
    raise UsageError(f'--tasks {text!r} is not a slice: write it like "[0:10]", "[10:]" or "[-5:]"')


def select_tasks(
    dataset: Dataset,
    *,
    task_ids: list[str] | None = None,
    task_slice: slice | None = None,
    max_tasks: int | None = None,
    version: int | None = 0,
) -> list[Task]:
    """The tasks of ``dataset`` that a command should work on.

    ``task_ids`` keeps the given order; without it every id is taken in sorted order. ``version``
    picks that version of each task (``None``: every version held); with explicit ids, an id lacking
    the version is an error, and without ids, ids lacking it are skipped. Raises
    :class:`UnknownTaskError` listing every id the dataset does not hold.
    """
    if max_tasks is not None and max_tasks < 0:
        raise UsageError(f"--max-tasks must be 0 or more, not {max_tasks}")
    if task_ids is not None:
        missing = [tid for tid in task_ids if tid not in dataset]
        if version is not None:
            missing += [
                f"{tid} v{version}" for tid in task_ids if tid in dataset and not dataset.has(tid, version)
            ]
        if missing:
            raise UnknownTaskError(missing, dataset.name)
        ids = task_ids
    else:
        ids = dataset.ids
    tasks: list[Task] = []
    for tid in ids:
        if version is None:
            tasks.extend(dataset.get(tid, v) for v in dataset.versions(tid))
        elif dataset.has(tid, version):
            tasks.append(dataset.get(tid, version))
    if task_slice is not None:
        tasks = tasks[task_slice]
    if max_tasks is not None:
        tasks = tasks[:max_tasks]
    return tasks
