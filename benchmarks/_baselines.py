"""What the verify benchmarks measure arcforge against: a fresh interpreter per program, and the ceiling
of any verifier that gives each program a fresh process.

:func:`fresh_python` is the baseline's one program: a fresh ``python -I`` running a runner script on
a JSON request. :func:`fork_ceiling` is the ceiling: one bare ``fork`` per program. The sandbox runs each program in a process forked from a warm server, so no program can see another's
data (issue 11). What such a design costs at the very least is measured here on the same programs: a
warm Python (the modules preloaded, its heap frozen as the sandbox's servers do) forks one child per
program; the child compiles the program, runs its solver on its grids and exits. No isolation, no
limits, no result channel, no checking: only the fork, the work and the exit, ``workers`` such
processes at once. A verifier with one fresh process per program cannot be faster than this on the
same machine, so ``ceiling rate / baseline rate`` is the largest speed-up any such design can show.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

_LANE = """
import gc, json, os, sys
jobs_file, preload, paths = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
sys.path[:0] = paths
for name in preload:
    __import__(name)
jobs = json.load(open(jobs_file))
gc.collect()
gc.freeze()
print("ready", flush=True)
sys.stdin.readline()
for code, grids in jobs:
    pid = os.fork()
    if pid == 0:
        try:
            namespace = {"__name__": "__main__"}
            exec(compile(code, "<solver>", "exec"), namespace)
            solve = next(namespace[n] for n in ("solve", "solve_task", "transform") if callable(namespace.get(n)))
            for grid in grids:
                try:
                    solve([list(row) for row in grid])
                except Exception:
                    pass
        except BaseException:
            pass
        os._exit(0)
    os.waitpid(pid, 0)
"""

WARM = ["numpy", "collections", "itertools", "functools", "copy", "math", "re", "json"]


def fresh_python(runner: str, request: Any, *, timeout: float) -> Any:
    """What a fresh ``python -I -c runner`` (empty environment) prints as JSON for the JSON ``request`` on
    its standard input; None when it prints nothing or runs past ``timeout`` seconds."""
    try:
        done = subprocess.run(
            [sys.executable, "-I", "-c", runner],
            input=json.dumps(request),
            text=True,
            capture_output=True,
            timeout=timeout,
            env={},
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None
    return json.loads(done.stdout) if done.stdout.strip() else None


def fork_ceiling(
    jobs: list[tuple[str, list[Any]]], workers: int, *, preload: list[str], paths: list[str] | None = None
) -> float:
    """Programs per second of one bare fork per program, ``workers`` lanes at once (see the module)."""
    lanes = [jobs[i::workers] for i in range(workers)]
    with tempfile.TemporaryDirectory(prefix="arcforge-ceiling-") as folder:
        files = []
        for index, lane in enumerate(lanes):
            file = Path(folder) / f"lane{index}.json"
            file.write_text(json.dumps(lane))
            files.append(file)
        # each lane warms up before the clock starts: the sandbox's start-up is not counted either
        lanes_run = [
            subprocess.Popen(
                [sys.executable, "-I", "-c", _LANE, str(file), json.dumps(preload), json.dumps(paths or [])],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for file in files
        ]
        for process in lanes_run:
            assert process.stdout is not None and process.stdout.readline().strip() == "ready"
        started = time.perf_counter()
        for process in lanes_run:
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.close()
        for process in lanes_run:
            process.wait()
        elapsed = time.perf_counter() - started
    return len(jobs) / elapsed
