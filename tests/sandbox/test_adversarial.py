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
    assert elapsed < 9.5  # the kernel's CPU limit ended it, not the wall clock (slow only under load)
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


# --- A program's result channel and working directory cannot hurt the caller or the server ---

WRITE_TO_CHANNEL = """
import os, stat
def solve(grid):
    for fd in range(3, 64):
        try:
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                data = PAYLOAD + b"\\n"
                while data:
                    data = data[os.write(fd, data):]
        except OSError:
            pass
    os._exit(0)
"""

CHANNEL_PAYLOADS = {
    "deep nesting": 'b"[" * 60000',
    "deep nesting in an object": 'b\'{"i":0,"s":"ok","e":\' + b"[" * 60000',
    "a huge number": 'b\'{"i":\' + b"9" * 100000 + b"}"',
    "invalid UTF-8": 'b\'{"i":0,"s":"exception","e":"\\xff\\xfe\\xfd"}\'',
    "a line of many MB": 'b\'{"i":0,"s":"ok","e":"\' + b"x" * (24 << 20) + b\'"}\'',
}


@pytest.mark.parametrize("payload", list(CHANNEL_PAYLOADS), ids=list(CHANNEL_PAYLOADS))
async def test_any_result_line_is_only_that_programs_invalid_output(sandbox: Sandbox, payload: str) -> None:
    code = f"PAYLOAD = {CHANNEL_PAYLOADS[payload]}\n" + WRITE_TO_CHANNEL
    result, elapsed = await run_hostile(sandbox, code, Limits(wall_s=5, memory_bytes=512 << 20))
    assert result.status == "invalid_output", (result.status, result.error)
    assert elapsed < 5
    await assert_still_serves(sandbox)


SHUT_DOWN_THE_CHANNEL = """
import os, socket, stat
def solve(grid):
    for fd in range(3, 64):
        try:
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                socket.socket(fileno=fd).shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    return grid
"""


async def test_shutting_the_channel_down_is_only_that_programs_invalid_output(sandbox: Sandbox) -> None:
    worker_pid = sandbox._pool[0].process.pid
    result, _ = await run_hostile(sandbox, SHUT_DOWN_THE_CHANNEL)
    assert result.status == "invalid_output", (result.status, result.error)
    await assert_still_serves(sandbox)
    assert sandbox._pool[0].process.pid == worker_pid, "the worker had to be restarted"


DEEP_DIRECTORIES = """
import os
def solve(grid):
    fd = os.open(".", os.O_RDONLY)
    depth = 0
    try:
        while depth < 5000:
            os.mkdir("d", dir_fd=fd)
            if depth % 50 == 0:
                os.symlink("/", "up", dir_fd=fd)
                os.close(os.open("f", os.O_CREAT | os.O_WRONLY, dir_fd=fd))
            inner = os.open("d", os.O_RDONLY, dir_fd=fd)
            if depth % 100 == 7:  # a directory with a file in it that its owner made unreadable
                os.mkdir("x", dir_fd=fd)
                locked = os.open("x", os.O_RDONLY, dir_fd=fd)
                os.close(os.open("f", os.O_CREAT | os.O_WRONLY, dir_fd=locked))
                os.close(locked)
                os.chmod("x", 0, dir_fd=fd)
            os.close(fd)
            fd, depth = inner, depth + 1
    except OSError:
        pass
    return [[min(depth // 100, 9)]]
"""


async def test_any_working_directory_contents_leave_the_server_serving(sandbox: Sandbox) -> None:
    worker_pid = sandbox._pool[0].process.pid
    for _ in range(3):  # a deep tree each time: the tmpfs must be emptied after each
        result, _ = await run_hostile(sandbox, DEEP_DIRECTORIES, Limits(wall_s=10, memory_bytes=512 << 20))
        assert result.status == "ok" and result.output is not None
        assert result.output.to_list()[0][0] >= 5, "the program made fewer than 500 levels"
    await assert_still_serves(sandbox)
    assert sandbox._pool[0].process.pid == worker_pid, "the worker had to be restarted"
    [empty] = await sandbox.run(
        "import os\ndef solve(grid):\n    return [[len(os.listdir('/tmp'))]]\n", [GRID]
    )
    assert empty.status in ("ok", "exception")  # /tmp itself may not be listable by the program's uid
    if empty.ok:
        assert empty.output is not None and empty.output.to_list() == [[1]], "earlier runs were left in /tmp"


