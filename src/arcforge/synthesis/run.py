"""``arcforge generate tasks``: a model writes generator programs from seed tasks; the sandbox makes the tasks.

One work item per (seed task, sample) on the run engine, so the run is resumable, budgeted
(``--max-cost``) and stoppable like the other runs. The worker asks the model with the ``tasks-v1``
template (the seed's train pairs only: never a test pair), parses the program, and makes and checks the
task in the sandbox (:func:`arcforge.synthesis.making.make_task`). The record is a code record
(``kind: "tasks"``) plus ``synthesis``: ``status`` (``accepted``/``refused``), ``reason``, ``detail``,
``task_id``, ``task`` (the new task's pairs), ``rng_seeds``, ``description`` and ``generator_hash``.
When the items are done (or the run stopped), :func:`finish_synthesis` writes ``tasks/<id>.json`` and
``dataset.json`` from the records, deduplicated, and the counts by reason into the manifest.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from arcforge.engine.records import Status
from arcforge.errors import UsageError
from arcforge.settings import Settings
from arcforge.synthesis.checks import CopyIndex
from arcforge.synthesis.making import make_task
from arcforge.synthesis.output import Written, count_reasons, write_tasks
from arcforge.synthesis.preview import write_preview
from arcforge.task.model import Task

if TYPE_CHECKING:
    from arcforge.datasets import Dataset
    from arcforge.engine import RunDirectory, RunSummary, WorkItem

__all__ = ["SynthesisOptions", "SynthesisOutcome", "finish_synthesis", "synthesis_config", "synthesize"]

TEMPLATE = "tasks-v1"


@dataclass(frozen=True)
class SynthesisOptions:
    """What a task-synthesis run asks of the model, and how many pairs each new task gets."""

    model: str
    samples: int = 1
    pairs: int = 4
    temperature: float | None = None
    max_tokens: int | None = None
    reasoning_effort: str | None = None
    encoding: str = "json-rows"
    template: str = TEMPLATE
    base_url: str | None = None
    use_cache: bool = True
    reuse_cache: bool = False  # also serve other runs' cached replies (marked "reused")
    price: tuple[float, float] | None = None  # USD per million input, output tokens

    def __post_init__(self) -> None:
        if self.samples < 1:
            raise UsageError(f"--samples must be at least 1 (got {self.samples})")
        if not 2 <= self.pairs <= 20:
            raise UsageError(f"--pairs must be 2-20 (N-1 train pairs and 1 test pair; got {self.pairs})")


@dataclass(frozen=True)
class SynthesisOutcome:
    summary: RunSummary
    written: Written
    counts: dict[str, Any]


def synthesis_config(options: SynthesisOptions, dataset: Dataset, seeds: Sequence[Task]) -> dict[str, Any]:
    """The run's identity (compared on ``--resume``)."""
    from arcforge.prompts import load_template
    from arcforge.task.encoding import get_encoding

    template = load_template(options.template)
    if template.agent != "tasks":
        raise UsageError(f"prompt template {template.name} is for the {template.agent} agent, not tasks")
    return {
        "kind": "tasks",
        "dataset": dataset.name,
        "dataset_hash": dataset.content_hash,
        "task_selection": [f"{t.id}:v{t.version}" for t in seeds],
        "samples": options.samples,
        "pairs": options.pairs,
        "model": options.model,
        "base_url": options.base_url,
        "params": {
            "temperature": options.temperature,
            "max_tokens": options.max_tokens,
            "reasoning_effort": options.reasoning_effort,
        },
        "template": template.name,
        "template_hash": template.sha256,
        "encoding": get_encoding(options.encoding).label,
    }


def seed_view(seed: Task) -> Task:
    """What the model and the record may see of a seed: its train pairs alone."""
    return Task(id=seed.id, train=seed.train, test=(), version=seed.version)


