"""``arcforge generate reasoning|code``: synthetic reasoning traces and solver programs into a run directory.

``--resume RUN_DIR`` alone continues a run with the options it was started with (kept in its
manifest); an option given again must match, or the command refuses with the difference.
"""

from __future__ import annotations

import argparse
from typing import Any

from arcforge.cli._model_options import add_model_options, require_model
from arcforge.cli._run_options import (
    RUN_OPTIONS,
    add_run_options,
    command_line,
    fill_from_manifest,
    run_options,
)
from arcforge.cli._task_options import add_json_option, add_task_options
from arcforge.cli._validators import positive_int

__all__ = ["register"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "generate", help="generate reasoning traces or solver programs with a model"
    )
    kinds = parser.add_subparsers(dest="kind", metavar="KIND", required=True)
    for kind, text in (
        ("reasoning", "explanations of each task's rule"),
        ("code", "explanations and solve(grid)"),
    ):
        sub = kinds.add_parser(
            kind, help=f"generate {text}", description=f"Generate {text} for the selected tasks."
        )
        add_task_options(sub)
        add_model_options(sub)
        sub.add_argument(
            "--samples",
            "--best_of",
            dest="samples",
            type=positive_int,
            default=1,
            metavar="K",
            help="samples per task (default: 1)",
        )
        sub.add_argument(
            "--encoding",
            default="json-rows",
            metavar="NAME",
            help="grid encoding in prompts: json-rows (default), digits, spaced, color-names",
        )
        sub.add_argument(
            "--template", metavar="NAME", help=f"prompt template (default: the latest {kind}-vN)"
        )
        add_run_options(sub)
        add_json_option(sub)
        sub.set_defaults(
            handler=_generate,
            kind=kind,
            option_defaults={dest: sub.get_default(dest) for dest in RUN_OPTIONS},
        )


def _generate(args: argparse.Namespace) -> int:
    import asyncio
    import json

    from arcforge.cli._task_options import tasks_from_args
    from arcforge.errors import UsageError
    from arcforge.pipelines.generate import GenerateOptions, generate_run
    from arcforge.pipelines.summaries import describe_generation
    from arcforge.settings import load_settings

    if args.resume:
        fill_from_manifest(args, args.resume)
    require_model(args)
    dataset, tasks = tasks_from_args(args)
    if not tasks:
        raise UsageError("the task selection is empty: check --task-ids, --tasks and --max-tasks")
    options = GenerateOptions(
        kind=args.kind,
        model=args.model,
        samples=args.samples,
        temperature=args.temperature,
        max_tokens=args.max_tokens,
        reasoning_effort=args.reasoning_effort,
        encoding=args.encoding,
        template=args.template,
        base_url=args.base_url,
        use_cache=not args.no_cache,
    )
    settings = load_settings()
    summary = asyncio.run(
        generate_run(
            tasks,
            options,
            settings=settings,
            dataset_name=dataset.name,
            dataset_hash=dataset.content_hash,
            out=args.out,
            resume=args.resume,
            concurrency=args.concurrency,
            max_cost_usd=args.max_cost,
            progress=False if args.json else args.progress,
            manifest_extra={
                "options": run_options(args),
                "argv": command_line(f"generate {args.kind}", args),
            },
        )
    )
    result = {
        "run_dir": str(summary.path),
        "run_id": summary.run_id,
        "total": summary.total,
        "skipped": summary.skipped,
        "written": summary.completed,
        "by_status": summary.statuses,
        "prompt_tokens": summary.prompt_tokens,
        "completion_tokens": summary.completion_tokens,
        "cost_usd": summary.cost_usd,
        "stopped": summary.stopped,
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(describe_generation(summary, verb=f"generate {args.kind}"))
    return 130 if summary.stopped == "interrupted" else 0