def test_a_60000_bracket_result_line_inside_verify_is_one_bad_record(tmp_path: Path) -> None:
    """The real CLI on a small run directory: the hostile sample is one record, the others verify."""
    import json
    import subprocess
    import sys

    from arcforge.engine import RunDirectory
    from arcforge.task.grid import Grid
    from arcforge.task.model import Pair, Task

    task = Task(
        "h0571e",
        train=[Pair(Grid(GRID), Grid([[3, 2, 1], [6, 5, 4]]))],
        test=[Pair(Grid([[7, 8]]), Grid([[8, 7]]))],
    )
    hostile = "PAYLOAD = b'[' * 60000\n" + WRITE_TO_CHANNEL
    run = RunDirectory.create(tmp_path / "run", command="generate code", config={"kind": "code"})
    with run:
        for index, code in enumerate([MIRROR, hostile, MIRROR.replace("row", "r")]):
            run.append({
                "key": f"h0571e:v0:s{index}", "kind": "code", "task_id": task.id, "task_version": 0,
                "sample_index": index, "status": "ok", "task_data": task.to_dict(),
                "python_code": code, "entry": "solve",
            })  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "arcforge", "verify", str(tmp_path / "run"), "--json"],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    lines = (tmp_path / "run" / "verification.jsonl").read_text().splitlines()
    entries = {entry["sample_index"]: entry for entry in map(json.loads, lines)}
    assert len(entries) == 3
    assert entries[0]["verified"] and entries[2]["verified"]
    assert not entries[1]["verified"] and entries[1]["outcome"] == "invalid_output"


# --- No program can read another's data: the server that children fork from never holds any ---

VICTIM = """
MARK = "QzV7-left-half-of-the-marker-WkP3QzV7-right-half-of-the-marker-Jh8e"
def solve(grid):
    print(MARK)
    return [[3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3, 2, 3, 8, 4, 6, 2, 6, 4, 3, 3, 8]]
"""

# Scans every readable page near the heap (brk), the memory allocators' mappings, the libraries and
# the stack, telling readable from unreadable pages by writing one byte of each to a pipe (EFAULT,
# no crash). Marker halves are separate constants: the whole marker is never in this process unless
# something of the earlier program is. The control markers prove the scan sees this process's data.
SCANNER = """
import ctypes, os
A, B = b"QzV7-left-half-of-the-marker-WkP3", b"QzV7-right-half-of-the-marker-Jh8e"
D1, D2 = b"3141592653589", b"79323846264338"
C1, C2 = b"cTRl-small-object-", b"held-in-a-global-9x"
B1, B2 = b"cTRl-big-buffer-", b"from-mmap-7y"
CONTROL = (C1 + C2).decode()
BIG = bytearray(1 << 20)
BIG[12345:12345 + len(B1 + B2)] = B1 + B2
libc = ctypes.CDLL(None, use_errno=True)
libc.write.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t]
libc.sbrk.restype = ctypes.c_void_p
libc.sbrk.argtypes = [ctypes.c_long]
PAGE = 4096
GAP = 2048

def solve(grid):
    r, w = os.pipe()
    def readable(address):
        if address <= 0 or libc.write(w, address, 1) != 1:
            return False
        os.read(r, 1)
        return True
    seen = set()
    hits = {"marker": 0, "digits": 0, "control": 0, "big": 0, "pages": 0}
    def search(chunk):
        for first, second, name in ((A, B, "marker"), (D1, D2, "digits"), (C1, C2, "control"), (B1, B2, "big")):
            at = chunk.find(first)
            while at >= 0:
                if chunk[at + len(first):at + len(first) + len(second)] == second:
                    hits[name] += 1
                at = chunk.find(first, at + 1)
    def scan_from(anchor, step):
        page, misses, run = anchor - anchor % PAGE, 0, []
        while misses < GAP and 0 < page < (1 << 47):
            if page not in seen and readable(page):
                seen.add(page)
                misses = 0
                run.append(ctypes.string_at(page, PAGE))
                if len(run) >= 256:
                    search(b"".join(run[::step]))
                    run = run[-1:]
            else:
                misses += 1
                if run:
                    search(b"".join(run[::step]))
                    run = []
            page += step * PAGE
        if run:
            search(b"".join(run[::step]))
    environ = ctypes.c_void_p.in_dll(libc, "environ").value or 0
    anchors = [libc.sbrk(0), id(CONTROL), id(grid), ctypes.addressof(ctypes.c_char.from_buffer(BIG)),
               ctypes.cast(libc.write, ctypes.c_void_p).value, id(os), environ]
    for anchor in anchors:
        scan_from(anchor, 1)
        scan_from(anchor - PAGE, -1)
    hits["pages"] = len(seen)
    raise LookupError(repr(hits))
"""


async def test_a_program_finds_nothing_of_an_earlier_program_in_its_memory(sandbox: Sandbox) -> None:
    [victim] = await sandbox.run(VICTIM, [GRID])
    assert victim.ok and "left-half" in victim.stdout
    result, _ = await run_hostile(sandbox, SCANNER, Limits(wall_s=60, memory_bytes=1 << 30))
    assert result.status == "exception" and "LookupError" in result.error, result.error
    import ast

    hits = ast.literal_eval(result.error.rsplit("LookupError: ", 1)[1])
    assert hits["control"] >= 1 and hits["big"] >= 1, f"the scan does not see this process's own data: {hits}"
    assert hits["pages"] > 5000, f"the scan read too little memory to mean anything: {hits}"
    assert hits["marker"] == 0 and hits["digits"] == 0, f"an earlier program's data was readable: {hits}"
    await assert_still_serves(sandbox)