async def synthesize(
    seeds: Sequence[Task],
    dataset: Dataset,
    options: SynthesisOptions,
    *,
    settings: Settings,
    out: Path | str | None = None,
    resume: Path | str | None = None,
    concurrency: int = 4,
    max_cost_usd: float | None = None,
    progress: bool | None = None,
    manifest_extra: Mapping[str, Any] | None = None,
) -> SynthesisOutcome:
    """The whole of ``arcforge generate tasks`` (the client first: a bad model fails before a folder)."""
    from arcforge.engine import RunDirectory, WorkItem, default_run_path, new_run_id, run_tasks
    from arcforge.pipelines.generate import complete_record
    from arcforge.pipelines.records import run_client
    from arcforge.prompts import load_template
    from arcforge.sandbox import Sandbox

    if not seeds:
        raise UsageError("the seed selection is empty: check --seeds, --tasks and --max-tasks")
    config = synthesis_config(options, dataset, seeds)
    run_id = new_run_id()
    if resume is not None:
        resumed = RunDirectory.open(resume)
        resumed.check_config("generate tasks", config)
        run_id = resumed.run_id
    template = load_template(options.template)
    copies = CopyIndex(dataset.tasks)
    by_key = {(t.id, t.version): t for t in seeds}

    async def worker(item: WorkItem) -> dict[str, Any]:
        seed, sample = item.payload
        visible = seed_view(seed)
        messages = template.render(visible, encoding=options.encoding)
        sampling: Any = options  # the sampling fields complete_record reads (model, temperature, ...)
        reply = await complete_record(
            client, "code", visible, sample, messages=messages, options=sampling, template=template
        )
        record: dict[str, Any] = {**reply, "kind": "tasks"}
        code = record.get("python_code")
        if record.get("status") != Status.OK or not isinstance(code, str) or not code:
            record["synthesis"] = {"status": "refused", "reason": "no_program", "detail": record.get("error")}
            return record
        made = await make_task(
            sandbox,
            code,
            seed=by_key[(seed.id, seed.version)],
            pairs=options.pairs,
            key=item.key,
            copies=copies,
        )
        record["synthesis"] = {**made.to_dict(), "generator_hash": hashlib.sha256(code.encode()).hexdigest()}
        return record

    items = [
        WorkItem(f"{seed.id}:v{seed.version}:s{k}", (seed, k))
        for seed in seeds
        for k in range(options.samples)
    ]
    async with (
        run_client(options, settings=settings, run_id=run_id) as client,
        Sandbox() as sandbox,
    ):
        run = RunDirectory.start(
            out=out,
            resume=resume,
            command="generate tasks",
            config=config,
            default_path=default_run_path("generate-tasks", options.model),
            **{**dict(manifest_extra or {}), "run_id": run_id},
        )
        summary = await run_tasks(
            run, items, worker, concurrency=concurrency, max_cost_usd=max_cost_usd, progress=progress,
            description="generate tasks", probe_cost=max_cost_usd is not None and not client.entry.priced,
        )  # fmt: skip
    written, counts = finish_synthesis(run)
    return SynthesisOutcome(summary, written, counts)


def finish_synthesis(run: RunDirectory) -> tuple[Written, dict[str, Any]]:
    """Write the run's tasks and index from its records and put the counts by reason in the manifest."""
    latest: dict[str, Mapping[str, Any]] = {}
    for line in run.records():
        latest[str(line.get("key"))] = line
    config = run.config
    made = []
    reasons: list[str | None] = []
    for key in sorted(latest):
        entry = latest[key]
        synthesis = entry.get("synthesis") or {"reason": "no_program"}
        reasons.append(synthesis.get("reason"))
        if synthesis.get("status") != "accepted" or not synthesis.get("task"):
            continue
        task = Task.from_dict(synthesis["task"], task_id=str(synthesis["task_id"]))
        made.append((task, _provenance(run, entry, synthesis, config)))
    written = write_tasks(run.path, made)
    counts = count_reasons(reasons, len(written.duplicates))
    counts.update(tasks_written=len(written.task_ids), tasks_folder=str(written.folder))
    kept = list(
        {task.id: (task, prov) for task, prov in reversed(made) if task.id in written.task_ids}.values()
    )[::-1]
    write_preview(run.path / "tasks.html", f"generate tasks {run.run_id}", kept, counts)
    run.write_manifest(synthesis=counts)
    return written, counts


def _provenance(
    run: RunDirectory, record: Mapping[str, Any], synthesis: Mapping[str, Any], config: Mapping[str, Any]
) -> dict[str, Any]:
    return {
        "kind": "generator",
        "run_id": run.run_id,
        "record_key": record.get("key"),
        "seed_task": record.get("task_id"),
        "seed_version": record.get("task_version", 0),
        "seed_dataset": config.get("dataset"),
        "seed_dataset_hash": config.get("dataset_hash"),
        "model": record.get("model"),
        "template": config.get("template"),
        "prompt_hash": hashlib.sha256(str(record.get("prompt_messages")).encode()).hexdigest(),
        "template_hash": config.get("template_hash"),
        "generator_hash": synthesis.get("generator_hash"),
        "rng_seeds": synthesis.get("rng_seeds"),
        "description": synthesis.get("description"),
    }
