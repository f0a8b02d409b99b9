"""Benchmarking a model on ARC tasks, in code mode or direct mode, scored by the ARC Prize rule.

**Direct mode** asks the model for the output grid of every test input (the direct agent). Each task
gets ``attempts`` independent samples (two by default, one model call each, with ``sample_index`` 0
and 1 so a cache keeps them apart); a test input's attempt 1 is sample 0's grid and attempt 2 is the
first *different* grid of the later samples. A reply that cannot be parsed is recorded with status
``parse_failure`` and counted apart from a wrong answer.

**Code mode** asks the code agent for ``samples`` (K) programs per task; each program is run in the
sandbox on the train inputs (checked against the train outputs) and on the test inputs (predictions
only), inside the same work item, so a resumed run never re-runs a finished program. At most two
attempts per test input are then chosen without looking at the answers
(:mod:`arcforge.pipelines.selection`). The oracle (any of the K programs right) is reported beside the
score and labelled as an upper bound.

Both modes run on the run engine (:mod:`arcforge.engine`): one work item per (task, sample), bounded
concurrency (the model client keeps each model's own limits), ``records.jsonl`` appended as items
finish, ``--resume``, ``--max-cost``, SIGINT safety. Workers only ever see
``task.without_test_outputs()``. When the items are done (or the run stopped), ``submission.json``
(Kaggle format) and ``score.json`` are written from the records (:mod:`arcforge.pipelines.benchmark_results`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from arcforge.errors import UsageError
from arcforge.pipelines.benchmark_results import (
    TaskSlot,
    code_entries,
    direct_entries,
    oracle_summary,
    score_document,
)
from arcforge.pipelines.records import SamplingOptions, model_params
from arcforge.pipelines.scorecard import score_entries
from arcforge.pipelines.submission import write_submission

if TYPE_CHECKING:
    from arcforge.datasets import Dataset
    from arcforge.engine import RunDirectory, RunSummary
    from arcforge.pipelines.refine import RefineOptions
    from arcforge.prompts import PromptTemplate
    from arcforge.settings import Settings
    from arcforge.task.model import Task

__all__ = ["BenchmarkOptions", "BenchmarkOutcome", "finish_benchmark", "run_benchmark", "run_config"]

MODES = ("code", "direct")


@dataclass(frozen=True, kw_only=True)
class BenchmarkOptions(SamplingOptions):
    """What a benchmark run is (the sampling options and the ``mode``), and how it is driven: everything
    but ``out``, ``resume``, ``concurrency``, ``max_cost`` and the cache options is its identity
    (``--resume`` refuses a command that differs)."""

    mode: str
    samples: int = 2
    encoding: str | None = None
    concurrency: int = 4
    max_cost: float | None = None
    out: Path | None = None
    resume: Path | None = None
    dataset_spec: str | None = None
    progress: bool | None = None
    retry_parse_failures: bool = False
    libraries: tuple[str, ...] = ()  # solver library paths (pipelines/library_runs.py)
    library_doc: bool = False  # the libraries' signatures in the prompt (prompts/library_doc.py)

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise UsageError(f"benchmark mode must be one of {', '.join(MODES)}, not {self.mode!r}")
        self.check()
        if self.mode == "direct" and self.samples > 2:
            raise UsageError(f"--attempts is at most 2 (the ARC Prize rule allows two), got {self.samples}")


@dataclass(frozen=True)
class BenchmarkOutcome:
    """Where a finished (or stopped) benchmark left its files, and its score document."""

    run_dir: Path
    submission: Path
    score_file: Path
    score: dict[str, Any]
    stopped: str | None

    @property
    def complete(self) -> bool:
        return self.stopped is None


def run_config(
    options: BenchmarkOptions, dataset: Dataset, tasks: Sequence[Task], template: PromptTemplate
) -> dict[str, Any]:
    """The run's identity, stored in the manifest and compared by ``--resume``."""
    from arcforge.pipelines.library_runs import library_entries
    from arcforge.task.encoding import DEFAULT_ENCODING, get_encoding

    return {
        "kind": options.mode,
        "benchmark": True,
        "dataset": dataset.name,
        "dataset_hash": dataset.content_hash,
        "task_selection": [f"{t.id}:v{t.version}" for t in tasks],
        "model": options.model,
        "base_url": options.base_url,
        "params": model_params(options),
        "template": template.name,
        "template_hash": template.sha256,
        "encoding": get_encoding(options.encoding or DEFAULT_ENCODING).label,
        "samples": options.samples,
        # absent without --library, so runs made before it still resume
        **(
            {"libraries": library_entries(options.libraries), "library_doc": options.library_doc}
            if options.libraries
            else {}
        ),
    }


