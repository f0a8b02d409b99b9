"""The task-selection options every command that works on tasks shares, and ``--json``.

``add_task_options(parser)`` adds ``--dataset``, ``--task-ids`` (alias ``--task_ids``), ``--max-tasks``
(alias ``--max_tasks``), ``--tasks "[a:b]"`` and ``--version``; ``tasks_from_args(args)`` loads the
dataset and returns it with the selected tasks. The original system's spellings keep working, so its
documented commands (``--task_ids '["007bbfb7"]' --max_tasks 5``) carry over unchanged.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from arcforge.cli._validators import non_negative_int

if TYPE_CHECKING:
    from arcforge.datasets import Dataset
    from arcforge.task import Task

__all__ = ["add_json_option", "add_task_options", "tasks_from_args"]

_DEFAULT = "arc-agi-2/evaluation"  # arcforge.datasets.DEFAULT_DATASET, not imported to keep startup fast


def add_task_options(parser: argparse.ArgumentParser, *, dataset_default: str | None = _DEFAULT) -> None:
    """Add the dataset and task-selection options to ``parser``.

    ``dataset_default=None`` leaves ``--dataset`` unset when not given (``tasks_from_args`` still
    falls back to the default dataset); commands such as ``data list`` use that to tell the cases apart.
    """
    group = parser.add_argument_group("task selection")
    shown = dataset_default or _DEFAULT
    group.add_argument(
        "--dataset",
        default=dataset_default,
        metavar="NAME|PATH",
        help=f"an embedded dataset name or a path to a folder, dataset.json or Kaggle file (default: {shown})",
    )
    group.add_argument(
        "--task-ids",
        "--task_ids",
        dest="task_ids",
        metavar="IDS",
        help="""task ids: a JSON list '["007bbfb7","00d62c1b"]', a comma list, or @FILE""",
    )
    group.add_argument(
        "--max-tasks",
        "--max_tasks",
        dest="max_tasks",
        type=non_negative_int,
        metavar="N",
        help="at most N tasks (after the other selections)",
    )
    group.add_argument(
        "--tasks", dest="task_slice", metavar="[A:B]", help='a slice of the tasks, e.g. "[0:10]"'
    )
    group.add_argument(
        "--version",
        dest="version",
        type=_version,
        default=0,
        metavar="N",
        help="task version (0, the original, by default; 'all' for every version held)",
    )


def add_json_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--json``: print the result as JSON for programs instead of text for people."""
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def tasks_from_args(args: argparse.Namespace) -> tuple[Dataset, list[Task]]:
    """The dataset named by ``args.dataset`` and the tasks the selection options pick from it.

    Raises :class:`~arcforge.errors.UsageError` for a malformed ``--task-ids`` or ``--tasks`` and
    :class:`~arcforge.errors.UnknownTaskError` listing ids the dataset does not hold.
    """
    from arcforge.datasets import (
        DEFAULT_DATASET,
        load_dataset,
        parse_task_ids,
        parse_task_slice,
        select_tasks,
    )

    task_ids = parse_task_ids(args.task_ids) if getattr(args, "task_ids", None) else None
    task_slice = parse_task_slice(args.task_slice) if getattr(args, "task_slice", None) else None
    dataset = load_dataset(getattr(args, "dataset", None) or DEFAULT_DATASET)
    tasks = select_tasks(
        dataset,
        task_ids=task_ids,
        task_slice=task_slice,
        max_tasks=getattr(args, "max_tasks", None),
        version=getattr(args, "version", 0),
    )
    return dataset, tasks


def _version(text: str) -> int | None:
    if text.strip().lower() == "all":
        return None
    return non_negative_int(text)
