"""The benchmark's work-item workers: one model call per (task, sample), and in code mode a sandbox run.

A worker receives a task **without its test outputs** (the benchmark strips them before making work
items) and returns one record in the run engine's format (``docs/data-formats.md``). Model failures
become ``status: "error"`` records that still name their task, and replies that cannot be parsed
become ``status: "parse_failure"`` with the parser's reason, so neither is ever scored as a wrong
answer by mistake, nor silently lost.

Direct records hold ``attempts``: one list per test input (the grid the reply gave for it, or an
empty list). Code records hold ``python_code`` and ``benchmark``: how many train pairs the program
reproduced, each train pair's status, and its predictions for the test inputs (``test_outputs``,
None where the program failed) with their statuses.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from arcforge.engine.records import Status
from arcforge.prompts import ParseError

if TYPE_CHECKING:
    from arcforge.engine import WorkItem
    from arcforge.models.client import ModelClient
    from arcforge.pipelines.benchmark import BenchmarkOptions
    from arcforge.prompts import PromptTemplate
    from arcforge.task.model import Task

__all__ = ["make_worker"]

Worker = Callable[["WorkItem"], Awaitable[dict[str, Any]]]


@asynccontextmanager
async def make_worker(
    options: BenchmarkOptions, *, client: ModelClient, template: PromptTemplate
) -> AsyncIterator[Worker]:
    """The worker for ``options.mode``; code mode keeps one sandbox pool open while the run lasts."""
    if options.mode == "direct":

        async def direct(item: WorkItem) -> dict[str, Any]:
            task, sample = item.payload
            return await _direct_record(
                task, sample, options=options, client=client, template=template, attempt=item.attempt
            )

        yield direct
        return

    from arcforge.sandbox import Sandbox

    async with Sandbox(libraries=list(options.libraries)) as sandbox:

        async def code(item: WorkItem) -> dict[str, Any]:
            task, sample = item.payload
            return await _code_record(
                task,
                sample,
                options=options,
                client=client,
                template=template,
                sandbox=sandbox,
                attempt=item.attempt,
            )

        yield code


async def _complete(
    task: Task,
    sample: int,
    *,
    options: BenchmarkOptions,
    client: ModelClient,
    template: PromptTemplate,
    attempt: int = 0,
) -> dict[str, Any]:
    """Ask the model and build the record with the generation pipeline's :func:`complete_record` (the
    direct agent's reply is parsed here; ``build_record`` only checks it is not empty)."""
    from arcforge.pipelines.records import complete_record
    from arcforge.prompts import build_messages
    from arcforge.task.encoding import DEFAULT_ENCODING

    messages = build_messages(
        options.mode, task, encoding=options.encoding or DEFAULT_ENCODING, template=template
    )
    record = await complete_record(
        client,
        options.mode,
        task,
        sample,
        messages=messages,
        options=options,
        template=template,
        attempt=attempt,
    )
    return dict(record)


async def _direct_record(
    task: Task,
    sample: int,
    *,
    options: BenchmarkOptions,
    client: ModelClient,
    template: PromptTemplate,
    attempt: int = 0,
) -> dict[str, Any]:
    from arcforge.pipelines.records import mark_parse_failure
    from arcforge.prompts import parse_direct

    record = await _complete(task, sample, options=options, client=client, template=template, attempt=attempt)
    if record["status"] != Status.OK:
        return record
    try:
        answer = parse_direct(record["completion"], len(task.test))
    except ParseError as exc:
        return dict(mark_parse_failure(record, exc))  # type: ignore[arg-type]
    record.update(
        explanation=answer.explanation,
        reasoning=answer.explanation,
        parse_outcome=answer.outcome,  # labelled / boxed / unlabelled / ambiguous (prompts.direct)
        attempts=[[grid.to_list()] if grid is not None else [] for grid in answer.grids],
    )
    return record


async def _code_record(
    task: Task,
    sample: int,
    *,
    options: BenchmarkOptions,
    client: ModelClient,
    template: PromptTemplate,
    sandbox: Any,
    attempt: int = 0,
) -> dict[str, Any]:
    record = await _complete(task, sample, options=options, client=client, template=template, attempt=attempt)
    if record["status"] != Status.OK or not record.get("python_code"):
        return record
    inputs = [pair.input for pair in task.train] + [pair.input for pair in task.test]
    results = await sandbox.run(record["python_code"], inputs)
    train, test = results[: len(task.train)], results[len(task.train) :]
    passed = [r.status == "ok" and r.output == pair.output for r, pair in zip(train, task.train, strict=True)]
    record["benchmark"] = {
        "train_total": len(task.train),
        "train_passed": sum(passed),
        "train": [
            {"status": r.status if r.status != "ok" or ok else "wrong", "error": r.error}
            for r, ok in zip(train, passed, strict=True)
        ],
        "test_outputs": [
            r.output.to_list() if r.status == "ok" and r.output is not None else None for r in test
        ],
        "test_status": [r.status for r in test],
        "test_errors": [r.error for r in test],
    }
    return record
