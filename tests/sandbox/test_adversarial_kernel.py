"""Hostile programs against the kernel: raw system calls (``ctypes``, ``libc.syscall``) that reach
state beyond the program, each refused by the seccomp filter with the expected error, then the same
(single) worker serves a normal program. Also: keyrings and message queues carry nothing from one
program to the next, 32-bit system calls kill the process, and each worker has its own cgroup.
The system-call numbers are x86_64's; elsewhere these tests are skipped.
"""

from __future__ import annotations

import ast
import errno
import os
import platform
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from arcforge.sandbox import Limits, Sandbox

pytestmark = pytest.mark.skipif(platform.machine() != "x86_64", reason="x86_64 system-call numbers")

GRID = [[1, 2, 3], [4, 5, 6]]
MIRROR = "def solve(grid):\n    return [row[::-1] for row in grid]\n"
EPERM, ENOSYS, EAFNOSUPPORT = errno.EPERM, errno.ENOSYS, errno.EAFNOSUPPORT
NEWUSER, NEWNET, NEWNS, SIGCHLD = 0x10000000, 0x40000000, 0x00020000, 17

# name -> (system call number, arguments, the errno the filter answers with)
ATTACKS: dict[str, tuple[int, tuple[int, ...], int]] = {
    "unshare(CLONE_NEWUSER)": (272, (NEWUSER,), EPERM),
    "unshare(CLONE_NEWNET)": (272, (NEWNET,), EPERM),
    "clone(CLONE_NEWUSER)": (56, (NEWUSER | SIGCHLD, 0, 0, 0, 0), EPERM),
    "clone(CLONE_NEWNS)": (56, (NEWNS | SIGCHLD, 0, 0, 0, 0), EPERM),
    "clone3": (435, (0, 88), ENOSYS),
    "setns": (308, (0, 0), EPERM),
    "mount tmpfs": (165, (0, 0, 0, 0, 0), EPERM),
    "umount2": (166, (0, 2), EPERM),
    "pivot_root": (155, (0, 0), EPERM),
    "open_tree": (428, (-100, 0, 0), EPERM),
    "move_mount": (429, (-100, 0, -100, 0, 0), EPERM),
    "fsopen": (430, (0, 0), EPERM),
    "fsconfig": (431, (0, 0, 0, 0, 0), EPERM),
    "fsmount": (432, (0, 0, 0), EPERM),
    "fspick": (433, (-100, 0, 0), EPERM),
    "mount_setattr": (442, (-100, 0, 0, 0, 0), EPERM),
    "keyctl(GET_KEYRING_ID session)": (250, (0, 2**64 - 3, 0), EPERM),
    "keyctl(READ)": (250, (11, 2**64 - 3, 0, 0), EPERM),
    "add_key": (248, (0, 0, 0, 0, 2**64 - 3), EPERM),
    "request_key": (249, (0, 0, 0, 0), EPERM),
    "mq_open": (240, (0, 0o102, 0o600, 0), EPERM),
    "mq_unlink": (241, (0,), EPERM),
    "mq_timedsend": (242, (0, 0, 0, 0, 0), EPERM),
    "mq_timedreceive": (243, (0, 0, 0, 0, 0), EPERM),
    "mq_notify": (244, (0, 0), EPERM),
    "mq_getsetattr": (245, (0, 0, 0), EPERM),
    "io_uring_setup": (425, (8, 0), EPERM),
    "io_uring_enter": (426, (0, 0, 0, 0, 0, 0), EPERM),
    "io_uring_register": (427, (0, 0, 0, 0), EPERM),
    "userfaultfd": (323, (0,), EPERM),
    "bpf": (321, (0, 0, 0), EPERM),
    "perf_event_open": (298, (0, 0, -1, -1, 0), EPERM),
    "ptrace(ATTACH, 1)": (101, (16, 1, 0, 0), EPERM),
    "process_vm_readv": (310, (1, 0, 0, 0, 0, 0), EPERM),
    "process_vm_writev": (311, (1, 0, 0, 0, 0, 0), EPERM),
    "memfd_create": (319, (0, 0), EPERM),
    "socket(AF_NETLINK)": (41, (16, 3, 0), EAFNOSUPPORT),
    "socket(AF_PACKET)": (41, (17, 3, 0), EAFNOSUPPORT),
    "socket(AF_VSOCK)": (41, (40, 1, 0), EAFNOSUPPORT),
    "socket(AF_INET)": (41, (2, 1, 0), EAFNOSUPPORT),
    "socket(AF_INET6)": (41, (10, 2, 0), EAFNOSUPPORT),
    "socketpair(AF_INET)": (53, (2, 1, 0, 0), EAFNOSUPPORT),
}

RAW_SYSCALLS = """
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
ATTACKS = {attacks!r}
def solve(grid):
    name = b"arcforge-probe\\0"
    answers = {{}}
    for label, (number, args, _) in ATTACKS.items():
        ctypes.set_errno(0)
        args = [ctypes.c_ulong(a & (2**64 - 1)) for a in args]
        result = libc.syscall(ctypes.c_long(number), *args)
        answers[label] = (result, ctypes.get_errno())
    raise LookupError(repr(answers))
"""


@pytest.fixture()
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(workers=1, limits=Limits(wall_s=3, memory_bytes=512 << 20, processes=2)) as box:
        if not box.isolation.get("seccomp", {}).get("loaded"):
            pytest.fail(f"the system-call filter did not load: {box.isolation.get('seccomp')}")
        yield box


async def assert_still_serves(sandbox: Sandbox) -> None:
    [result] = await sandbox.run(MIRROR, [GRID])
    assert result.ok and result.output is not None
    assert result.output.to_list() == [[3, 2, 1], [6, 5, 4]]


