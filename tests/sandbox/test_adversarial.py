"""Hostile programs: each must end as a typed failure within its limits, and the pool must serve the
next program correctly and quickly on the same (single) worker.

Every case runs against a real sandbox (real fork server, real namespaces where the machine allows
them). Secrets are real values placed where a careless sandbox would leak them: the parent's
environment, a temporary ``~/.ssh`` and a temporary project's ``.env``.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from arcforge.sandbox import Limits, Sandbox

GRID = [[1, 2, 3], [4, 5, 6]]
MIRROR = "def solve(grid):\n    return [row[::-1] for row in grid]\n"
LIMITS = Limits(wall_s=1.5, memory_bytes=512 << 20)
SECRET = "sk-arcforge-test-" + uuid.uuid4().hex


@pytest.fixture()
async def sandbox(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Sandbox]:
    monkeypatch.setenv("ARCFORGE_FAKE_OPENAI_API_KEY", SECRET)
    async with Sandbox(workers=1, limits=LIMITS) as box:
        yield box


async def assert_still_serves(sandbox: Sandbox) -> None:
    """After a hostile program: a normal one on the same worker is right, and fast."""
    started = time.monotonic()
    [result] = await sandbox.run(MIRROR, [GRID])
    elapsed = time.monotonic() - started
    assert result.status == "ok", result.error
    assert result.output is not None and result.output.to_list() == [[3, 2, 1], [6, 5, 4]]
    assert elapsed < 1.0, f"the next program took {elapsed:.2f} s"


async def run_hostile(sandbox: Sandbox, code: str, limits: Limits | None = None) -> tuple[object, float]:
    started = time.monotonic()
    [result] = await sandbox.run(code, [GRID], limits)
    return result, time.monotonic() - started


def leaks(result: object) -> bool:
    text = f"{result.error} {result.stdout} {result.output}"
    return SECRET in text


async def test_infinite_loop_times_out(sandbox: Sandbox) -> None:
    result, elapsed = await run_hostile(sandbox, "def solve(grid):\n    while True:\n        pass\n")
    assert result.status == "timeout"
    assert "wall time" in result.error
    assert 1.4 < elapsed < 3.0
    await assert_still_serves(sandbox)


CATCH_EVERYTHING = """
import signal
for number in (signal.SIGXCPU, signal.SIGTERM, signal.SIGINT, signal.SIGALRM, signal.SIGHUP, signal.SIGUSR1):
    signal.signal(number, signal.SIG_IGN)

def solve(grid):
    while True:
        try:
            while True:
                pass
        except BaseException:
            pass
"""


async def test_catching_every_exception_and_signal_still_ends(sandbox: Sandbox) -> None:
    result, elapsed = await run_hostile(sandbox, CATCH_EVERYTHING)
    assert result.status == "timeout"
    assert elapsed < 3.0
    await assert_still_serves(sandbox)


async def test_cpu_limit_kills_a_program_ignoring_sigxcpu(sandbox: Sandbox) -> None:
    result, elapsed = await run_hostile(sandbox, CATCH_EVERYTHING, Limits(wall_s=10, cpu_s=1))
    assert result.status == "timeout", result.error
    assert "CPU time" in result.error
    assert elapsed < 4.0
    await assert_still_serves(sandbox)


FORK_BOMB = """
import os, threading

def solve(grid):
    made, errors = 0, []
    for _ in range(50):
        try:
            if os.fork() == 0:
                while True:
                    try:
                        os.fork()
                    except OSError:
                        pass
            made += 1
        except OSError as exc:
            errors.append(type(exc).__name__)
            break
    try:
        threading.Thread(target=lambda: None).start()
    except RuntimeError as exc:
        errors.append("thread: " + str(exc))
    raise RuntimeError(f"forks made: {made}; refused: {errors}")
"""


async def test_fork_bomb_is_refused(sandbox: Sandbox) -> None:
    result, _ = await run_hostile(sandbox, FORK_BOMB)
    assert result.status == "exception"
    assert "forks made: 0" in result.error and "BlockingIOError" in result.error
    assert "thread:" in result.error
    await assert_still_serves(sandbox)


async def test_allowed_processes_are_killed_when_the_program_ends(sandbox: Sandbox) -> None:
    code = FORK_BOMB.replace("range(50)", "range(10)")
    result, elapsed = await run_hostile(sandbox, code, Limits(wall_s=1.5, processes=3))
    assert result.status == "exception"
    assert "forks made: 0" not in result.error and "BlockingIOError" in result.error, "the cap of 3 held"
    assert elapsed < 3.0
    # Processes count per uid: had the bomb's processes outlived it, this fork would be refused.
    one = "import os\ndef solve(grid):\n    pid = os.fork()\n    if pid == 0:\n        os._exit(0)\n" \
          "    os.waitpid(pid, 0)\n    return grid\n"  # fmt: skip
    [forked] = await sandbox.run(one, [GRID], Limits(processes=1))
    assert forked.status == "ok", forked.error
    await assert_still_serves(sandbox)


async def test_memory_bomb_is_a_memory_failure(sandbox: Sandbox) -> None:
    result, elapsed = await run_hostile(sandbox, "def solve(grid):\n    return bytearray(2 << 30)\n")
    assert result.status == "memory"
    chunks = "def solve(grid):\n    hoard = []\n    while True:\n        hoard.append(bytearray(16 << 20))\n"
    result, elapsed = await run_hostile(sandbox, chunks, Limits(wall_s=5, memory_bytes=256 << 20))
    assert result.status == "memory", result.error
    assert elapsed < 5.0
    await assert_still_serves(sandbox)


READ_ENVIRONMENT = """
import os
def solve(grid):
    found = dict(os.environ)
    for path in ("/proc/self/environ", "/proc/1/environ", f"/proc/{os.getppid()}/environ"):
        try:
            found[path] = open(path, "rb").read().decode(errors="replace")
        except OSError as exc:
            found[path] = type(exc).__name__
    print(found)
    if any("sk-" in str(value) for value in found.values()):
        return [[7]]
    raise LookupError(f"nothing found: {found}")