async def run_benchmark(
    options: BenchmarkOptions,
    *,
    settings: Settings,
    dataset: Dataset,
    tasks: Sequence[Task],
    manifest_extra: Mapping[str, Any] | None = None,
    resumed: RunDirectory | None = None,
    refine: RefineOptions | None = None,
) -> BenchmarkOutcome:
    """Run (or resume) a benchmark of ``tasks`` and write ``submission.json`` and ``score.json``.

    ``resumed``: the run of ``options.resume`` when the caller has opened it already (read once)."""
    from arcforge.engine import RunDirectory, default_run_path, new_run_id, run_tasks
    from arcforge.pipelines.benchmark_workers import make_worker
    from arcforge.pipelines.generate import generation_items
    from arcforge.pipelines.records import run_client
    from arcforge.prompts.library_doc import run_template

    if not tasks:
        raise UsageError("the task selection is empty: nothing to benchmark (check --task-ids / --max-tasks)")
    template = run_template(options.mode, options.template, options.libraries if options.library_doc else ())
    config = run_config(options, dataset, tasks, template)
    refined = refine is not None and refine.active and options.mode == "code"
    if refined and refine is not None:  # a refinement search (pipelines/refine.py)
        config["refine"] = refine.to_config()
    command = f"benchmark {options.mode}"
    if options.resume is not None:  # check the run before starting a model: a mismatch fails at once
        resumed = resumed or RunDirectory.open(options.resume)
        resumed.check_config(command, config)
    run_id = resumed.run_id if resumed is not None else new_run_id()
    items = generation_items(tasks, options.samples, hide_test_outputs=True)
    from arcforge.pipelines.library_runs import check_libraries, library_sandbox

    await check_libraries(options.libraries)  # a library failing to import costs no model request
    # the client first: a missing API key or an unknown model fails before a run directory is made
    client_context = run_client(options, settings=settings, run_id=run_id)
    async with (
        client_context as client,
        (  # a refined search brings its own worker
            contextlib.nullcontext() if refined else make_worker(options, client=client, template=template)
        ) as worker,
    ):
        if resumed is not None:
            run = resumed
            if manifest_extra:
                run.write_manifest(**dict(manifest_extra))
        else:
            run = RunDirectory.start(
                out=options.out,
                resume=None,
                command=command,
                config=config,
                default_path=default_run_path(f"benchmark-{options.mode}", options.model),
                dataset_spec=options.dataset_spec or dataset.name,
                run_id=run_id,
                **dict(manifest_extra or {}),
            )
        if refined and refine is not None:
            from arcforge.pipelines.refine import refine_tasks

            async with library_sandbox(options.libraries) as sandbox:
                summary = await refine_tasks(
                    run, [task.without_test_outputs() for task in tasks], client=client, options=options,
                    samples=options.samples, template=template, encoding=options.encoding or "json-rows",
                    refine=refine, description=command, concurrency=options.concurrency,
                    max_cost_usd=options.max_cost, progress=options.progress,
                    retry_parse_failures=options.retry_parse_failures,
                    probe_cost=options.max_cost is not None and not client.entry.priced, sandbox=sandbox,
                )  # fmt: skip
            return finish_benchmark(run, tasks, options=options, dataset=dataset, summary=summary)
        assert worker is not None
        summary = await run_tasks(
            run,
            items,
            worker,
            concurrency=options.concurrency,
            max_cost_usd=options.max_cost,
            progress=options.progress,
            description=command,
            retry_parse_failures=options.retry_parse_failures,
            probe_cost=options.max_cost is not None and not client.entry.priced,
        )
    return finish_benchmark(run, tasks, options=options, dataset=dataset, summary=summary)


def finish_benchmark(
    run: RunDirectory,
    tasks: Sequence[Task],
    *,
    options: BenchmarkOptions,
    dataset: Dataset,
    summary: RunSummary | None = None,
) -> BenchmarkOutcome:
    """Build ``submission.json`` from the run's records (blind to test outputs), then score it."""
    from arcforge.engine import write_json_atomic

    # scoring needs a record's verdicts, not its prompt, reply or task: hold only those (bounded per record)
    records = [_scoring_fields(record) for record in run.current_records()]
    slots = [TaskSlot.of(task) for task in tasks]
    build = code_entries if options.mode == "code" else direct_entries
    oracle_k = options.samples
    if run.config.get("refine"):  # attempts chosen with their reasons (selection.json)
        from arcforge.pipelines.refine import most_calls_per_task, refined_entries

        entries = refined_entries(run.path, records, slots)
        oracle_k = most_calls_per_task(records)  # the oracle is over every program of the search
    else:
        entries = build(records, slots)
    submission_path = run.path / "submission.json"
    write_submission(submission_path, entries)
    card = score_entries(entries, tasks, source=str(submission_path))
    oracle = oracle_summary(records, tasks, k=oracle_k) if options.mode == "code" else None
    stopped = summary.stopped if summary is not None else None
    header = {
        "run_id": run.run_id,
        "mode": options.mode,
        "model": options.model,
        "dataset": dataset.name,
        "dataset_spec": _portable_spec(options.dataset_spec or dataset.name),
        "dataset_hash": dataset.content_hash,
        "samples_per_task": options.samples,
        "complete": stopped is None,
        "stopped": stopped,
        "rule": "ARC Prize: a test output is solved when either of its (at most 2) attempts matches exactly",
    }
    document = score_document(card, records, header=header, oracle=oracle)
    score_path = run.path / "score.json"
    write_json_atomic(score_path, document)
    run.write_manifest(
        score={
            "score": document["score"],
            "score_per_output": document["score_per_output"],
            "complete": stopped is None,
        }
    )
    return BenchmarkOutcome(run.path, submission_path, score_path, document, stopped)


def _portable_spec(spec: str) -> str:
    """A dataset spec a report can load from any folder: catalog names as they are, paths made absolute."""
    from arcforge.datasets.catalog import resolve_name

    if resolve_name(spec) is None and Path(spec).exists():
        return str(Path(spec).resolve())
    return spec


# the bulky fields of a record, which scoring never reads
_HEAVY = frozenset({"task_data", "prompt_messages", "completion", "thinking", "explanation", "reasoning"})


def _scoring_fields(record: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in record.items() if key not in _HEAVY}
