"""Sandbox throughput: programs per second, each solving 5 grids, against a fresh interpreter per program.

Both sides run the same programs (each a different text, so nothing is cached) with the same
concurrency (one lane per sandbox worker, by default one per core plus one), in one run, in alternating
rounds; the figures are the medians of the rounds. The baseline starts ``python -I -c RUNNER`` per
program, gives it the program and grids as JSON on stdin and reads JSON back: the cheapest way to
get a fresh process, with no isolation at all. It is measured twice: with numpy imported, which is
what the sandbox offers every program (its warm server has numpy loaded) and so the like-for-like
comparison, and bare (only ``json``), the cheapest fresh process possible. The sandbox side has full
isolation (namespaces, limits, an unprivileged uid) where the machine allows it.

The load average is printed: on a shared machine the absolute rates move with it, the ratios less.
So is the CPU time per sandbox program (this process, the fork servers and the program processes,
read from ``/proc``) and the minor page faults behind most of it, which a loaded machine moves less.
Last, it measures what the seccomp filter costs a fork (the server loads it once; every child
inherits it): one fresh process forks and reaps 2,000 children and makes 200,000 ``getppid`` calls
before and after loading the sandbox's own filter.

    .venv/bin/python benchmarks/sandbox_throughput.py [--programs 2000] [--rounds 5] [--workers N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from arcforge.sandbox import Sandbox

GRIDS = [[[(r * 7 + c * 3 + k) % 10 for c in range(10)] for r in range(10)] for k in range(5)]
BASELINE_RUNNER = """
import json, sys
IMPORTS
request = json.load(sys.stdin)
namespace = {"__name__": "__main__"}
exec(compile(request["code"], "<solver>", "exec"), namespace)
solve = namespace["solve"]
print(json.dumps([solve([list(row) for row in grid]) for grid in request["grids"]]))
"""


def program(index: int) -> str:
    return (
        f"# program {index}\n"
        "def solve(grid):\n"
        f"    shift = {index % 10}\n"
        "    return [[(cell + shift) % 10 for cell in row[::-1]] for row in grid]\n"
    )


def expected(index: int) -> list[list[list[int]]]:
    return [[[(cell + index % 10) % 10 for cell in row[::-1]] for row in grid] for grid in GRIDS]


def worker_usage(sandbox: Sandbox) -> tuple[float, float, int, int] | None:
    """CPU seconds and minor faults so far of the fork servers and of their (reaped) program children.

    Read from ``/proc`` of each server (the child of the process the pool started); None where that
    cannot be read. A server's own time is its loop and its forks; its children's is the programs'
    processes from fork to exit.
    """
    tick = os.sysconf("SC_CLK_TCK")
    server_s = child_s = 0.0
    server_faults = child_faults = 0
    try:
        for worker in sandbox._pool:  # noqa: SLF001 - a benchmark may look inside
            if worker is None:
                return None
            pid = worker.process.pid
            for server in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
                fields = Path(f"/proc/{server}/stat").read_text().rsplit(")", 1)[1].split()
                server_faults += int(fields[7])
                child_faults += int(fields[8])
                server_s += (int(fields[11]) + int(fields[12])) / tick
                child_s += (int(fields[13]) + int(fields[14])) / tick
    except (OSError, ValueError, IndexError):
        return None
    return server_s, child_s, server_faults, child_faults


CPU: list[tuple[float, float, float, int, int]] = []  # per sandbox round: ms per program and faults


async def sandbox_round(sandbox: Sandbox, start: int, count: int) -> float:
    began = time.perf_counter()
    usage_before, own_before = worker_usage(sandbox), time.process_time()
    batches = await asyncio.gather(*(sandbox.run(program(start + i), GRIDS) for i in range(count)))
    elapsed = time.perf_counter() - began
    usage_after, own = worker_usage(sandbox), time.process_time() - own_before
    if usage_before is not None and usage_after is not None:
        server_s, child_s, server_faults, child_faults = (
            after - before for after, before in zip(usage_after, usage_before, strict=True)
        )
        CPU.append(
            (
                own / count * 1e3, server_s / count * 1e3, child_s / count * 1e3,
                round(server_faults / count), round(child_faults / count),
            )
        )  # fmt: skip
    for i, results in enumerate(batches):
        outputs = [r.output.to_list() if r.output is not None else r.error for r in results]
        if outputs != expected(start + i):
            raise SystemExit(f"sandbox gave a wrong answer for program {start + i}: {outputs[0]}")
    return count / elapsed


async def baseline_round(start: int, count: int, lanes: int, *, numpy: bool) -> float:
    gate = asyncio.Semaphore(lanes)

    async def one(index: int) -> None:
        async with gate:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-I", "-c", BASELINE_RUNNER.replace("IMPORTS", "import numpy" if numpy else ""),
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env={},
            )  # fmt: skip
            out, _ = await process.communicate(json.dumps({"code": program(index), "grids": GRIDS}).encode())
            if json.loads(out) != expected(index):
                raise SystemExit(f"baseline gave a wrong answer for program {index}")

    began = time.perf_counter()
    await asyncio.gather(*(one(start + i) for i in range(count)))
    return count / (time.perf_counter() - began)


async def main(args: argparse.Namespace) -> None:
    async with Sandbox(workers=args.workers) as sandbox:
        lanes = sandbox.workers
        info = sandbox.isolation
        print(
            f"isolation: {info.get('mode')}; seccomp filter: {info.get('seccomp', {}).get('loaded')}; "
            f"cgroup: {info.get('cgroup', {}).get('kind')}; workers: {lanes}; cores: {os.cpu_count()}; "
            f"load average {os.getloadavg()[0]:.1f}; per round {args.programs} sandbox and "
            f"{args.baseline_programs} + {args.baseline_programs} fresh-interpreter programs, 5 grids each"
        )
        await sandbox_round(sandbox, 0, 50)  # warm-up
        CPU.clear()
        fast, numpy_rates, bare_rates = [], [], []
        for round_index in range(args.rounds):
            fast.append(await sandbox_round(sandbox, round_index * args.programs, args.programs))
            base = 10_000 * (round_index + 1)
            numpy_rates.append(await baseline_round(base, args.baseline_programs, lanes, numpy=True))
            bare_rates.append(await baseline_round(base + 5000, args.baseline_programs, lanes, numpy=False))
            print(
                f"round {round_index + 1}: sandbox {fast[-1]:7.1f}/s   fresh python+numpy {numpy_rates[-1]:6.1f}/s"
                f"   fresh bare python {bare_rates[-1]:6.1f}/s"
            )
    sandbox_rate = statistics.median(fast)
    numpy_rate, bare_rate = statistics.median(numpy_rates), statistics.median(bare_rates)
    print(f"sandbox, full isolation (median):       {sandbox_rate:8.1f} programs/s")
    print(f"fresh python -I, numpy loaded (median): {numpy_rate:8.1f} programs/s")
    print(f"fresh python -I, bare (median):         {bare_rate:8.1f} programs/s")
    print(f"ratio vs fresh python with numpy:       {sandbox_rate / numpy_rate:8.1f}x")
    print(f"ratio vs bare fresh python:             {sandbox_rate / bare_rate:8.1f}x")
    if CPU:
        parent, server, child, server_faults, child_faults = (
            statistics.median(c) for c in zip(*CPU, strict=True)
        )
        print(
            f"CPU per sandbox program (median of rounds): parent {parent:.2f} ms, fork server {server:.2f} ms "
            f"({server_faults:.0f} minor faults), program process {child:.2f} ms ({child_faults:.0f} faults); "
            f"total {parent + server + child:.2f} ms"
        )
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    filter_cost()


FILTER_COST = """
import ctypes, os, sys, time
sys.path.insert(0, SANDBOX_DIR)
import _seccomp
libc = ctypes.PyDLL(None)
def forks(n):
    began = time.perf_counter()
    for _ in range(n):
        pid = libc.fork()
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)
    return (time.perf_counter() - began) / n * 1e6