"""


async def test_parent_environment_is_not_visible(sandbox: Sandbox) -> None:
    assert os.environ["ARCFORGE_FAKE_OPENAI_API_KEY"] == SECRET
    result, _ = await run_hostile(sandbox, READ_ENVIRONMENT)
    assert result.status == "exception" and "nothing found" in result.error
    assert not leaks(result)
    await assert_still_serves(sandbox)


async def test_home_ssh_and_project_env_are_not_readable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home, project = tmp_path / "home", tmp_path / "project"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_ed25519").write_text(f"-----BEGIN OPENSSH PRIVATE KEY----- {SECRET}\n")
    project.mkdir()
    (project / ".env").write_text(f"OPENAI_API_KEY={SECRET}\n")
    monkeypatch.setenv("HOME", str(home))
    real_project = Path(__file__).resolve().parents[2]
    targets = [home / ".ssh" / "id_ed25519", project / ".env", "~/.ssh/id_ed25519",
               real_project / "pyproject.toml", "/root/.bash_history", "/etc/passwd"]  # fmt: skip
    code = (
        "import os\ndef solve(grid):\n    found = {}\n"
        f"    for path in {[str(t) for t in targets]!r}:\n"
        "        try:\n            found[path] = open(os.path.expanduser(path)).read()\n"
        "        except OSError as exc:\n            found[path] = type(exc).__name__\n"
        "    if any(len(v) > 30 for v in found.values()):\n        return [[7]]\n"
        "    raise LookupError(repr(found))\n"
    )
    async with Sandbox(workers=1, limits=LIMITS) as sandbox:
        result, _ = await run_hostile(sandbox, code)
        assert result.status == "exception", result
        assert "FileNotFoundError" in result.error or "PermissionError" in result.error
        assert not leaks(result)
        await assert_still_serves(sandbox)


async def test_files_written_outside_do_not_appear_and_nothing_persists(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    outside = [tmp_path / "escaped.txt", Path(f"/tmp/arcforge-escape-{uuid.uuid4().hex}"),
               Path(__file__).resolve().parents[2] / f"escape-{uuid.uuid4().hex}"]  # fmt: skip
    code = (
        "import os\ndef solve(grid):\n    open('mine.txt', 'w').write('kept here')\n    refused = []\n"
        f"    for path in {[str(p) for p in outside]!r}:\n"
        "        try:\n            open(path, 'w').write('escaped')\n"
        "        except OSError as exc:\n            refused.append(type(exc).__name__)\n"
        "    raise PermissionError(f'refused: {refused}; here: {os.listdir()}')\n"
    )
    result, _ = await run_hostile(sandbox, code)
    assert result.status == "exception"
    assert "refused: [" in result.error and "mine.txt" in result.error
    assert result.error.count("Error'") == len(outside)
    for path in outside:
        assert not path.exists(), f"{path} escaped the sandbox"
    look = "import os\ndef solve(grid):\n    raise LookupError(f'{os.getcwd()} holds {os.listdir()}')\n"
    [after] = await sandbox.run(look, [GRID])
    assert "holds []" in after.error, "a file of the previous program is still visible"
    await assert_still_serves(sandbox)


class _Listener:
    """A TCP server on loopback that records every connection it accepts."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.accepted += 1
            conn.close()

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        self.sock.close()


async def test_no_network_to_a_loopback_server(sandbox: Sandbox) -> None:
    listener = _Listener()
    try:
        probe = socket.create_connection(("127.0.0.1", listener.port), timeout=2)  # the server works
        probe.close()
        time.sleep(0.3)
        assert listener.accepted == 1
        code = (
            "import socket\ndef solve(grid):\n    errors = []\n"
            f"    for host in ('127.0.0.1', 'localhost', '::1'):\n"
            "        try:\n"
            f"            socket.create_connection((host, {listener.port}), timeout=0.5).sendall(b'leak')\n"
            "        except OSError as exc:\n            errors.append(type(exc).__name__)\n"
            "    raise ConnectionError(f'blocked: {errors}')\n"
        )
        result, _ = await run_hostile(sandbox, code)
        assert result.status == "exception" and "blocked: [" in result.error
        time.sleep(0.3)
        assert listener.accepted == 1, "the sandboxed program reached the loopback server"
    finally:
        listener.close()
    await assert_still_serves(sandbox)


