"""``arcforge generate tasks``: new ARC tasks from generator programs a model writes for seed tasks.

Registered under ``generate`` by :func:`add_tasks_parser`. ``--resume RUN_DIR`` alone continues a run
with the options it was started with (kept in its manifest).
"""

from __future__ import annotations

import argparse
from typing import Any

from arcforge.cli._validators import money, positive_int

__all__ = ["add_tasks_parser"]

# options of the run, stored in the manifest and restored by --resume when not given again
_STORED = (
    "dataset", "task_ids", "max_tasks", "task_slice", "model", "base_url", "temperature", "max_tokens",
    "reasoning_effort", "samples", "pairs", "encoding", "max_cost", "price",
)  # fmt: skip
_DEFAULTS = {"samples": 1, "pairs": 4, "encoding": "json-rows", "concurrency": 4}


def add_tasks_parser(kinds: Any) -> None:
    from arcforge.cli._model_options import add_model_options
    from arcforge.cli._task_options import add_json_option, add_task_options

    sub = kinds.add_parser(
        "tasks",
        help="new tasks: a model writes generator programs from seed tasks, the sandbox makes and checks them",
        description="For each seed task, ask for K generator programs (generate_input(rng) and solve(grid)); "
        "run each in the sandbox to make a task of N pairs, check it, and write RUN_DIR/tasks/<id>.json and "
        "RUN_DIR/dataset.json (docs/data-formats.md, New tasks).",
    )
    add_task_options(sub, dataset_default=None)  # unset: --resume takes the stored one
    sub.add_argument("--seeds", dest="task_ids", metavar="IDS", help="seed task ids (the --task-ids syntax)")
    add_model_options(sub, run=True)
    sub.add_argument("--samples", type=positive_int, metavar="K", help="generators per seed (default 1)")
    sub.add_argument(
        "--pairs", type=positive_int, metavar="N", help="pairs per new task: N-1 train, 1 test (4)"
    )
    sub.add_argument("--encoding", metavar="NAME", help="grid encoding in prompts (default json-rows)")
    group = sub.add_argument_group("run")
    group.add_argument(
        "--out", metavar="RUN_DIR", help="run directory (default: runs/generate-tasks-<model>-<time>/)"
    )
    group.add_argument("--resume", metavar="RUN_DIR", help="continue the run in RUN_DIR")
    group.add_argument("--concurrency", type=positive_int, metavar="N", help="requests in flight (default 4)")
    group.add_argument(
        "--max-cost", dest="max_cost", type=money, metavar="USD", help="stop once the run cost this"
    )
    group.add_argument(
        "--no-progress", dest="progress", action="store_false", default=None, help="no progress bar"
    )
    sub.add_argument(
        "--show-prompt", action="store_true", help="print the first seed's request, then exit (no model call)"
    )
    add_json_option(sub)
    sub.set_defaults(handler=_generate_tasks, kind="tasks")


def _resolve(args: argparse.Namespace) -> None:
    """Unset options: the resumed run's, then the defaults."""
    stored: dict[str, Any] = {}
    if args.resume:
        from arcforge.engine import RunDirectory

        stored = dict(RunDirectory.open(args.resume).manifest.get("options") or {})
    for dest in (*_STORED, "concurrency"):
        if getattr(args, dest, None) is None:
            setattr(args, dest, stored.get(dest, _DEFAULTS.get(dest)))


def _generate_tasks(args: argparse.Namespace) -> int:
    import asyncio
    import json

    from arcforge.cli._model_options import require_model
    from arcforge.cli._task_options import tasks_from_args
    from arcforge.settings import load_settings
    from arcforge.synthesis.run import SynthesisOptions, synthesize

    _resolve(args)
    if args.show_prompt:
        from arcforge.prompts import load_template
        from arcforge.synthesis.run import TEMPLATE, seed_view

        first = tasks_from_args(args)[1][:1]
        if not first:
            from arcforge.errors import UsageError

            raise UsageError("the seed selection is empty: nothing to show (check --seeds / --max-tasks)")
        template = load_template(TEMPLATE)
        print(
            f"# template {template.name} (sha256 {template.sha256[:12]}), seed {first[0].id}, {args.encoding}"
        )
        for message in template.render(seed_view(first[0]), encoding=args.encoding):
            print(f"\n--- {message['role']} ---\n{message['content']}")
        return 0
    require_model(args)
    dataset, seeds = tasks_from_args(args)
    options = SynthesisOptions(
        model=args.model,
        samples=args.samples,
        pairs=args.pairs,
        temperature=args.temperature,
        max_tokens=args.max_tokens,
        reasoning_effort=getattr(args, "reasoning_effort", None),
        encoding=args.encoding,
        base_url=args.base_url,
        use_cache=not getattr(args, "no_cache", False),
        reuse_cache=bool(getattr(args, "reuse_cache", False)),
        price=tuple(args.price) if getattr(args, "price", None) else None,
    )
    stored = {dest: getattr(args, dest, None) for dest in _STORED}
    outcome = asyncio.run(
        synthesize(
            seeds,
            dataset,
            options,
            settings=load_settings(),
            out=args.out,
            resume=args.resume,
            concurrency=args.concurrency,
            max_cost_usd=args.max_cost,
            progress=False if args.json else args.progress,
            manifest_extra={"options": stored},
        )  # fmt: skip
    )
    summary, counts = outcome.summary, outcome.counts
    if args.json:
        print(json.dumps({"run_dir": str(summary.path), "stopped": summary.stopped, **counts}, indent=2))
    else:
        refused = ", ".join(f"{reason} {n}" for reason, n in counts["refused"].items() if n) or "none"
        print(f"generate tasks: {len(seeds)} seed(s) x {options.samples} generator(s), {summary.path}")
        print(f"tasks written: {counts['tasks_written']} in {counts['tasks_folder']} (index: dataset.json)")
        print(f"refused: {refused}")
        print(f"cost: ${float(summary.cost_usd or 0):.4f}; use them: --dataset {counts['tasks_folder']}")
        if summary.stopped:
            print(
                f"run stopped ({summary.stopped}): continue with `arcforge generate tasks --resume {summary.path}`"
            )
    from arcforge.cli.generate import exit_code  # 130 interrupted; 2 with the fix for an unknown price

    return exit_code(summary.stopped, model=options.model)


def export_hindsight(args: argparse.Namespace) -> int:
    """``arcforge export RUN_DIR --format tasks --hindsight [--out DIR]``."""
    import asyncio
    import json

    from arcforge.errors import UsageError
    from arcforge.synthesis.hindsight import hindsight_tasks

    if args.format != "tasks" or not args.hindsight:
        raise UsageError("new tasks from a code run are exported with --format tasks --hindsight (both)")
    outcome = asyncio.run(hindsight_tasks(args.run_dir, out=args.out))
    if args.json:
        print(json.dumps(outcome.to_dict(), indent=2))
        return 0
    counts = outcome.counts
    refused = ", ".join(f"{reason} {n}" for reason, n in counts["refused"].items() if n) or "none"
    print(
        f"hindsight tasks: {counts['tasks_written']} from {counts['programs']} program(s); not used: {refused}"
    )
    print(f"tasks: {outcome.written.folder} (index: {outcome.written.index})")
    return 0
