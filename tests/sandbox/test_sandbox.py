"""The sandbox's results, pool and modes, through real fork servers."""

from __future__ import annotations

import ast
import asyncio
import os
import time
from collections.abc import AsyncIterator

import pytest

from arcforge.errors import SandboxError, UsageError
from arcforge.sandbox import Limits, Sandbox
from arcforge.task.grid import Grid
from arcforge.task.model import Pair, Task

GRID = [[1, 2, 3], [4, 5, 6]]
MIRROR = "def solve(grid):\n    return [row[::-1] for row in grid]\n"


@pytest.fixture()
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(workers=2, limits=Limits(wall_s=1.5)) as box:
        yield box


async def test_solver_names_and_output_kinds(sandbox: Sandbox) -> None:
    programs = {
        "def solve(grid):\n    return grid\n": GRID,
        "def solve_task(input_grid):\n    return [[9]]\n": [[9]],
        "def transform(grid):\n    return [[0] * 2] * 2\n": [[0, 0], [0, 0]],
        "import numpy as np\ndef solve(grid):\n    return np.array(grid).T\n": [[1, 4], [2, 5], [3, 6]],
        "import numpy as np\ndef solve(grid):\n    return list(np.array(grid, dtype=np.uint8))\n": GRID,
        "import numpy as np\ndef solve(grid):\n    return np.ones((2, 2))\n": [[1, 1], [1, 1]],
        "def solve(grid):\n    return ((1, 2),)\n": [[1, 2]],
        "# grille: ✓ ünïcödé\ndef solve(grid):\n    return [[len('ü✓')]]\n": [[2]],
    }
    for code, expected in programs.items():
        [result] = await sandbox.run(code, [Grid(GRID)])
        assert result.status == "ok", (code, result.error)
        assert result.output == Grid(expected)


async def test_the_program_receives_lists_of_lists(sandbox: Sandbox) -> None:
    code = "def solve(grid):\n    assert type(grid) is list and all(type(r) is list for r in grid)\n" \
           "    grid[0][0] = 9\n    return grid\n"  # fmt: skip
    first, second = await sandbox.run(code, [GRID, GRID])
    assert first.output.to_list() == [[9, 2, 3], [4, 5, 6]] == second.output.to_list()


@pytest.mark.parametrize(
    ("code", "status", "words"),
    [
        ("def solve(grid)\n    return grid\n", "syntax_error", "line 1"),
        ("x = 1\n", "no_solver", "solve(grid)"),
        ("x = '\ud800'\n", "syntax_error", "Error"),
        ("solve = 3\n", "no_solver", "solve(grid)"),
        ("import missing_module_xyz\ndef solve(grid):\n    return grid\n", "exception", "while defining"),
        ("def solve(grid):\n    return [[1, 2], [3]]\n", "invalid_output", "not rectangular"),
        ("def solve(grid):\n    return [[10]]\n", "invalid_output", "outside 0-9"),
        ("def solve(grid):\n    return [[-1]]\n", "invalid_output", "outside 0-9"),
        ("def solve(grid):\n    return [[1.5]]\n", "invalid_output", "outside 0-9"),
        ("def solve(grid):\n    return [[1] * 31]\n", "invalid_output", "larger than 30x30"),
        ("def solve(grid):\n    return [[1]] * 31\n", "invalid_output", "larger than 30x30"),
        ("def solve(grid):\n    return 'grid'\n", "invalid_output", "not a grid"),
        ("def solve(grid):\n    return None\n", "invalid_output", "not a grid"),
        ("def solve(grid):\n    return []\n", "invalid_output", "not a grid"),
        ("def solve(grid):\n    return [['1']]\n", "invalid_output", "outside 0-9"),
        (
            "import numpy as np\ndef solve(grid):\n    return np.zeros((2, 2, 2), int)\n",
            "invalid_output",
            "3-D",
        ),
        (
            "import numpy as np\ndef solve(grid):\n    return np.full((2, 2), 12)\n",
            "invalid_output",
            "outside 0-9",
        ),
        (
            "import numpy as np\ndef solve(grid):\n    return np.zeros((40, 2), int)\n",
            "invalid_output",
            "30x30",
        ),
    ],
)
async def test_typed_failures(sandbox: Sandbox, code: str, status: str, words: str) -> None:
    results = await sandbox.run(code, [GRID, GRID])
    assert [r.status for r in results] == [status, status]
    assert words in results[0].error
    assert results[0].output is None


