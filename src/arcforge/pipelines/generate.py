"""Generation of reasoning traces and solver programs: one record per (task, sample), on the run engine.

:func:`generate` asks the model for ``samples`` answers per task (the sample index is part of the
request's cache key, so samples differ), parses each reply with the agent's parser and returns what
:func:`arcforge.engine.run_tasks` reports. A record keeps the original system's fields (``task_id``,
``task_data``, ``prompt_messages``, ``reasoning``, ``python_code``) and adds the run's own (see
``docs/data-formats.md`` and :mod:`arcforge.pipelines.records`, which builds them for generate and
benchmark alike). A reply that cannot be parsed gives ``status: "parse_failure"``; a request that failed
after the client's retries gives ``status: "error"`` with its ``error_kind``: a transport or server error
is asked again by ``--resume``, a refused request is final, and so is a parse failure unless
``--retry-parse-failures``.

:func:`generation_config` is the run's identity for ``--resume``: the kind, dataset and its hash, the
task selection (ids and versions), samples, model and parameters, template and its hash, encoding.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from arcforge.engine import RunDirectory, RunSummary, WorkItem, run_tasks
from arcforge.engine import sample_key as _sample_key
from arcforge.errors import UsageError
from arcforge.pipelines.records import (
    SamplingOptions,
    build_record,
    complete_record,
    mark_parse_failure,
    model_params,
)
from arcforge.prompts import PromptTemplate, build_messages
from arcforge.prompts.library_doc import run_template
from arcforge.task.encoding import DEFAULT_ENCODING, get_encoding
from arcforge.task.model import Task

if TYPE_CHECKING:
    from arcforge.models import ModelClient
    from arcforge.pipelines.refine import RefineOptions
    from arcforge.settings import Settings

__all__ = [
    "GENERATE_KINDS",
    "GenerateOptions",
    "RunControl",
    "SamplingOptions",
    "build_record",
    "complete_record",
    "generate",
    "generate_run",
    "generation_config",
    "generation_items",
    "mark_parse_failure",
    "model_params",
    "sample_key",
]

GENERATE_KINDS = ("reasoning", "code")


@dataclass(frozen=True, slots=True, kw_only=True)
class GenerateOptions(SamplingOptions):
    """What a generation run asks: the agent (``kind``), and the sampling options of the model."""

    kind: str
    libraries: tuple[str, ...] = ()  # solver library paths (pipelines/library_runs.py)
    library_doc: bool = False  # the libraries' signatures in the prompt (prompts/library_doc.py)

    def __post_init__(self) -> None:
        if self.kind not in GENERATE_KINDS:
            raise UsageError(
                f"unknown generation kind {self.kind!r}; choose one of {', '.join(GENERATE_KINDS)}"
            )
        self.check()

    def prompt_template(self) -> PromptTemplate:
        return run_template(self.kind, self.template, self.libraries if self.library_doc else ())


@dataclass(frozen=True, slots=True)
class RunControl:
    """How a run is driven (not part of its identity): where, resumed or not, how fast, what budget."""

    out: Path | str | None = None
    resume: Path | str | None = None
    concurrency: int = 4
    max_cost_usd: float | None = None
    progress: bool | None = None
    retry_parse_failures: bool = False


def sample_key(task: Task, sample_index: int) -> str:
    """The unique key of one sample: ``"{task_id}:v{version}:s{sample}"``."""
    return _sample_key(task.id, task.version, sample_index)


class GenerationItems(Collection[WorkItem]):
    """One work item per task and sample, task by task, made as they are walked (never held as a list:
    the engine walks them to count, to check keys and to run, and a million of them would take about
    200 MB). The samples of a task share one task object."""

    def __init__(self, tasks: Sequence[Task], samples: int) -> None:
        self.tasks, self.samples = list(tasks), samples

    def __len__(self) -> int:
        return len(self.tasks) * self.samples

    def __iter__(self) -> Iterator[WorkItem]:
        for task in self.tasks:
            for k in range(self.samples):
                yield WorkItem(sample_key(task, k), (task, k))

    def __contains__(self, item: object) -> bool:
        return any(item == candidate for candidate in self)


def generation_items(
    tasks: Sequence[Task], samples: int, *, hide_test_outputs: bool = False
) -> GenerationItems:
    """The work items of ``samples`` samples of each task (``hide_test_outputs``: the benchmark's, whose
    tasks carry no test output; each task's copy is made once, shared by its samples)."""
    shown = [task.without_test_outputs() if hide_test_outputs else task for task in tasks]
    return GenerationItems(shown, samples)


def generation_config(
    options: GenerateOptions, *, dataset_name: str, dataset_hash: str, tasks: Sequence[Task]
) -> dict[str, Any]:
    """The manifest's ``config``: everything that makes the run what it is (compared on ``--resume``)."""
    template = options.prompt_template()
    encoding = get_encoding(options.encoding or DEFAULT_ENCODING)
    libraries: dict[str, Any] = {}
    if options.libraries:  # absent without --library, so runs made before it still resume
        from arcforge.pipelines.library_runs import library_entries

        libraries = {"libraries": library_entries(options.libraries), "library_doc": options.library_doc}
    return {
        "kind": options.kind,
        "dataset": dataset_name,
        "dataset_hash": dataset_hash,
        "task_selection": [f"{task.id}:v{task.version}" for task in tasks],
        "samples": options.samples,
        "model": options.model,
        "base_url": options.base_url,
        "params": model_params(options),
        "template": template.name,
        "template_hash": template.sha256,
        "encoding": encoding.label,
        **libraries,
    }


async def generate(
    run: RunDirectory,
    tasks: Sequence[Task],
    options: GenerateOptions,
    *,
    client: ModelClient,
    concurrency: int = 4,
    max_cost_usd: float | None = None,
    progress: bool | None = None,
    retry_parse_failures: bool = False,
) -> RunSummary:
    """Generate ``options.samples`` answers for each task into ``run``; skips samples already finished."""
    template = options.prompt_template()
    encoding = options.encoding or DEFAULT_ENCODING
    prompts: dict[tuple[str, int], list[dict[str, Any]]] = {}  # built once per task, shared by its samples

    async def worker(item: WorkItem) -> dict[str, Any]:
        task, sample_index = item.payload
        messages = prompts.get((task.id, task.version))
        if messages is None:
            messages = build_messages(options.kind, task, encoding=encoding, template=template)
            prompts[(task.id, task.version)] = messages
        record = await complete_record(
            client,
            options.kind,
            task,
            sample_index,
            messages=messages,
            options=options,
            template=template,
            attempt=item.attempt,
        )
        return dict(record)

    return await run_tasks(
        run,
        generation_items(tasks, options.samples),
        worker,
        concurrency=concurrency,
        max_cost_usd=max_cost_usd,
        progress=progress,
        description=f"generate {options.kind}",
        retry_parse_failures=retry_parse_failures,
        probe_cost=max_cost_usd is not None and not client.entry.priced,
    )


async def generate_run(
    tasks: Sequence[Task],
    options: GenerateOptions,
    *,
    settings: Settings,
    dataset_name: str,
    dataset_hash: str,
    out: Path | str | None = None,
    resume: Path | str | None = None,
    concurrency: int = 4,
    max_cost_usd: float | None = None,
    progress: bool | None = None,
    manifest_extra: dict[str, Any] | None = None,
    retry_parse_failures: bool = False,
    resumed: RunDirectory | None = None,
    refine: RefineOptions | None = None,
) -> RunSummary:
    """The whole of ``arcforge generate``: open the model, start or resume the run, generate.

    The client is opened first, so a missing API key or an unknown model fails before a run
    directory is made. ``resume`` continues that run after checking its config matches (``resumed``:
    the run already opened by the caller, so the manifest is read once).
    """
    from arcforge.engine import default_run_path, new_run_id
    from arcforge.pipelines.records import run_client

    config = generation_config(options, dataset_name=dataset_name, dataset_hash=dataset_hash, tasks=tasks)
    if refine is not None and refine.active:  # a refinement search (pipelines/refine.py)
        config["refine"] = refine.to_config()
    command = f"generate {options.kind}"
    if resume is not None:  # check the run before starting a model: a mismatch fails at once
        resumed = resumed or RunDirectory.open(resume)
        resumed.check_config(command, config)
    run_id = resumed.run_id if resumed is not None else new_run_id()
    from arcforge.pipelines.library_runs import check_libraries, library_sandbox

    await check_libraries(options.libraries)  # a library failing to import costs no model request
    async with run_client(options, settings=settings, run_id=run_id) as client:
        if resumed is not None:
            run = resumed
            if manifest_extra:
                run.write_manifest(**manifest_extra)
        else:
            run = RunDirectory.start(
                out=out,
                resume=None,
                command=command,
                config=config,
                default_path=default_run_path(f"generate-{options.kind}", options.model, root="runs"),
                run_id=run_id,
                **(manifest_extra or {}),
            )
        if refine is not None and refine.active:
            from arcforge.pipelines.refine import refine_tasks

            async with library_sandbox(options.libraries) as sandbox:
                return await refine_tasks(
                    run, tasks, client=client, options=options, samples=options.samples,
                    template=options.prompt_template(), encoding=options.encoding or "json-rows",
                    refine=refine, description=f"generate {options.kind}", concurrency=concurrency,
                    max_cost_usd=max_cost_usd, progress=progress, retry_parse_failures=retry_parse_failures,
                    probe_cost=max_cost_usd is not None and not client.entry.priced, sandbox=sandbox,
                )  # fmt: skip
        return await generate(
            run,
            tasks,
            options,
            client=client,
            concurrency=concurrency,
            max_cost_usd=max_cost_usd,
            progress=progress,
            retry_parse_failures=retry_parse_failures,
        )
