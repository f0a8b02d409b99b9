"""The run engine: work items through an async worker, durably, with bounded concurrency.

Generation and benchmarks share it. A run lives in a :class:`RunDirectory` (``records.jsonl``: one
finished record per line, appended and flushed at once; ``manifest.json``: what the run is and how it
went, replaced atomically; ``run.log``). :func:`run_tasks` skips keys already written (so a resume,
even after ``kill -9``, does only what is left), stops taking work on the first SIGINT/SIGTERM or when
``max_cost_usd`` is reached, cancels in-flight work on a second signal, and always writes the manifest.

Usage (what a command does)::

    from arcforge.engine import RunDirectory, WorkItem, default_run_path, run_tasks

    config = {"kind": "code", "dataset": ds.name, "dataset_hash": ds.content_hash, "task_ids": ids,
              "model": "openai:gpt-x", "params": {...}, "template": "code-v1", "template_hash": h,
              "encoding": "json-rows", "samples": 2}
    if args.resume:
        run = RunDirectory.open(args.resume)
        run.check_config("generate code", config)      # RunError when the command differs
    else:
        run = RunDirectory.create(args.out or default_run_path("generate-code", model),
                                  command="generate code", config=config, argv=sys.argv[1:])
    items = [WorkItem(sample_key(t.id, t.version, k), (t, k)) for t in tasks for k in range(samples)]

    async def worker(item: WorkItem) -> dict:          # returns the record; may raise (-> status "error")
        task, k = item.payload
        completion = await client.complete(...)
        return {"status": Status.OK, "task_id": task.id, "usage": completion.usage,
                "cost_usd": completion.cost_usd, ...}

    summary = await run_tasks(run, items, worker, concurrency=8, max_cost_usd=args.max_cost,
                              description="generate code")
    # summary.stopped: None (all done) or a StopReason: interrupted (exit 130), max_cost, cost_unknown, failed
    records = RunDirectory.open(path).current_records()  # streamed; superseded attempts left out

The engine adds ``key``, ``run_id`` and ``created_at`` to each record and sums ``usage``
(``prompt_tokens``, ``completion_tokens``, ``reasoning_tokens``) and ``cost_usd`` for the progress
bar, ``--max-cost`` and the manifest. Extra manifest fields: ``run.write_manifest(field=value)``.
"""

from arcforge.engine.records import (
    ErrorKind,
    RunRecord,
    Status,
    current_records,
    is_retryable,
    sample_key,
)
from arcforge.engine.run_directory import (
    RunDirectory,
    default_run_path,
    new_run_id,
    utc_now,
    write_json_atomic,
)
from arcforge.engine.runner import RunSummary, run_tasks, summarize_records
from arcforge.engine.session import StopReason, Worker, WorkItem, cost_is_unknown

__all__ = [
    "ErrorKind",
    "RunDirectory",
    "RunRecord",
    "RunSummary",
    "Status",
    "StopReason",
    "WorkItem",
    "Worker",
    "cost_is_unknown",
    "current_records",
    "default_run_path",
    "is_retryable",
    "new_run_id",
    "run_tasks",
    "sample_key",
    "summarize_records",
    "utc_now",
    "write_json_atomic",
]
