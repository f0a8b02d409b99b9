"""A large run end to end against the scripted server: peak memory and throughput of each step.

Makes a ``generate code`` run of ``--samples`` samples (default 200,000: 5 ARC-AGI-2 training tasks,
``--samples / 5`` samples each) against arcforge's scripted OpenAI-compatible server, then runs
``arcforge verify``, ``arcforge export`` and a no-op ``generate --resume`` on it. Each step is its own
arcforge process; its peak RSS is the process's own high-water mark (``VmHWM`` in
``/proc/self/status``, read as it exits; the sandbox's fork servers are separate processes, about 30 MB
each) and its rate is samples per second of wall time. Not ``getrusage``'s ``ru_maxrss``: Linux carries
the spawning process's high-water mark into a child across fork and exec, so a small command started by
a large process would report the large one's peak.
The scripted replies alternate a right and a wrong program, so verification executes a few distinct
programs and the figures measure arcforge's own reading, writing and bookkeeping at scale.

The baseline, measured in the same run: reading ``records.jsonl`` whole into a list with ``json``
(what every whole-run reader did before streaming), reported as its peak RSS.

Usage: ``python benchmarks/large_run.py [--samples 200000] [--concurrency 64] [--keep DIR]``
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from arcforge.testing import ScriptedServer, reply

TASKS = ("00576224", "007bbfb7", "009d5c81", "00d62c1b", "017c7c7b")
RIGHT = """The output tiles the input 3x3, mirroring the middle band of tiles.

```python
def solve(grid):
    top = [row * 3 for row in grid]
    middle = [row[::-1] * 3 for row in grid]
    return top + middle + top
```
"""
WRONG = "The input is tiled.\n\n```python\ndef solve(grid):\n    return [row * 3 for row in grid] * 3\n```\n"
WHOLE_READ = "import json,sys\nrecords=[json.loads(l) for l in open(sys.argv[1],'rb')]\nprint(len(records))\n"
# Each step reports its own peak RSS as the last line of its standard error.
PEAK = """
with open("/proc/self/status") as status:
    print("PEAK_KB=" + next(l.split()[1] for l in status if l.startswith("VmHWM:")), file=sys.stderr)
"""
ARCFORGE = (
    """
import sys
from arcforge.cli import main
code = main(sys.argv[1:])
"""
    + PEAK
    + "sys.exit(code)\n"
)


def _step(name: str, argv: list[str], env: dict[str, str], samples: int) -> tuple[str, float, float, float]:
    started = time.monotonic()
    done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.monotonic() - started
    error = done.stderr.decode(errors="replace")
    if done.returncode != 0 or "PEAK_KB=" not in error:
        raise SystemExit(f"{name} failed: {error[-2000:]}")
    peak_kb = int(error.rsplit("PEAK_KB=", 1)[1].split()[0])
    return name, elapsed, samples / elapsed if elapsed else 0.0, peak_kb / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=200_000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument(
        "--keep", type=Path, help="make the run here and keep it (default: a temporary folder)"
    )
    args = parser.parse_args()
    per_task = max(1, args.samples // len(TASKS))
    samples = per_task * len(TASKS)
    root = args.keep or Path(tempfile.mkdtemp(prefix="arcforge-large-run-"))
    root.mkdir(parents=True, exist_ok=True)
    run = root / "run"
    env = {**os.environ, "ARCFORGE_HOME": str(root / "home")}
    counter = iter(range(10**9))

    def responder(request: dict) -> object:
        return reply(
            RIGHT if next(counter) % 2 == 0 else WRONG, prompt_tokens=900, completion_tokens=120, cost=0.0001
        )

    arcforge = [sys.executable, "-c", ARCFORGE]
    rows = []
    try:
        with ScriptedServer(responder=responder, record=False) as server:
            generate = [*arcforge, "generate", "code", "--model", "openai:scripted", "--base-url", server.base_url,
                        "--dataset", "arc-agi-2/training", "--task-ids", ",".join(TASKS), "--samples",
                        str(per_task), "--concurrency", str(args.concurrency), "--out", str(run), "--no-progress"]  # fmt: skip
            rows.append(_step("generate", generate, env, samples))
            rows.append(_step("verify", [*arcforge, "verify", str(run), "--no-progress"], env, samples))
            rows.append(_step("export (chat-jsonl)", [*arcforge, "export", str(run)], env, samples))
            resume = [*arcforge, "generate", "code", "--resume", str(run), "--no-progress"]
            rows.append(_step("resume (nothing left)", resume, env, samples))
        baseline = _step(
            "baseline: json-load all",
            [sys.executable, "-c", WHOLE_READ + PEAK, str(run / "records.jsonl")],
            env,
            samples,
        )
        size = (run / "records.jsonl").stat().st_size / 1e6
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    print(f"{samples:,} samples ({len(TASKS)} tasks x {per_task:,}); records.jsonl {size:,.0f} MB")
    print(f"{'step':<24} {'seconds':>8} {'samples/s':>10} {'peak RSS':>9}")
    for name, seconds, rate, peak in [*rows, baseline]:
        print(f"{name:<24} {seconds:>8.1f} {rate:>10,.0f} {peak:>6,.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
