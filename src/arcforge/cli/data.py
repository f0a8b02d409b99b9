"""``arcforge data``: list, show, count, validate, export, compare and merge datasets.

Each subcommand is a thin handler over :mod:`arcforge.datasets`; heavy imports (the loaders, numpy
through the pictures module, the terminal renderer) happen inside the handlers so ``arcforge --help``
stays fast. Every subcommand that prints a result takes ``--json``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from typing import TYPE_CHECKING, Any

from arcforge.cli._help import help_handler
from arcforge.cli._task_options import add_json_option, add_task_options, tasks_from_args

if TYPE_CHECKING:
    from arcforge.task import Grid, Task

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "data", help="list, show, count, validate, export, compare and merge datasets"
    )
    commands = parser.add_subparsers(dest="data_command", metavar="SUBCOMMAND")
    parser.set_defaults(handler=help_handler(parser))

    listing = commands.add_parser("list", help="the embedded datasets, or the tasks of one (with --dataset)")
    add_task_options(listing, dataset_default=None)
    add_json_option(listing)
    listing.set_defaults(handler=run_list)

    show = commands.add_parser("show", help="a task in colour in the terminal, or as a PNG picture")
    show.add_argument("task_id", metavar="ID", help="the task id")
    show.add_argument(
        "--dataset", default=None, metavar="NAME|PATH", help="dataset (default: arc-agi-2/evaluation)"
    )
    show.add_argument("--version", type=int, default=0, metavar="N", help="task version (default 0)")
    show.add_argument("--transform", metavar="NAME", help="show the task transformed, e.g. rot90 or flip_lr")
    show.add_argument("--png", metavar="FILE", help="also write a picture of the task to FILE")
    show.add_argument("--hide-test-outputs", action="store_true", help="leave the test outputs out")
    show.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour cells (auto: when printing to a terminal and NO_COLOR is unset)",
    )
    show.add_argument("--digits", action="store_true", help="write each cell's colour number in it")
    add_json_option(show)
    show.set_defaults(handler=run_show)

    stats = commands.add_parser("stats", help="count tasks, pairs, test inputs and outputs, and grid sizes")
    add_task_options(stats)
    add_json_option(stats)
    stats.set_defaults(handler=run_stats)

    validate = commands.add_parser("validate", help="check a dataset file or folder; print every problem")
    validate.add_argument("path", metavar="PATH", help="a task file, folder, dataset.json or Kaggle file")
    add_json_option(validate)
    validate.set_defaults(handler=run_validate)

    export = commands.add_parser(
        "export", help="write the selected tasks as a folder, dataset.json or Kaggle"
    )
    export.add_argument("out", metavar="OUT", help="output folder or file")
    export.add_argument(
        "--format", dest="export_format", required=True, choices=("dir", "dataset-json", "kaggle")
    )
    add_task_options(export)
    add_json_option(export)
    export.set_defaults(handler=run_export)

    overlap = commands.add_parser("overlap", help="tasks two datasets share, by id and by content")
    overlap.add_argument("a", metavar="A", help="a dataset name or path")
    overlap.add_argument("b", metavar="B", help="another dataset name or path")
    overlap.add_argument("--version", type=int, default=0, metavar="N", help="compare version N (default 0)")
    add_json_option(overlap)
    overlap.set_defaults(handler=run_overlap)

    merge = commands.add_parser("merge", help="merge the dataset.json files of a folder (original semantics)")
    merge.add_argument("input_dir", metavar="INPUT_DIR", help="folder of dataset.json files")
    merge.add_argument("output", metavar="OUTPUT", help="the merged dataset.json to write")
    add_json_option(merge)
    merge.set_defaults(handler=run_merge)

    from arcforge.cli._data_import import register_data_import  # the store's `data import` (engineer E)

    register_data_import(commands)


def _emit(args: argparse.Namespace, payload: Any, text: str) -> None:
    print(json.dumps(payload, indent=2) if args.json else text)


# --- list, show, stats -----------------------------------------------------------------------------


def run_list(args: argparse.Namespace) -> int:
    selecting = (
        args.dataset or args.task_ids or args.task_slice or args.max_tasks is not None or args.version != 0
    )
    if not selecting:
        from arcforge.datasets import CATALOG, DEFAULT_DATASET

        rows: list[dict[str, Any]] = [
            {
                "name": e.name,
                "tasks": e.task_count,
                "content_hash": e.content_hash,
                "default": e.name == DEFAULT_DATASET,
                "description": e.description,
            }
            for e in CATALOG
        ]
        lines = [f"{'NAME':<22} {'TASKS':>5}  {'HASH':<12}  DESCRIPTION"]
        lines += [
            f"{r['name']:<22} {r['tasks']:>5}  {r['content_hash'][:12]}  {r['description']}" for r in rows
        ]
        lines.append("A path works too: a folder of <id>.json files, a dataset.json, or *_challenges.json.")
        _emit(args, rows, "\n".join(lines))
        return 0
    dataset, tasks = tasks_from_args(args)
    rows = [
        {
            "id": t.id,
            "version": t.version,
            "train": len(t.train),
            "test": len(t.test),
            "test_outputs": sum(p.output is not None for p in t.test),
            "signed_by": list(t.signers),
        }
        for t in tasks
    ]
    lines = [f"{'ID':<12} {'VER':>3} {'TRAIN':>5} {'TEST':>4}  SIGNED BY"]
    lines += [
        f"{r['id']:<12} {r['version']:>3} {r['train']:>5} {r['test']:>4}  {', '.join(map(str, r['signed_by']))}"
        for r in rows
    ]
    lines.append(f"{len(rows)} task(s) of {dataset.name} ({dataset.content_hash[:12]})")
    _emit(
        args, {"dataset": dataset.name, "content_hash": dataset.content_hash, "tasks": rows}, "\n".join(lines)
    )
    return 0


def run_show(args: argparse.Namespace) -> int:
    from arcforge.datasets import DEFAULT_DATASET, load_dataset

    dataset = load_dataset(args.dataset or DEFAULT_DATASET)
    task = dataset.get(args.task_id, args.version)
    if args.transform:
        from arcforge.task.transforms import parse_transform

        task = parse_transform(args.transform).apply_task(task)
    if args.hide_test_outputs:
        task = task.without_test_outputs()
    if args.png:
        from pathlib import Path

        from arcforge.task.pictures import task_png

        Path(args.png).write_bytes(task_png(task, include_test_outputs=not args.hide_test_outputs))
    if args.json:
        payload = {
            "dataset": dataset.name,
            "id": task.id,
            "version": task.version,
            "signed_by": list(task.signers),
            "transform": args.transform,
            "png": args.png,
            **task.to_dict(),
        }
        print(json.dumps(payload))
        return 0
    color = _use_color(args.color)
    print(
        _render_task(
            task, dataset_name=dataset.name, transform=args.transform, color=color, digits=args.digits
        )
    )
    if args.png:
        print(f"wrote {args.png}")
    return 0


def run_stats(args: argparse.Namespace) -> int:
    from arcforge.datasets import task_stats
    from arcforge.datasets.dataset import hash_tasks

    dataset, tasks = tasks_from_args(args)
    if not tasks:
        from arcforge.errors import UsageError

        raise UsageError(
            f"no task of {dataset.name} matches the selection: check --version, --tasks and --max-tasks "
            f"(`arcforge data list --dataset {dataset.name} --version all` shows what is held)"
        )
    stats = task_stats(tasks)
    if args.json:
        hashes = {"content_hash": dataset.content_hash, "tasks_hash": hash_tasks(tasks)}
        print(json.dumps({"dataset": dataset.name, **hashes, **stats}, indent=2))
        return 0
    height, width = stats["grid_height"], stats["grid_width"]
    sizes = ", ".join(f"{size} ({count})" for size, count in list(stats["common_sizes"].items())[:5])
    print(
        f"dataset       {dataset.name} ({dataset.content_hash[:12]})\n"
        f"tasks         {stats['tasks']} ({stats['task_ids']} distinct ids)\n"
        f"train pairs   {stats['train_pairs']}\n"
        f"test inputs   {stats['test_inputs']}\n"
        f"test outputs  {stats['test_outputs']} present\n"
        f"grids         {stats['grids']}: height {height['min']}-{height['max']} (mean {height['mean']}), "
        f"width {width['min']}-{width['max']} (mean {width['mean']}), largest {stats['largest_grid']}\n"
        f"common sizes  {sizes}"
    )
    return 0


# --- validate, export, overlap, merge ------------------------------------------------------------


def run_validate(args: argparse.Namespace) -> int:
    from arcforge.datasets import load_dataset
    from arcforge.errors import ArcforgeError, InvalidTaskError

    dataset = None
    try:
        dataset = load_dataset(args.path)
        problems: list[str] = []
    except InvalidTaskError as exc:
        problems = exc.problems
    except ArcforgeError as exc:
        problems = [str(exc)]
    if args.json:
        summary = (
            {"format": dataset.format, "tasks": len(dataset), "content_hash": dataset.content_hash}
            if dataset
            else {}
        )
        print(
            json.dumps({"path": args.path, "valid": not problems, "problems": problems, **summary}, indent=2)
        )
    elif dataset is None:
        for problem in problems:
            print(problem)
        print(f"{len(problems)} problem(s) in {args.path}", file=sys.stderr)
    else:
        print(
            f"{args.path}: valid {dataset.format} dataset, {len(dataset)} task(s), hash {dataset.content_hash[:12]}"
        )
    return 1 if problems else 0


def run_export(args: argparse.Namespace) -> int:
    from arcforge.datasets import export_tasks

    dataset, tasks = tasks_from_args(args)
    name = (
        re.sub(r"[^A-Za-z0-9]+", "_", dataset.name).strip("_") if dataset.format == "embedded" else "arcforge"
    )
    written = export_tasks(tasks, args.out, to=args.export_format, name=name)
    payload = {
        "dataset": dataset.name,
        "format": args.export_format,
        "tasks": len(tasks),
        "files": [str(p) for p in written],
    }
    where = args.out if len(written) > 2 else ", ".join(str(p) for p in written)
    _emit(args, payload, f"wrote {len(tasks)} task(s) of {dataset.name} as {args.export_format} to {where}")
    return 0


def run_overlap(args: argparse.Namespace) -> int:
    from arcforge.datasets import dataset_overlap, load_dataset

    cache: dict[Any, Any] = {}
    result = dataset_overlap(
        load_dataset(args.a, file_cache=cache), load_dataset(args.b, file_cache=cache), version=args.version
    )
    lines = [
        f"{len(result.shared_ids)} of {result.a}'s {result.a_tasks} task ids are in {result.b} ({result.b_tasks})",
        f"{len(result.same_content)} of them with the same pairs (order ignored), {len(result.changed)} changed",
        f"{len(result.moved)} task(s) with the same pairs under another id",
    ]
    if result.same_content:
        lines.append("same content: " + " ".join(result.same_content))
    if result.changed:
        lines.append("changed:      " + " ".join(result.changed))
    if result.moved:
        lines.append("moved:        " + " ".join(f"{a}->{b}" for a, b in result.moved))
    _emit(args, result.to_dict(), "\n".join(lines))
    return 0


def run_merge(args: argparse.Namespace) -> int:
    from pathlib import Path

    from arcforge.datasets import merge_dataset_files
    from arcforge.datasets.export import write_json

    warnings: list[str] = []

    def warn(message: str) -> None:
        warnings.append(message)
        print(f"arcforge: warning: {message}", file=sys.stderr)

    entries = merge_dataset_files(args.input_dir, exclude=[args.output], warn=warn)
    write_json(Path(args.output), entries)
    payload = {
        "output": args.output,
        "entries": len(entries),
        "tasks": len({e["task_id"] for e in entries}),
        "conflicts": warnings,
    }
    _emit(
        args,
        payload,
        f"wrote {len(entries)} entries ({payload['tasks']} tasks) to {args.output}"
        + (f"; {len(warnings)} conflict(s) kept the first" if warnings else ""),
    )
    return 0


# --- terminal rendering ------------------------------------------------------------------------------


def _render_task(task: Task, *, dataset_name: str, transform: str | None, color: bool, digits: bool) -> str:
    from arcforge.cli._terminal import render_side_by_side

    title = f"{task.id} v{task.version} from {dataset_name}"
    if task.signers:
        title += f", signed by {', '.join(task.signers)}"
    if transform:
        title += f", transformed by {transform}"
    blocks = [title]
    for split, pairs in (("train", task.train), ("test", task.test)):
        for i, pair in enumerate(pairs):
            titles = (f"{split}[{i}] input {_size(pair.input)}", f"output {_size(pair.output)}")
            blocks.append(render_side_by_side([pair.input, pair.output], titles, color=color, digits=digits))
    return "\n\n".join(blocks)


def _size(grid: Grid | None) -> str:
    return "?" if grid is None else f"{grid.height}x{grid.width}"


def _use_color(choice: str) -> bool:
    if choice != "auto":
        return choice == "always"
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")
