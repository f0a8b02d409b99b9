"""``arcforge generate reasoning|code``: synthetic reasoning traces and solver programs into a run directory.

``--resume RUN_DIR`` alone continues a run with every option it was started with (kept in its
manifest); an option that defines the run must match if given again, while the budget, concurrency,
price and cache options may change and are saved for the next resume.
"""

from __future__ import annotations

import argparse
from typing import Any

from arcforge.cli._model_options import add_model_options, require_model
from arcforge.cli._run_options import add_run_options, finish_run_options
from arcforge.cli._task_options import add_json_option, add_task_options
from arcforge.cli._validators import positive_int

__all__ = ["register"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "generate", help="generate reasoning traces or solver programs with a model"
    )
    kinds = parser.add_subparsers(dest="kind", metavar="KIND", required=True)
    for kind, text in (
        ("reasoning", "explanations of each task's rule, with the predicted test outputs"),
        ("code", "explanations and solve(grid)"),
    ):
        sub = kinds.add_parser(
            kind, help=f"generate {text}", description=f"Generate {text} for the selected tasks."
        )
        add_task_options(sub)
        add_model_options(sub, run=True)
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
        if kind == "code":
            from arcforge.cli._refine_options import add_refine_options

            add_refine_options(sub)
            from arcforge.cli._library_options import add_library_options

            add_library_options(sub)
        add_run_options(sub)
        add_json_option(sub)
        sub.set_defaults(handler=_generate, kind=kind)
        finish_run_options(sub)

    from arcforge.cli._synthesis import add_tasks_parser  # generate tasks (arcforge.synthesis)

    add_tasks_parser(kinds)


def _generate(args: argparse.Namespace) -> int:
    import asyncio
    import json

    from arcforge.cli._refine_options import refine_from_args
    from arcforge.cli._run_options import command_line, resolve_run, run_options
    from arcforge.cli._task_options import tasks_from_args
    from arcforge.errors import UsageError
    from arcforge.pipelines.generate import GenerateOptions, generate_run
    from arcforge.pipelines.summaries import describe_generation, summary_json
    from arcforge.settings import load_settings

    resumed = resolve_run(args)
    if getattr(args, "show_prompt", False):
        from arcforge.cli._refine_options import show_prompt

        show_prompt(args, tasks_from_args(args)[1], agent=args.kind)
        return 0
    require_model(args)
    dataset, tasks = tasks_from_args(args)
    if not tasks:
        raise UsageError("the task selection is empty: check --task-ids, --tasks and --max-tasks")
    from arcforge.cli._library_options import library_settings

    libraries, library_doc = library_settings(args)
    options = GenerateOptions(
        kind=args.kind,
        libraries=libraries,
        library_doc=library_doc,
        model=args.model,
        samples=args.samples,
        temperature=args.temperature,
        max_tokens=args.max_tokens,
        reasoning_effort=args.reasoning_effort,
        encoding=args.encoding,
        template=args.template,
        base_url=args.base_url,
        use_cache=not args.no_cache,
        reuse_cache=args.reuse_cache,
        price=args.price,
    )
    summary = asyncio.run(
        generate_run(
            tasks,
            options,
            settings=load_settings(),
            dataset_name=dataset.name,
            dataset_hash=dataset.content_hash,
            out=args.out,
            resume=args.resume,
            resumed=resumed,
            concurrency=args.concurrency,
            max_cost_usd=args.max_cost,
            progress=False if args.json else args.progress,
            retry_parse_failures=args.retry_parse_failures,
            refine=refine_from_args(args),
            manifest_extra={
                "options": run_options(args),
                "argv": command_line(f"generate {args.kind}", args),
            },
        )
    )
    if args.json:
        print(json.dumps(summary_json(summary), indent=2))
    else:
        print(describe_generation(summary, verb=f"generate {args.kind}"))
    return exit_code(summary.stopped, model=args.model)


def exit_code(stopped: str | None, *, model: str) -> int:
    """130 for an interrupted run, 2 (with the fix on stderr) when a budget met a reply of unknown cost."""
    import sys

    if stopped == "interrupted":
        return 130
    if stopped == "cost_unknown":
        print(
            f"arcforge: error: --max-cost needs to know what {model} costs, and the server reported no cost: "
            "give its price with --price IN:OUT (USD per million input and output tokens) or an "
            "input_price/output_price entry in models.toml, then continue with --resume",
            file=sys.stderr,
        )
        return 2
    return 0
