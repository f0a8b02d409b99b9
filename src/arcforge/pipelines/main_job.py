"""The main job behind ``make run``: offline, end to end, on the embedded defaults.

It generates code with the bundled ``local`` model for 3 ARC-AGI-2 evaluation tasks (the 3 with the
shortest prompts, so they fit the small model's context and end in minutes on two cores), verifies the
programs in the sandbox, and prints the summary table and where the files are; then it benchmarks the
same model in direct mode on the 3 tasks with the shortest direct prompts and writes the report. Task
choice is one function, :func:`shortest_prompt_tasks`, for both. Each step is the same
function the command line calls (``arcforge generate code``, ``arcforge verify``), in sequence.
The bundled model is tiny and wrong on ARC: expect parse failures and no verified program; the job
proves the pipeline runs, not the model.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from arcforge.engine import default_run_path
from arcforge.pipelines.generate import GenerateOptions, generate_run
from arcforge.pipelines.summaries import describe_generation, format_verification
from arcforge.pipelines.verify import VerifySummary, verify_run
from arcforge.prompts import build_messages
from arcforge.settings import Settings
from arcforge.task.model import Task

if TYPE_CHECKING:
    from arcforge.pipelines.benchmark import BenchmarkOutcome

__all__ = ["run_main_benchmark", "run_main_generation", "shortest_prompt_tasks"]

MAIN_DATASET = "arc-agi-2/evaluation"


def shortest_prompt_tasks(tasks: Sequence[Task], count: int, *, agent: str = "code") -> list[Task]:
    """The ``count`` tasks whose prompts are shortest (ties by id), in dataset order."""
    sizes = {task.id: sum(len(m["content"]) for m in build_messages(agent, task)) for task in tasks}
    chosen = set(sorted(sizes, key=lambda task_id: (sizes[task_id], task_id))[:count])
    return [task for task in tasks if task.id in chosen]


def run_main_generation(
    settings: Settings,
    *,
    out: Path | None = None,
    task_count: int = 3,
    max_tokens: int = 160,
    model: str = "local",
) -> VerifySummary:
    """Generate code with ``model`` for ``task_count`` evaluation tasks, verify, print; return the summary."""
    from arcforge.datasets import load_dataset

    dataset = load_dataset(MAIN_DATASET)
    tasks = shortest_prompt_tasks(dataset.tasks, task_count)
    options = GenerateOptions(kind="code", model=model, samples=1, max_tokens=max_tokens)
    run_dir = out or default_run_path("generate-code", model)
    print(
        f"generating code with {model} for {len(tasks)} {dataset.name} tasks: {', '.join(t.id for t in tasks)}"
    )
    summary = asyncio.run(
        generate_run(
            tasks,
            options,
            settings=settings,
            dataset_name=dataset.name,
            dataset_hash=dataset.content_hash,
            out=run_dir,
            concurrency=1,
            manifest_extra={
                "argv": [
                    "generate",
                    "code",
                    "--model",
                    model,
                    "--task-ids",
                    ",".join(t.id for t in tasks),
                    "--max-tokens",
                    str(max_tokens),
                ]
            },
        )
    )
    print(describe_generation(summary, verb="generate code"))
    verification = asyncio.run(verify_run(summary.path))
    print()
    print(format_verification(verification))
    print()
    print(f"records:      {summary.path / 'records.jsonl'}")
    print(f"manifest:     {summary.path / 'manifest.json'}")
    print(f"verification: {summary.path / 'verification.jsonl'}")
    print(f"log:          {summary.path / 'run.log'}")
    return verification


def run_main_benchmark(
    settings: Settings, *, out: Path | None = None, task_count: int = 3, max_tokens: int = 96
) -> tuple[BenchmarkOutcome, Path]:
    """``make run``'s benchmark: ``local`` on the ``task_count`` evaluation tasks with the shortest direct
    prompts, direct mode, small ``max_tokens`` so it ends in minutes on two cores; writes the report and
    returns the outcome and the path of ``report.html``. (The bundled model is tiny and scores 0: this
    proves the pipeline, not the model.)"""
    from arcforge.datasets import load_dataset
    from arcforge.pipelines.benchmark import BenchmarkOptions, run_benchmark
    from arcforge.pipelines.report import write_report

    dataset = load_dataset(MAIN_DATASET)
    tasks = shortest_prompt_tasks(dataset.tasks, task_count, agent="direct")
    options = BenchmarkOptions(
        mode="direct",
        model="local",
        samples=2,
        temperature=0.7,
        max_tokens=max_tokens,
        concurrency=1,
        out=out or default_run_path("benchmark-direct", "local"),
        dataset_spec=MAIN_DATASET,
    )
    outcome = asyncio.run(run_benchmark(options, settings=settings, dataset=dataset, tasks=tasks))
    files = write_report([outcome.run_dir])
    return outcome, files.html


def main() -> int:
    """``make run``: generate and verify code, then benchmark in direct mode and write the report.

    Any :class:`~arcforge.errors.ArcforgeError` ends the job with one line and exit code 1 (2 for usage
    errors), like the command line.
    """
    import sys

    from arcforge.errors import ArcforgeError
    from arcforge.settings import load_settings

    settings = load_settings()
    try:
        run_main_generation(settings)
        print()
        outcome, html = run_main_benchmark(settings)
        print(
            f"benchmark of local on {len(outcome.score['per_task'])} {MAIN_DATASET} tasks (direct mode): "
            f"score {outcome.score['score']:.3f}, {outcome.score['parse_failures']} parse failure(s)"
        )
        print(f"report: {html}")
    except ArcforgeError as exc:
        print(f"arcforge: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("arcforge: interrupted; rerun `make run` (finished runs are kept under runs/)", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
