"""Throughput of verifying a program corpus written against a solver library, against a fresh interpreter
per program, in one run.

The corpus is shipped as data: ``benchmarks/data/corpus/dsl.py`` (a DSL of 1,200 lines of pure Python)
and ``benchmarks/data/corpus/solvers.jsonl`` (one solver per ARC-AGI-1 training task, 400 in all, each
``from dsl import *`` and a composition of primitives; ``make_solvers.py`` wrote them). arcforge's side
is what ``arcforge verify solvers.jsonl --dataset arc-agi-1/training --library dsl.py`` does
(:func:`arcforge.pipelines.corpus.verify_programs`): take the corpus in as a run folder, start the
sandbox with the DSL imported once per worker, run every program on every train and test pair; the
time counts all of it, start-up included. The baseline starts a fresh ``python -I`` per program, with
the same number running at once as the sandbox has workers; it puts the DSL's folder on ``sys.path``
and imports it from its cached bytecode (compiled beforehand), runs the program on the same pairs
and compares. The baseline runs a subset (``--baseline``) and its rate is compared; rounds alternate
and the medians are printed, with the load average, since the machine may be shared.

Last, the ceiling of any verifier with a fresh process per program (``_baselines.py``): a warm Python
with the DSL imported (and nothing else, the cheapest server possible) forks one bare child per program
to run it on its pairs, with no isolation, channel or checking. Its rate over the baseline's is the
most that design can show here.

    .venv/bin/python benchmarks/corpus_throughput.py [--rounds 3] [--baseline 80] [--workers N]
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from _baselines import fork_ceiling, fresh_python

from arcforge.datasets import load_dataset
from arcforge.pipelines.corpus import make_corpus_run, read_corpus
from arcforge.pipelines.verify import verify_run
from arcforge.sandbox import Sandbox
from arcforge.sandbox.pool import default_workers
from arcforge.task.model import Task

DATA = Path(__file__).resolve().parent / "data" / "corpus"
DATASET = "arc-agi-1/training"
RUNNER = """
import json, sys
request = json.load(sys.stdin)
sys.path.insert(0, request["library"])
namespace = {"__name__": "__main__"}
try:
    exec(compile(request["code"], "<solver>", "exec"), namespace)
    outputs = []
    for grid in request["grids"]:
        try:
            outputs.append(namespace["solve"]([list(row) for row in grid]))
        except Exception as exc:
            outputs.append(repr(exc))
except Exception as exc:
    outputs = repr(exc)
print(json.dumps(outputs))
"""


def baseline(
    programs: list[dict[str, Any]], tasks: dict[str, Task], library: Path, workers: int
) -> tuple[float, int]:
    """Seconds to check ``programs`` with a fresh Python each, ``workers`` at a time; how many verified."""

    def check(program: dict[str, Any]) -> bool:
        task = tasks[program["task_id"]]
        pairs = [*task.train, *task.test]
        request = {
            "code": program["code"],
            "library": str(library),
            "grids": [p.input.to_list() for p in pairs],
        }
        outputs = fresh_python(RUNNER, request, timeout=10)
        return isinstance(outputs, list) and all(
            out == (p.output.to_list() if p.output is not None else None)
            for out, p in zip(outputs, pairs, strict=True)
        )

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        verified = sum(pool.map(check, programs))
    return time.perf_counter() - started, verified


async def arcforge_round(corpus: Path, library: Path, out: Path, workers: int) -> dict[str, float]:
    """What ``verify_programs`` does, phase by phase: intake (dataset, corpus, run folder), sandbox
    start-up (workers and the DSL imported), verification. Returns each phase's seconds and counts."""
    started = time.perf_counter()
    dataset = load_dataset(DATASET)
    intake = read_corpus(corpus, dataset)
    make_corpus_run(intake, dataset, out=out)
    taken_in = time.perf_counter()
    sandbox = Sandbox(workers=workers, libraries=[str(library)])
    try:
        await sandbox.start()
        ready = time.perf_counter()
        summary = await verify_run(out, sandbox=sandbox, progress=False)
        done = time.perf_counter()
    finally:
        await sandbox.close()
    return {
        "intake": taken_in - started,
        "start": ready - taken_in,
        "verify": done - ready,
        "total": done - started,
        "samples": summary.samples,
        "verified": summary.verified,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", type=int, default=80, help="programs the baseline runs per round")
    parser.add_argument(
        "--workers", type=int, default=default_workers(), help="sandbox workers and baseline lanes"
    )
    args = parser.parse_args()
    programs = [json.loads(line) for line in (DATA / "solvers.jsonl").read_text().splitlines()]
    dataset = load_dataset(DATASET)
    tasks = {task.id: task for task in dataset.tasks}
    ours_total: list[float] = []
    ours_verify: list[float] = []
    theirs: list[float] = []
    with tempfile.TemporaryDirectory(prefix="arcforge-corpus-bench-") as folder:
        library = Path(folder) / "lib"
        library.mkdir()
        shutil.copy(DATA / "dsl.py", library / "dsl.py")
        compileall.compile_dir(str(library), quiet=1)  # the baseline imports the DSL from cached bytecode
        for round_index in range(args.rounds):
            out = Path(folder) / f"run{round_index}"
            phases = asyncio.run(
                arcforge_round(DATA / "solvers.jsonl", library / "dsl.py", out, args.workers)
            )
            samples = phases["samples"]
            ours_total.append(samples / phases["total"])
            ours_verify.append(samples / phases["verify"])
            subset = programs[round_index * args.baseline : (round_index + 1) * args.baseline] or programs
            base_s, base_verified = baseline(subset, tasks, library, args.workers)
            theirs.append(len(subset) / base_s)
            print(
                f"round {round_index + 1}: arcforge {samples:.0f} programs, {phases['verified']:.0f} verified: "
                f"intake {phases['intake']:.2f} s + sandbox start {phases['start']:.2f} s + verify "
                f"{phases['verify']:.2f} s = {phases['total']:.2f} s; fresh python -I: {len(subset)} in "
                f"{base_s:.2f} s ({len(subset) / base_s:.1f}/s, {base_verified} verified)",
                flush=True,
            )
        jobs = [
            (
                p["code"],
                [pair.input.to_list() for pair in [*tasks[p["task_id"]].train, *tasks[p["task_id"]].test]],
            )
            for p in programs
        ]
        ceilings = [
            fork_ceiling(jobs, args.workers, preload=["dsl"], paths=[str(library)])
            for _ in range(args.rounds)
        ]
    base_rate = statistics.median(theirs)
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average at the end: {load} on {len(os.sched_getaffinity(0))} cores")
    print(
        f"fresh `python -I` per program, DSL from bytecode ({args.workers} at a time): {base_rate:.1f} programs/s"
    )
    for label, rates in (
        ("end to end (intake and start-up included)", ours_total),
        ("verify phase", ours_verify),
    ):
        rate = statistics.median(rates)
        print(f"arcforge verify --library, {label}: {rate:.0f} programs/s = {rate / base_rate:.1f}x")
    ceiling = statistics.median(ceilings)
    print(
        f"ceiling, one bare fork per program from a warm Python with the DSL ({args.workers} at a time, no "
        f"isolation, no checking): {ceiling:.0f} programs/s = {ceiling / base_rate:.1f}x; arcforge's verify "
        f"phase reaches {statistics.median(ours_verify) / ceiling:.0%} of it"
    )
    print("aim: >= 10x and >= 300 programs/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
