"""``arcforge sandbox run FILE.py --task ID``: run a solver file on every pair of a task, in the sandbox.

Prints one block per pair: ``passed``, ``failed`` with a coloured diff of the expected and produced
grids, or the failure (a syntax error, an exception's traceback, a time limit...). Exits 0 only when
every pair with a known output passes. ``--json`` prints ``{"passed": bool, "pairs": [...]}``.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from arcforge.cli._sandbox_options import add_library_option, libraries_from, wall_from
from arcforge.cli._task_options import add_json_option
from arcforge.cli._terminal import printable
from arcforge.errors import UsageError

__all__ = ["format_pairs", "register"]

_DEFAULT_DATASET = "arc-agi-2/evaluation"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "sandbox",
        help="run solver programs in the sandbox",
        description="Run untrusted solver programs in isolated processes (see docs/sandbox.md).",
    )
    commands = parser.add_subparsers(dest="sandbox_command", metavar="COMMAND")
    run = commands.add_parser(
        "run",
        help="run a solver file on every train and test pair of a task",
        description="Run FILE.py's solve(grid) (or solve_task / transform) on every train and test pair "
        "of a task in the sandbox, and show per pair whether it passed. Exit 0 only when every pair "
        "with a known output passes.",
    )
    run.add_argument("file", metavar="FILE.py", help="a Python file defining solve(grid)")
    run.add_argument("--task", "--task-id", "--task_id", dest="task", required=True, metavar="ID",
                     help="the task id")  # fmt: skip
    run.add_argument("--dataset", default=_DEFAULT_DATASET, metavar="NAME|PATH",
                     help=f"an embedded dataset name or a path (default: {_DEFAULT_DATASET})")  # fmt: skip
    run.add_argument("--version", type=int, default=0, metavar="N", help="task version (default 0)")
    run.add_argument("--wall-s", "--timeout", dest="wall_s", type=float, default=2.0, metavar="S",
                     help="wall-clock seconds for the program on all the task's grids (default: 2)")  # fmt: skip
    run.add_argument("--memory-mb", type=int, default=1024, metavar="MB", help="memory limit (default: 1024)")
    add_library_option(run)
    add_json_option(run)
    run.set_defaults(handler=_run)
    parser.set_defaults(handler=lambda args: _missing_command(parser))


def _missing_command(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _run(args: argparse.Namespace) -> int:
    import asyncio
    import json

    from arcforge.datasets import load_dataset
    from arcforge.errors import UnknownTaskError
    from arcforge.sandbox import Limits, Sandbox

    code = _read_code(args.file)
    wall_s = wall_from(args)
    libraries = libraries_from(args)
    if args.memory_mb < 64:
        raise UsageError("--memory-mb must be at least 64")
    dataset = load_dataset(args.dataset)
    if not dataset.has(args.task, args.version):
        raise UnknownTaskError([args.task], dataset.name)
    task = dataset.get(args.task, args.version)
    limits = Limits(wall_s=wall_s, memory_bytes=args.memory_mb << 20)

    async def run() -> list[Any]:
        async with Sandbox(workers=1, limits=limits, libraries=libraries) as sandbox:
            return await sandbox.run_task(code, task)

    pairs = asyncio.run(run())
    passed = all(pair.status == "passed" for pair in pairs if pair.expected is not None)
    if args.json:
        print(json.dumps({"passed": passed, "task": task.id, "pairs": [pair.to_dict() for pair in pairs]}))
    else:
        color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        print(format_pairs(task.id, pairs, color=color))
    return 0 if passed else 1


def _read_code(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        raise UsageError(
            f"{path}: no such file; give the path of a Python file defining solve(grid)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read it as UTF-8 text ({exc})") from None


def format_pairs(task_id: str, pairs: list[Any], *, color: bool) -> str:
    """One block per pair for people: passed, failed with a diff, or the failure."""
    lines = []
    for pair in pairs:
        head = f"{pair.split}[{pair.index}]"
        if pair.status == "passed":
            lines.append(f"{head}: passed")
        elif pair.status == "unknown":
            lines.append(f"{head}: ran (the data holds no output to compare with)")
        elif pair.status == "failed":
            lines.append(f"{head}: FAILED")
            lines.append(_indent(_diff(pair.expected, pair.output, color=color)))
        else:
            lines.append(f"{head}: ERROR ({pair.kind.replace('_', ' ')})")
            lines.append(_indent(printable(pair.error or "")))  # the program wrote it: shown escaped
    known = [pair for pair in pairs if pair.expected is not None]
    good = sum(pair.status == "passed" for pair in known)
    lines.append(f"task {task_id}: {good} of {len(known)} pair(s) with a known output passed")
    return "\n".join(lines)


def _diff(expected: Any, actual: Any, *, color: bool) -> str:
    try:
        from arcforge.cli._terminal import render_diff
    except ImportError:  # engineer B's renderer absent: list the differing cells
        return _cell_list(expected, actual)
    return render_diff(expected, actual, color=color, digits=True)


def _cell_list(expected: Any, actual: Any) -> str:
    if expected.shape != actual.shape:
        return (
            f"size mismatch: expected {expected.height}x{expected.width}, got {actual.height}x{actual.width}"
        )
    cells = [
        f"({r},{c}) expected {expected[r, c]} got {actual[r, c]}"
        for r in range(expected.height)
        for c in range(expected.width)
        if expected[r, c] != actual[r, c]
    ]
    return f"{len(cells)} cell(s) differ: " + "; ".join(cells[:50])


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())
