"""Options shared by every command that makes a run directory (``generate``, ``benchmark``).

``--out``, ``--resume``, ``--concurrency`` (the original ``--max_concurrent_tasks``), ``--max-cost`` and
``--no-progress``; the options that define a run are stored in its manifest, so ``--resume RUN_DIR``
alone continues a run with the options it was started with, and an option given again must match.
"""

from __future__ import annotations

import argparse
from typing import Any

from arcforge.cli._validators import money, positive_int

__all__ = [
    "RUN_OPTIONS",
    "add_run_options",
    "command_line",
    "fill_from_manifest",
    "run_options",
]

# options that define a run (kept in the manifest; taken from it on --resume when not given again)
RUN_OPTIONS = (
    "dataset",
    "task_ids",
    "max_tasks",
    "task_slice",
    "version",
    "model",
    "base_url",
    "temperature",
    "max_tokens",
    "reasoning_effort",
    "samples",
    "encoding",
    "template",
    # the budget: restored on --resume when not given again (a new value may raise or lower it)
    "max_cost",
)


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """``--out``, ``--resume``, ``--concurrency`` (alias ``--max_concurrent_tasks``) and ``--max-cost``."""
    group = parser.add_argument_group("run")
    group.add_argument(
        "--out", metavar="RUN_DIR", help="run directory (default: runs/<command>-<model>-<UTC time>/)"
    )
    group.add_argument(
        "--resume", metavar="RUN_DIR", help="continue the run in RUN_DIR, skipping what is done"
    )
    group.add_argument(
        "--concurrency",
        "--max_concurrent_tasks",
        "--max-concurrent-tasks",
        dest="concurrency",
        type=positive_int,
        default=4,
        metavar="N",
        help="requests in flight at once (default: 4)",
    )
    group.add_argument(
        "--max-cost",
        "--max_cost",
        dest="max_cost",
        type=money,
        metavar="USD",
        help="stop taking new work once the run has cost this much",
    )
    group.add_argument(
        "--no-progress",
        dest="progress",
        action="store_false",
        default=None,
        help="no progress bar (default: shown when stderr is a terminal)",
    )


def run_options(args: argparse.Namespace) -> dict[str, Any]:
    """The run-defining options as given (stored in the manifest for ``--resume``)."""
    return {dest: getattr(args, dest, None) for dest in RUN_OPTIONS if hasattr(args, dest)}


def fill_from_manifest(args: argparse.Namespace, path: str) -> None:
    """Options left at their defaults take the values the resumed run was started with."""
    from arcforge.engine import RunDirectory

    stored = RunDirectory.open(path).manifest.get("options") or {}
    defaults = getattr(args, "option_defaults", {})
    for dest, value in stored.items():
        if dest in defaults and getattr(args, dest, None) == defaults[dest]:
            setattr(args, dest, value)


def command_line(command: str, args: argparse.Namespace) -> list[str]:
    """The options of the run as a command line (shown when a resume does not match)."""
    parts = command.split()
    defaults = getattr(args, "option_defaults", {})
    for dest, value in run_options(args).items():
        if value is not None and value != defaults.get(dest):
            parts += [f"--{dest.replace('_', '-')}", str(value)]
    return parts