async def test_exception_shows_only_the_programs_traceback(sandbox: Sandbox) -> None:
    code = "def helper(grid):\n    return grid[0][99]\n\ndef solve(grid):\n    return helper(grid)\n"
    [result] = await sandbox.run(code, [GRID])
    assert result.status == "exception"
    assert result.error.startswith("Traceback (most recent call last):")
    assert 'File "<solver>", line 5, in solve' in result.error
    assert "return grid[0][99]" in result.error and result.error.endswith(
        "IndexError: list index out of range"
    )
    assert "_runner" not in result.error and "_forkserver" not in result.error


async def test_each_grid_has_its_own_result(sandbox: Sandbox) -> None:
    code = "def solve(grid):\n    print('seen', grid[0][0])\n    if grid[0][0] == 2:\n        raise ValueError('two')\n" \
           "    if grid[0][0] == 3:\n        while True:\n            pass\n    return grid\n"  # fmt: skip
    results = await sandbox.run(code, [[[1]], [[2]], [[1, 1]], [[3]]])
    assert [r.status for r in results] == ["ok", "exception", "ok", "timeout"]
    assert results[0].stdout == "seen 1\n" and results[1].stdout == "seen 2\n"
    assert results[2].output == Grid([[1, 1]])


async def test_run_task_judges_every_pair(sandbox: Sandbox) -> None:
    task = Task(
        id="t",
        train=(
            Pair(Grid([[1, 2]]), Grid([[2, 1]])),
            Pair(Grid([[3, 4]]), Grid([[3, 4]])),
            Pair(Grid([[0]]), Grid([[0]])),
        ),
        test=(Pair(Grid([[5, 6]])),),
    )
    code = "def solve(grid):\n    if grid == [[0]]:\n        raise ValueError('zero')\n    return [row[::-1] for row in grid]\n"
    pairs = await sandbox.run_task(code, task)
    assert [(p.split, p.index, p.status) for p in pairs] == [
        ("train", 0, "passed"), ("train", 1, "failed"), ("train", 2, "error"), ("test", 0, "unknown"),
    ]  # fmt: skip
    assert pairs[1].output == Grid([[4, 3]]) and pairs[1].expected == Grid([[3, 4]])
    assert pairs[2].kind == "exception" and "ValueError: zero" in pairs[2].error
    assert pairs[3].to_dict() == {
        "split": "test",
        "index": 0,
        "status": "unknown",
        "output": [[6, 5]],
        "error": None,
    }


async def test_many_programs_stream_through_the_queue(sandbox: Sandbox) -> None:
    codes = [f"def solve(grid):\n    return [[{i % 10}] * {1 + i % 7}]\n" for i in range(300)]
    results = await asyncio.gather(*(sandbox.run(code, [GRID] * 3) for code in codes))
    for i, batch in enumerate(results):
        assert [r.output for r in batch] == [Grid([[i % 10] * (1 + i % 7)])] * 3


async def test_the_event_loop_keeps_running_during_a_program(sandbox: Sandbox) -> None:
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.05)
            ticks += 1

    task = asyncio.create_task(ticker())
    await sandbox.run("import time\ndef solve(grid):\n    time.sleep(0.8)\n    return grid\n", [GRID])
    task.cancel()
    assert ticks >= 8


async def test_a_dead_worker_is_replaced(sandbox: Sandbox) -> None:
    for worker in sandbox._pool:
        worker.process.kill()
        await worker.process.wait()
    results = await asyncio.gather(*(sandbox.run(MIRROR, [GRID]) for _ in range(4)))
    assert all(r.status == "ok" for [r] in results)


async def test_isolation_reported() -> None:
    async with Sandbox(workers=1) as box:
        info = box.isolation
    if os.geteuid() != 0 and not info["namespaces"]:
        pytest.skip(f"this machine allows no namespaces: {info['reason']}")
    assert info["mode"] == "namespaces" and info["network"] and info["pid"] and info["mount"]