def facts_of(error: str | None) -> dict[str, object]:
    assert error is not None and "LookupError: " in error, error
    value = ast.literal_eval(error.rsplit("LookupError: ", 1)[1])
    assert isinstance(value, dict)
    return value


async def test_every_denied_system_call_fails_with_its_error(sandbox: Sandbox) -> None:
    [result] = await sandbox.run(RAW_SYSCALLS.format(attacks=ATTACKS), [GRID])
    answers = facts_of(result.error)
    wrong = {label: answer for label, answer in answers.items() if answer != (-1, ATTACKS[label][2])}
    assert not wrong, f"not refused by the filter (result, errno): {wrong}"
    await assert_still_serves(sandbox)


async def test_ordinary_calls_still_work(sandbox: Sandbox) -> None:
    code = (
        "import os, socket\ndef solve(grid):\n"
        "    a, b = socket.socketpair()\n    a.send(b'x')\n    assert b.recv(1) == b'x'\n"
        "    pid = os.fork()\n    if pid == 0:\n        os._exit(7)\n"
        "    return [[os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])]]\n"
    )
    [result] = await sandbox.run(code, [GRID])
    assert result.ok and result.output is not None and result.output.to_list() == [[7]], result.error


THIRTY_TWO_BIT = """
import ctypes, mmap
def solve(grid):
    # mov eax, 310 (i386 unshare); mov ebx, CLONE_NEWUSER; int 0x80; ret
    code = bytes.fromhex("b836010000" "bb00000010" "cd80" "c3")
    page = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    page.write(code)
    address = ctypes.addressof(ctypes.c_char.from_buffer(page))
    return [[ctypes.CFUNCTYPE(ctypes.c_int)(address)() & 7]]
"""


async def test_a_32_bit_system_call_kills_the_program(sandbox: Sandbox) -> None:
    [result] = await sandbox.run(THIRTY_TWO_BIT, [GRID])
    assert result.status == "exception" and "SIGSYS" in (result.error or ""), result
    x32 = "import ctypes\ndef solve(grid):\n    return [[ctypes.CDLL(None).syscall(0x40000000 + 272, 0x10000000) & 7]]\n"
    [result] = await sandbox.run(x32, [GRID])
    assert result.status == "exception" and "SIGSYS" in (result.error or ""), result
    await assert_still_serves(sandbox)


KEYRING_AND_QUEUE_WRITER = """
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
def solve(grid):
    facts = {}
    for label, keyring in (("session", -3), ("user", -4)):
        key = libc.syscall(248, b"user", b"arcforge-left-behind", b"secret-payload", 14, ctypes.c_long(keyring))
        facts[label] = (key, ctypes.get_errno())
    queue = libc.syscall(240, b"arcforge-left-behind", 0o102, 0o600, None)
    facts["mq"] = (queue, ctypes.get_errno())
    raise LookupError(repr(facts))
"""

KEYRING_AND_QUEUE_READER = """
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
def solve(grid):
    facts = {}
    found = libc.syscall(250, 10, ctypes.c_long(-3), b"user", b"arcforge-left-behind", 0)  # KEYCTL_SEARCH
    facts["search"] = (found, ctypes.get_errno())
    facts["session id"] = (libc.syscall(250, 0, ctypes.c_long(-3), 0), ctypes.get_errno())
    facts["mq"] = (libc.syscall(240, b"arcforge-left-behind", 0, 0, None), ctypes.get_errno())
    raise LookupError(repr(facts))
"""


async def test_keyrings_and_message_queues_carry_nothing_to_the_next_program(sandbox: Sandbox) -> None:
    [written] = await sandbox.run(KEYRING_AND_QUEUE_WRITER, [GRID])
    assert all(answer == (-1, EPERM) for answer in facts_of(written.error).values()), written.error
    [read] = await sandbox.run(KEYRING_AND_QUEUE_READER, [GRID])
    assert all(answer == (-1, EPERM) for answer in facts_of(read.error).values()), read.error
    info = sandbox.isolation
    assert info.get("sysv_ipc_disabled"), "the worker's IPC namespace limits were not set (mqueue 0)"
    await assert_still_serves(sandbox)


async def test_each_worker_has_its_own_cgroup_removed_at_close() -> None:
    if os.geteuid() != 0:
        pytest.skip("only root can make cgroups here")
    limits = Limits(wall_s=2, memory_bytes=256 << 20)
    async with Sandbox(workers=2, limits=limits) as box:
        cgroup = box.isolation["cgroup"]
        if cgroup["kind"] == "none":
            pytest.skip(f"no cgroups on this machine: {cgroup.get('reason')}")
        paths = [Path(p) for worker in box._pool if worker for p in worker.info["cgroup"]["paths"]]
        assert len(set(paths)) == len(paths) == 2 * len(cgroup["paths"]), "workers share a cgroup"
        for worker in box._pool:
            assert worker is not None
            for path in worker.info["cgroup"]["paths"]:
                assert str(worker.process.pid) in (Path(path) / "cgroup.procs").read_text().split()
        memory = next(p for p in paths if "memory" in str(p) or cgroup["kind"] == "v2")
        limit_file = "memory.max" if cgroup["kind"] == "v2" else "memory.limit_in_bytes"
        limit = int((memory / limit_file).read_text())
        assert limits.memory_bytes < limit <= limits.memory_bytes + (1 << 30)
        [result] = await box.run(MIRROR, [GRID])
        assert result.ok
    assert not any(path.exists() for path in paths), "cgroups were left behind"
