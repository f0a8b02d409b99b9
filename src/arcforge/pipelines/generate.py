"""Generation of reasoning traces and solver programs: one record per (task, sample), on the run engine.

:func:`generate` asks the model for ``samples`` answers per task (the sample index is part of the
request's cache key, so samples differ), parses each reply with the agent's parser and returns what
:func:`arcforge.engine.run_tasks` reports. A record keeps the original system's fields (``task_id``,
``task_data``, ``prompt_messages``, ``reasoning``, ``python_code``) and adds the run's own (see
``docs/data-formats.md``). A reply that cannot be parsed gives ``status: "parse_failure"`` with the
parser's ``parse_error``; a request that failed after the client's retries gives ``status: "error"``.
Either way the record is written and counted, so a resume does not ask again.

:func:`generation_config` is the run's identity for ``--resume``: the kind, dataset and its hash, the
task selection (ids and versions), samples, model and parameters, template and its hash, encoding.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from arcforge.engine import RunDirectory, RunSummary, WorkItem, run_tasks
from arcforge.errors import ModelError, UsageError
from arcforge.prompts import (
    ParseError,
    PromptTemplate,
    build_messages,
    load_template,
    parse_code,
    parse_reasoning,
)
from arcforge.task.encoding import DEFAULT_ENCODING, get_encoding
from arcforge.task.model import Task

if TYPE_CHECKING:
    from arcforge.models import Completion, ModelClient

__all__ = [
    "GENERATE_KINDS",
    "GenerateOptions",
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


@dataclass(frozen=True, slots=True)
class GenerateOptions:
    """What a generation run asks: the agent (``kind``), the model and its parameters, the prompt."""

    kind: str
    model: str
    samples: int = 1
    temperature: float | None = None
    max_tokens: int | None = None
    reasoning_effort: str | None = None
    encoding: str = DEFAULT_ENCODING
    template: str | None = None  # a template name; default: the agent's latest
    base_url: str | None = None
    use_cache: bool = True

    def __post_init__(self) -> None:
        if self.kind not in GENERATE_KINDS:
            raise UsageError(
                f"unknown generation kind {self.kind!r}; choose one of {', '.join(GENERATE_KINDS)}"
            )
        if self.samples < 1:
            raise UsageError(f"--samples must be at least 1 (got {self.samples})")
        get_encoding(self.encoding)

    def prompt_template(self) -> PromptTemplate:
        template = load_template(self.template or self.kind)
        if template.agent != self.kind:
            raise UsageError(
                f"prompt template {template.name} is for the {template.agent} agent, not {self.kind}"
            )
        return template


def sample_key(task: Task, sample_index: int) -> str:
    """The unique key of one sample: ``"{task_id}:v{version}:s{sample}"``."""
    return f"{task.id}:v{task.version}:s{sample_index}"


def generation_items(tasks: Sequence[Task], samples: int) -> list[WorkItem]:
    """One work item per task and sample, task by task."""
    return [WorkItem(sample_key(task, k), (task, k)) for task in tasks for k in range(samples)]


def generation_config(
    options: GenerateOptions, *, dataset_name: str, dataset_hash: str, tasks: Sequence[Task]
) -> dict[str, Any]:
    """The manifest's ``config``: everything that makes the run what it is (compared on ``--resume``)."""
    template = options.prompt_template()
    encoding = get_encoding(options.encoding)
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
) -> RunSummary:
    """Generate ``options.samples`` answers for each task into ``run``; skips samples already written."""
    template = options.prompt_template()
    prompts: dict[tuple[str, int], list[dict[str, Any]]] = {}  # built once per task, shared by its samples

    async def worker(item: WorkItem) -> dict[str, Any]:
        task, sample_index = item.payload
        messages = prompts.get((task.id, task.version))
        if messages is None:
            messages = build_messages(options.kind, task, encoding=options.encoding, template=template)
            prompts[(task.id, task.version)] = messages
        return await complete_record(
            client, options.kind, task, sample_index, messages=messages, options=options, template=template
        )

    return await run_tasks(
        run,
        generation_items(tasks, options.samples),
        worker,
        concurrency=concurrency,
        max_cost_usd=max_cost_usd,
        progress=progress,
        description=f"generate {options.kind}",
    )


class SamplingOptions(Protocol):
    """The options a model call takes from a run's options (:class:`GenerateOptions`, the benchmark's)."""

    @property
    def model(self) -> str: ...
    @property
    def temperature(self) -> float | None: ...
    @property
    def max_tokens(self) -> int | None: ...
    @property
    def reasoning_effort(self) -> str | None: ...


def model_params(options: SamplingOptions) -> dict[str, Any]:
    """The parameters of the model calls, as a run's config records them."""
    return {
        "temperature": options.temperature,
        "max_tokens": options.max_tokens,
        "reasoning_effort": options.reasoning_effort,
    }