def calls(n):
    began = time.perf_counter()
    getppid = os.getppid
    for _ in range(n):
        getppid()
    return (time.perf_counter() - began) / n * 1e9
rounds = [(forks(2000), calls(200000)) for _ in range(3)]
loaded = _seccomp.Seccomp().load()
assert loaded["loaded"], loaded
after = [(forks(2000), calls(200000)) for _ in range(3)]
print(min(r[0] for r in rounds), min(r[0] for r in after), min(r[1] for r in rounds), min(r[1] for r in after))
"""


def filter_cost() -> None:
    sandbox_dir = str(Path(__import__("arcforge.sandbox").sandbox.__file__).parent)
    script = FILTER_COST.replace("SANDBOX_DIR", repr(sandbox_dir))
    done = subprocess.run([sys.executable, "-I", "-c", script], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(f"seccomp filter cost: not measured ({done.stderr.strip().splitlines()[-1:]})")
        return
    fork_before, fork_after, call_before, call_after = map(float, done.stdout.split())
    print(
        f"seccomp filter cost (best of 3): fork+exit+wait {fork_before:.0f} us -> {fork_after:.0f} us; "
        f"getppid {call_before:.0f} ns -> {call_after:.0f} ns"
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--programs", type=int, default=2000, help="sandbox programs per round (default 2000)"
    )
    parser.add_argument(
        "--baseline-programs", type=int, default=40, help="fresh-interpreter programs per round, per baseline"
    )
    parser.add_argument("--rounds", type=int, default=5, help="rounds; medians are reported (default 5)")
    parser.add_argument(
        "--workers", type=int, default=None, help="sandbox workers (default: one per core, plus one)"
    )
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
