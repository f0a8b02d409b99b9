"""Throughput of ``arcforge verify`` on 1,000 code samples against a fresh-subprocess-per-sample baseline.

The run directory is built here without a model: 1,000 records over real ARC-AGI-2 training tasks,
with a realistic mix of programs (a correct solver, wrong programs, programs that raise, syntax
errors, programs that use numpy). Every program text is distinct (a comment names its sample), so
verify's sharing of one execution between identical programs on a task does not flatter it. ``arcforge verify``'s own function (:func:`verify_run`) verifies all
of them. The baseline does what a simple verifier does: for each sample, start a fresh
``python -I`` process that runs the program on every train and test input of its task. It is measured
twice: one process at a time (what the original system's verifier did) and as many at once as the
sandbox has workers (the same cores as arcforge). Each baseline runs on a subset (``--baseline N``,
default 100 samples) and its rate is extrapolated to all samples; the measured figures are printed.
Everything runs in one process, one after the other, so the figures share the machine's load.

Last, the ceiling of any verifier with a fresh process per sample (``_baselines.py``): a warm Python
with numpy that forks one bare child per sample to run it, with no isolation, channel or checking.
Its speed-up over the baseline is the most that design can show on this machine.

Usage: ``python benchmarks/verify_throughput.py [--samples 1000] [--baseline 100] [--workers N]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from _baselines import WARM, fork_ceiling, fresh_python

from arcforge.datasets import load_dataset
from arcforge.engine import RunDirectory
from arcforge.pipelines.verify import verify_run
from arcforge.sandbox.pool import default_workers

TILE = """def solve(grid):
    top = [row * 3 for row in grid]
    middle = [row[::-1] * 3 for row in grid]
    return top + middle + top
"""
PROGRAMS = [
    "def solve(grid):\n    return [row[:] for row in grid]\n",
    "def solve(grid):\n    return [row[::-1] for row in grid]\n",
    "import numpy as np\n\ndef solve(grid):\n    return np.rot90(np.array(grid)).tolist()\n",
    "def transform(grid):\n    h, w = len(grid), len(grid[0])\n"
    "    return [[grid[r][c] if grid[r][c] else 1 for c in range(w)] for r in range(h)]\n",
    "def solve(grid):\n    raise ValueError('no idea')\n",
    "def solve(grid)\n    return grid\n",
    "from collections import Counter\n\ndef solve_task(input_grid):\n"
    "    colour = Counter(c for row in input_grid for c in row).most_common(1)[0][0]\n"
    "    return [[colour] * len(input_grid[0]) for _ in input_grid]\n",
]

BASELINE_RUNNER = """
import json, sys
data = json.load(sys.stdin)
namespace = {}
try:
    exec(compile(data["code"], "<program>", "exec"), namespace)
    solver = next(namespace[n] for n in ("solve", "solve_task", "transform") if callable(namespace.get(n)))
except Exception as exc:
    print(json.dumps({"error": repr(exc)})); sys.exit(0)
outputs = []
for grid in data["grids"]:
    try:
        out = solver([row[:] for row in grid])
        outputs.append([list(map(int, row)) for row in (out.tolist() if hasattr(out, "tolist") else out)])
    except Exception as exc:
        outputs.append(repr(exc))
print(json.dumps({"outputs": outputs}))
"""


def build_run(path: Path, samples: int) -> list[dict]:
    tasks = load_dataset("arc-agi-2/training").tasks
    run = RunDirectory.create(path, command="generate code", config={"kind": "code", "benchmark": True})
    records = []
    for index in range(samples):
        task = tasks[index % len(tasks)]
        code = TILE if task.id == "00576224" else PROGRAMS[index % len(PROGRAMS)]
        code += f"\n# sample {index}: every program text differs\n"
        records.append(
            {
                "key": f"{task.id}:v0:s{index // len(tasks)}",
                "kind": "code",
                "task_id": task.id,
                "task_version": 0,
                "sample_index": index // len(tasks),
                "status": "ok",
                "task_data": task.to_dict(),
                "python_code": code,
                "entry": "solve",
            }
        )
    with run:
        for record in records:
            run.append(record)
    return records


def cpu_seconds() -> float:
    """CPU time of this process and its waited-for children (the sandbox's once it has closed)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def baseline(records: list[dict], workers: int) -> tuple[float, float]:
    """Wall and CPU seconds to check ``records`` with one fresh Python per sample, ``workers`` at a time."""

    def check(record: dict) -> bool:
        task = record["task_data"]
        pairs = task["train"] + task["test"]
        request = {"code": record["python_code"], "grids": [p["input"] for p in pairs]}
        reply = fresh_python(BASELINE_RUNNER, request, timeout=2.0) or {}
        outputs = reply.get("outputs") or []
        return len(outputs) == len(pairs) and all(
            o == p.get("output") for o, p in zip(outputs, pairs, strict=True)
        )

    started, cpu = time.perf_counter(), cpu_seconds()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(check, records))
    return time.perf_counter() - started, cpu_seconds() - cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument(
        "--baseline", type=int, default=100, help="samples each baseline runs (then extrapolated)"
    )
    parser.add_argument("--workers", type=int, default=default_workers())
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="arcforge-verify-bench-") as folder:
        run_dir = Path(folder) / "run"
        records = build_run(run_dir, args.samples)
        subset = records[: args.baseline]
        sequential_s, baseline_cpu = baseline(subset, 1)
        parallel_s, _ = baseline(subset, args.workers)
        started, cpu = time.perf_counter(), cpu_seconds()
        summary = asyncio.run(verify_run(run_dir, workers=args.workers, progress=False))
        ours_s, ours_cpu = time.perf_counter() - started, cpu_seconds() - cpu
        jobs = [
            (r["python_code"], [p["input"] for p in r["task_data"]["train"] + r["task_data"]["test"]])
            for r in records
        ]
        ceiling = fork_ceiling(jobs, args.workers, preload=WARM)
    ours_rate = summary.samples / ours_s
    print(f"samples: {summary.samples} ({summary.verified} verified; outcomes {summary.by_outcome})")
    print(
        f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores"
    )
    print(
        f"arcforge verify: {ours_s:8.2f} s for {summary.samples} samples = {ours_rate:7.1f} samples/s "
        f"({args.workers} sandbox workers, start-up included)"
    )
    for label, seconds in (("1 at a time", sequential_s), (f"{args.workers} at a time", parallel_s)):
        rate = len(subset) / seconds
        print(
            f"baseline, fresh `python -I` per sample, {label}: {seconds:.2f} s for {len(subset)} samples = "
            f"{rate:.1f} samples/s; {summary.samples} samples extrapolated: {summary.samples / rate:.1f} s; "
            f"speed-up {ours_rate / rate:.1f}x"
        )
    ours_ms, base_ms = 1000 * ours_cpu / summary.samples, 1000 * baseline_cpu / len(subset)
    print(
        f"CPU per sample (parent and all processes, independent of the machine's load): arcforge "
        f"{ours_ms:.1f} ms, baseline {base_ms:.1f} ms: {base_ms / ours_ms:.1f}x less work"
    )
    sequential = len(subset) / sequential_s
    print(
        f"ceiling, one bare fork per sample from a warm Python ({args.workers} at a time, no isolation, "
        f"no checking): {ceiling:.1f} samples/s = {ceiling / sequential:.1f}x the 1-at-a-time baseline; "
        f"arcforge reaches {ours_rate / ceiling:.0%} of it"
    )
    print("aim: >= 40x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