async def test_basic_mode_as_root_refuses_to_start() -> None:
    """Hostile code never runs as root behind a mere audit hook: the error says what to do instead."""
    if os.geteuid() != 0:
        pytest.skip("only root is refused the basic layer")
    with pytest.raises(SandboxError, match="as root without kernel namespaces.*ordinary user"):
        async with Sandbox(workers=1, isolation="basic"):
            pass


async def test_limits_and_usage_errors() -> None:
    with pytest.raises(UsageError):
        Limits(wall_s=0)
    with pytest.raises(UsageError):
        Limits(memory_bytes=1024)
    with pytest.raises(UsageError):
        Sandbox(workers=0)
    with pytest.raises(UsageError):
        Sandbox(isolation="none")
    with pytest.raises(SandboxError):
        await Sandbox(workers=1).run(MIRROR, [GRID])


async def test_a_slow_program_does_not_hold_up_the_other_worker(sandbox: Sandbox) -> None:
    slow = asyncio.create_task(sandbox.run("def solve(grid):\n    while True:\n        pass\n", [GRID]))
    await asyncio.sleep(0.1)
    started = time.monotonic()
    for _ in range(5):
        [result] = await sandbox.run(MIRROR, [GRID])
        assert result.ok
    assert time.monotonic() - started < 1.0
    [timed_out] = await slow
    assert timed_out.status == "timeout"


USER_NAMESPACE_PROBE = """
import ctypes, os, socket
def solve(grid):
    facts = {"root": sorted(os.listdir("/")), "proc": os.path.exists("/proc")}
    libc = ctypes.CDLL(None)
    facts["mount"] = libc.mount(b"none", b"/tmp", b"tmpfs", 0, None)
    facts["umount"] = libc.umount2(b"/usr/lib", 2)
    try:
        socket.create_connection(("127.0.0.1", 9), timeout=0.5)
        facts["net"] = "connected"
    except OSError as exc:
        facts["net"] = type(exc).__name__
    try:
        open("/usr/lib/arcforge-probe", "w")
        facts["write"] = "written"
    except OSError as exc:
        facts["write"] = type(exc).__name__
    raise LookupError(repr(facts))
"""


async def test_user_namespace_mode_as_root_runs_children_under_a_second_uid() -> None:
    """The path a non-root user gets (tested as root here, as an ordinary user in test_nonroot.py):
    namespaces inside a user namespace whose second mapped uid runs the programs, without capabilities."""
    try:
        box = Sandbox(workers=1, isolation="user-namespace")
        await box.start()
    except SandboxError as exc:
        pytest.skip(f"no user namespaces here: {exc}")
    try:
        assert box.isolation["user_namespace"] and box.isolation["mode"] == "namespaces"
        assert box.isolation["second_uid"], box.isolation.get("uid_warning")
        [result] = await box.run(USER_NAMESPACE_PROBE, [GRID])
        facts = ast.literal_eval(result.error.rsplit("LookupError: ", 1)[1])
        assert facts["mount"] == -1 and facts["umount"] == -1, "capabilities were not dropped"
        assert facts["net"] != "connected" and facts["write"] != "written" and not facts["proc"]
        assert "home" not in facts["root"] and "etc" not in facts["root"]
        [ok] = await box.run(MIRROR, [GRID])
        assert ok.output == Grid([[3, 2, 1], [6, 5, 4]])
    finally:
        await box.close()


def test_on_uvloop_the_loop_closes_cleanly() -> None:
    """uvicorn runs on uvloop, which refuses to close while a subprocess transport is open."""
    uvloop = pytest.importorskip("uvloop")

    async def main() -> None:
        async with Sandbox(workers=1) as box:
            [result] = await box.run(MIRROR, [GRID])
            assert result.ok

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main())


def test_root_is_built_beside_never_over_the_paths_it_binds() -> None:
    """A project cloned under /tmp keeps numpy there: the root must not be staged on /tmp then."""
    from arcforge.sandbox._isolation import staging_dir

    assert staging_dir(["/usr/lib", "/tmp/clone/.venv/lib/python3.11/site-packages/numpy"]) != "/tmp"
    chosen = staging_dir(["/mnt/x", "/usr/lib"])
    assert chosen != "/mnt" and not "/mnt/x".startswith(chosen.rstrip("/") + "/")