async def complete_record(
    client: ModelClient,
    kind: str,
    task: Task,
    sample_index: int,
    *,
    messages: list[dict[str, Any]],
    options: SamplingOptions,
    template: PromptTemplate,
) -> dict[str, Any]:
    """Ask ``client`` for sample ``sample_index`` of ``task`` and return its :func:`build_record`; a
    :class:`ModelError` (after the client's retries) gives an ``error`` record with the time it took."""
    from arcforge.models import ChatRequest

    request = ChatRequest(
        messages=messages,
        temperature=options.temperature,
        max_tokens=options.max_tokens,
        reasoning_effort=options.reasoning_effort,
        sample_index=sample_index,
    )
    common: dict[str, Any] = {"messages": messages, "model": options.model, "template": template}
    started = time.monotonic()
    try:
        completion = await client.complete(request)
    except ModelError as exc:
        return build_record(
            kind,
            task,
            sample_index,
            error=f"{type(exc).__name__}: {exc}",
            latency_s=time.monotonic() - started,
            **common,
        )
    return build_record(kind, task, sample_index, completion=completion, **common)


def build_record(
    kind: str,
    task: Task,
    sample_index: int,
    *,
    messages: list[dict[str, Any]],
    model: str,
    template: PromptTemplate,
    completion: Completion | None = None,
    error: str | None = None,
    latency_s: float | None = None,
) -> dict[str, Any]:
    """One record of ``records.jsonl`` for a reply (``completion``) or a failed request (``error``)."""
    record: dict[str, Any] = {
        "key": sample_key(task, sample_index),
        "kind": kind,
        "task_id": task.id,
        "task_version": task.version,
        "sample_index": sample_index,
        "model": model,
        "status": "error",
        "task_data": task.to_dict(),
        "prompt_messages": messages,
        "template": template.name,
        "completion": None,
        "thinking": None,
        "reasoning": None,
        "explanation": None,
        "python_code": None,
        "entry": None,
        "attempts": None,
        "parse_error": None,
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "reasoning_tokens": 0},
        "cost_usd": 0.0,
        "latency_s": round(latency_s, 3) if latency_s is not None else None,
        "retries": 0,
        "cached": False,
        "provider_model": None,
        "finish_reason": None,
        "error": error,
    }
    if completion is None:
        return record
    record.update(
        completion=completion.text,
        thinking=completion.reasoning,
        usage=completion.usage.to_dict(),
        cost_usd=completion.cost_usd,
        latency_s=round(completion.latency_s, 3),
        retries=completion.retries,
        cached=completion.cached,
        provider_model=completion.provider_model,
        finish_reason=completion.finish_reason,
        status="ok",
    )
    try:
        if kind == "code":
            answer = parse_code(completion.text)
            record.update(explanation=answer.explanation, python_code=answer.code, entry=answer.entry)
        else:
            record.update(explanation=parse_reasoning(completion.text))
    except ParseError as exc:
        mark_parse_failure(record, exc)
    record["reasoning"] = record["explanation"]  # the original system's name for the trace
    return record


def mark_parse_failure(record: dict[str, Any], exc: ParseError) -> dict[str, Any]:
    """``record`` (changed in place) as a ``parse_failure``, with the parser's kind and message."""
    record.update(
        status="parse_failure",
        parse_error={"kind": exc.kind, "message": str(exc)},
        error=f"parse failure ({exc.kind}): {exc}",
    )
    return record


async def generate_run(
    tasks: Sequence[Task],
    options: GenerateOptions,
    *,
    settings: Any,
    dataset_name: str,
    dataset_hash: str,
    out: Path | str | None = None,
    resume: Path | str | None = None,
    concurrency: int = 4,
    max_cost_usd: float | None = None,
    progress: bool | None = None,
    manifest_extra: dict[str, Any] | None = None,
) -> RunSummary:
    """The whole of ``arcforge generate``: open the model, start or resume the run, generate.

    The client is opened first, so a missing API key or an unknown model fails before a run
    directory is made. ``resume`` continues that run after checking its config matches.
    """
    from arcforge.engine import default_run_path
    from arcforge.models import open_client

    config = generation_config(options, dataset_name=dataset_name, dataset_hash=dataset_hash, tasks=tasks)
    command = f"generate {options.kind}"
    if resume is not None:  # check the run before starting a model: a mismatch fails at once
        RunDirectory.open(resume).check_config(command, config)
    async with open_client(
        options.model, settings=settings, base_url=options.base_url, use_cache=options.use_cache
    ) as client:
        run = RunDirectory.start(
            out=out,
            resume=resume,
            command=command,
            config=config,
            default_path=default_run_path(f"generate-{options.kind}", options.model, root=settings.runs_dir),
            **(manifest_extra or {}),
        )
        return await generate(
            run,
            tasks,
            options,
            client=client,
            concurrency=concurrency,
            max_cost_usd=max_cost_usd,
            progress=progress,
        )
