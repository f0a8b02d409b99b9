"""``arcforge benchmark code|direct``: benchmark a model on ARC tasks, scored by the ARC Prize rule."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from arcforge.cli._run_options import finish_run_options
from arcforge.cli._validators import positive_int


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from arcforge.cli._model_options import add_model_options
    from arcforge.cli._run_options import add_run_options
    from arcforge.cli._task_options import add_json_option, add_task_options

    parser = subparsers.add_parser(
        "benchmark",
        help="benchmark a model on ARC tasks (code or direct mode), scored by the ARC Prize rule",
        description=(
            "Benchmark a model. Writes a run directory (records.jsonl, manifest.json), submission.json in "
            "the ARC Prize / Kaggle format and score.json; `arcforge report RUN_DIR` makes the report. "
            "--resume RUN_DIR alone continues a stopped run with the options it was started with."
        ),
    )
    modes = parser.add_subparsers(dest="mode", metavar="MODE", required=True)
    code = modes.add_parser(
        "code",
        help="K programs per task run in the sandbox; 2 attempts per test input chosen blind to the answers",
        description=(
            "Ask for K programs per task, run each in the sandbox on the train and test inputs, and submit "
            "for each test input at most 2 outputs ranked by train accuracy, then by how many programs "
            "agree. The oracle (any of the K right) is reported too, as an upper bound."
        ),
    )
    code.add_argument(
        "--samples",
        "--best_of",
        "--best-of",
        dest="samples",
        type=positive_int,
        default=4,
        metavar="K",
        help="programs per task (default 4; --best_of is the original spelling)",
    )
    from arcforge.cli._refine_options import add_refine_options

    add_refine_options(code)
    from arcforge.cli._library_options import add_library_options

    add_library_options(code)
    direct = modes.add_parser(
        "direct",
        help="the model writes the output grid of every test input; 2 attempts each",
        description=(
            "Ask the model for the output grid of every test input. Each attempt is an independent sample "
            "(one model call per task and attempt); attempt 2 is the first grid differing from attempt 1. "
            "Replies that cannot be parsed are counted apart from wrong answers."
        ),
    )
    direct.add_argument(
        "--attempts",
        dest="samples",
        type=_attempts,
        default=2,
        metavar="N",
        help="attempts (samples) per task, 1 or 2 (default 2)",
    )
    for sub in (code, direct):
        add_task_options(sub)
        add_model_options(sub, run=True)
        sub.add_argument(
            "--encoding",
            default="json-rows",
            metavar="NAME",
            help="grid encoding in prompts: json-rows (default), digits, spaced, color-names",
        )
        sub.add_argument("--template", metavar="NAME", help="prompt template (default: the mode's latest)")
        add_run_options(sub)
        add_json_option(sub)
        sub.set_defaults(handler=run_benchmark_command)
        finish_run_options(sub)


def run_benchmark_command(args: argparse.Namespace) -> int:
    import asyncio
    from pathlib import Path

    from arcforge.cli._model_options import require_model
    from arcforge.cli._refine_options import refine_from_args
    from arcforge.cli._run_options import command_line, resolve_run, run_options
    from arcforge.cli._task_options import tasks_from_args
    from arcforge.cli.generate import exit_code
    from arcforge.pipelines.benchmark import BenchmarkOptions, run_benchmark
    from arcforge.settings import load_settings

    resumed = resolve_run(args)
    if getattr(args, "show_prompt", False):
        from arcforge.cli._refine_options import show_prompt

        show_prompt(args, tasks_from_args(args)[1], agent=args.mode)
        return 0
    require_model(args)
    dataset, tasks = tasks_from_args(args)
    from arcforge.cli._library_options import library_settings

    libraries, library_doc = library_settings(args)
    options = BenchmarkOptions(
        mode=args.mode,
        libraries=libraries,
        library_doc=library_doc,
        model=args.model,
        samples=args.samples,
        temperature=args.temperature,
        max_tokens=args.max_tokens,
        reasoning_effort=args.reasoning_effort,
        base_url=args.base_url,
        use_cache=not args.no_cache,
        reuse_cache=args.reuse_cache,
        price=args.price,
        retry_parse_failures=args.retry_parse_failures,
        encoding=args.encoding,
        template=args.template,
        concurrency=args.concurrency,
        max_cost=args.max_cost,
        out=Path(args.out) if args.out else None,
        resume=Path(args.resume) if args.resume else None,
        dataset_spec=args.dataset,
        progress=False if args.json else args.progress,
    )
    extra = {"options": run_options(args), "argv": command_line(f"benchmark {args.mode}", args)}
    outcome = asyncio.run(
        run_benchmark(
            options,
            settings=load_settings(),
            dataset=dataset,
            tasks=tasks,
            manifest_extra=extra,
            refine=refine_from_args(args),
            resumed=resumed,
        )  # fmt: skip
    )
    if args.json:
        print(
            json.dumps(
                {"run_dir": str(outcome.run_dir), "submission": str(outcome.submission), **outcome.score},
                indent=2,
            )
        )
    else:
        print(format_outcome(outcome.score, run_dir=outcome.run_dir, task_count=len(tasks)))
    return exit_code(outcome.stopped, model=args.model)


def format_outcome(score: dict[str, Any], *, run_dir: Path, task_count: int) -> str:
    """The lines a person reads after a benchmark."""
    from arcforge.pipelines.summaries import format_cost

    low, high = score["score_ci95"]
    low_o, high_o = score["score_per_output_ci95"]
    tokens = score["tokens"]
    cost = score["cost_usd"]
    lines = [
        f"benchmark {score['mode']}: {score['model']} on {task_count} task(s) of {score['dataset']}, "
        f"{score['samples_per_task']} sample(s) per task",
        f"score (per task, official):  {score['score']:.4f} = {score['tasks_solved']:.4g}/{score['tasks']}"
        f"   95% CI [{low:.3f}, {high:.3f}]",
        f"score (per output, Kaggle):  {score['score_per_output']:.4f} = {score['outputs_solved']}/{score['outputs']}"
        f"   95% CI [{low_o:.3f}, {high_o:.3f}]",
    ]
    if score.get("oracle"):
        oracle = score["oracle"]
        lines.append(
            f"oracle pass@{oracle['k']} (any of the {oracle['k']} programs right; an upper bound, "
            f"not a score): {oracle['score']:.4f}"
        )
    lines += [
        f"samples: {score['samples']}; parse failures: {score['parse_failures']} "
        f"({score['parse_failure_rate']:.0%}); errors: {score['errors']}",
        f"cost: {format_cost(cost)} ({format_cost(None if cost is None else cost / max(task_count, 1))} "
        "per task); tokens: "
        f"{tokens['prompt_tokens']:,} in / {tokens['completion_tokens']:,} out",
    ]
    if not score.get("complete", True):
        lines.append(
            f"run stopped ({score.get('stopped')}): scored on what was done so far; continue with "
            f"`arcforge benchmark {score['mode']} --resume {run_dir}`"
        )
    lines += [
        f"run directory: {run_dir}",
        f"submission: {run_dir / 'submission.json'}",
        f"report: arcforge report {run_dir}",
    ]
    return "\n".join(lines)


def _attempts(text: str) -> int:
    value = positive_int(text)
    if value > 2:
        raise argparse.ArgumentTypeError(f"{text}: the ARC Prize rule allows at most 2 attempts")
    return value
