"""A run driven by the real engine in its own process, for the kill -9 and signal tests.

Usage: python slow_run.py RUN_DIR N_ITEMS DELAY_S CONCURRENCY [--resume]
Each item sleeps DELAY_S (an in-flight "request") and records its key, with a fake cost of 0.01.
"""

from __future__ import annotations

import asyncio
import sys

from arcforge.engine import RunDirectory, WorkItem, run_tasks


async def main(path: str, count: int, delay: float, concurrency: int, resume: bool) -> int:
    config = {"kind": "test", "items": count}
    if resume:
        run = RunDirectory.open(path)
        run.check_config("test run", config)
    else:
        run = RunDirectory.create(path, command="test run", config=config, argv=sys.argv[1:])
    items = [WorkItem(f"task{i:04d}:v0:s0", i) for i in range(count)]

    async def worker(item: WorkItem) -> dict:
        await asyncio.sleep(delay)
        return {"status": "ok", "index": item.payload, "cost_usd": 0.01, "usage": {"prompt_tokens": 3}}

    print("started", flush=True)
    summary = await run_tasks(run, items, worker, concurrency=concurrency, progress=False)
    print(f"stopped={summary.stopped} completed={summary.completed}", flush=True)
    return 130 if summary.stopped == "interrupted" else 0


if __name__ == "__main__":
    args = sys.argv[1:]
    sys.exit(asyncio.run(main(args[0], int(args[1]), float(args[2]), int(args[3]), "--resume" in args)))