async def test_subprocess_cannot_start(sandbox: Sandbox, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    code = (
        "import os, subprocess\ndef solve(grid):\n"
        f"    status = os.system('touch {marker}')\n"
        f"    subprocess.run(['/bin/sh', '-c', 'touch {marker}'], check=True)\n"
    )
    result, _ = await run_hostile(sandbox, code)
    assert result.status == "exception"
    assert "Error" in result.error
    assert not marker.exists()
    await assert_still_serves(sandbox)


async def test_killing_its_parent_leaves_the_pool_serving(sandbox: Sandbox) -> None:
    worker_pid = sandbox._pool[0].process.pid
    code = (
        "import os, signal\ndef solve(grid):\n"
        "    for target in (os.getppid(), 1, -1):\n"
        "        try:\n            os.kill(target, signal.SIGKILL)\n        except OSError:\n            pass\n"
        "    os.killpg(os.getpgid(0), signal.SIGKILL)\n"
    )
    result, _ = await run_hostile(sandbox, code)
    assert result.status == "exception" and "SIGKILL" in result.error
    await assert_still_serves(sandbox)
    assert sandbox._pool[0].process.pid == worker_pid, "the worker had to be restarted"


async def test_printing_100_mb_is_cheap_and_capped(sandbox: Sandbox) -> None:
    code = (
        "import os, sys\ndef solve(grid):\n    print('x' * (100 << 20))\n"
        "    os.write(1, b'y' * (1 << 20))\n    sys.__stdout__.write('z' * (1 << 20))\n"
        "    return grid\n"
    )
    result, elapsed = await run_hostile(sandbox, code)
    assert result.status == "ok" and result.output.to_list() == GRID
    assert len(result.stdout) <= 20_000
    assert elapsed < 1.5
    await assert_still_serves(sandbox)


async def test_unbounded_recursion(sandbox: Sandbox) -> None:
    result, _ = await run_hostile(sandbox, "def solve(grid):\n    return solve(grid)\n")
    assert result.status == "exception" and "RecursionError" in result.error
    assert len(result.error) < 5000
    # Through a C function, with the guard lifted: the C stack overflows and the process dies.
    deep = "import sys\nsys.setrecursionlimit(10**7)\ndef solve(grid):\n    return list(map(solve, [grid]))\n"
    result, _ = await run_hostile(sandbox, deep)
    assert result.status == "exception" and "SIGSEGV" in result.error
    await assert_still_serves(sandbox)


async def test_sys_exit_and_os_exit(sandbox: Sandbox) -> None:
    [result] = await sandbox.run("import sys\ndef solve(grid):\n    sys.exit(0)\n", [GRID])
    assert result.status == "exception" and "sys.exit(0)" in result.error
    code = "import os\ncalls = []\ndef solve(grid):\n    calls.append(1)\n    if len(calls) == 2:\n" \
           "        os._exit(0)\n    return grid\n"  # fmt: skip
    first, second = await sandbox.run(code, [GRID, GRID])
    assert first.status == "ok", "the grid solved before os._exit is kept"
    assert second.status == "exception" and "exit status 0" in second.error
    await assert_still_serves(sandbox)


FAKER = """
import builtins, json, sys
answer = [[7, 7, 7], [7, 7, 7]]
builtins.len = lambda value: 0
builtins.list = lambda value=(): answer
builtins.isinstance = lambda value, kind: True
json.dumps = lambda *args, **kwargs: '{"i": 0, "s": "ok", "h": 2, "w": 3, "c": "777777"}'
sys.modules["numpy"] = None
def solve(grid):
    return answer
"""


async def test_replacing_builtins_does_not_reach_the_next_program(sandbox: Sandbox) -> None:
    await sandbox.run(FAKER, [GRID])
    await assert_still_serves(sandbox)
    [again] = await sandbox.run("def solve(grid):\n    return [[len(grid), len(grid[0])]]\n", [GRID])
    assert again.output.to_list() == [[2, 3]]


SYSV_IPC = """
import ctypes
def solve(grid):
    libc = ctypes.CDLL(None, use_errno=True)
    made = {"shm": libc.shmget(4242, 4096, 0o1666), "msg": libc.msgget(4242, 0o1666), "sem": libc.semget(4242, 1, 0o1666)}
    raise OSError(f"made: {made}")
"""


async def test_no_system_v_ipc_objects_to_outlive_a_program(sandbox: Sandbox) -> None:
    if not sandbox.isolation.get("sysv_ipc_disabled"):
        pytest.skip("this kernel does not let the worker limit System V IPC")
    result, _ = await run_hostile(sandbox, SYSV_IPC)
    assert "made: {'shm': -1, 'msg': -1, 'sem': -1}" in result.error
    await assert_still_serves(sandbox)
