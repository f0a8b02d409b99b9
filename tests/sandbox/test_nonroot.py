"""The sandbox as an ordinary user: user-namespace mode with a second uid, and the basic layer.

As root, these tests create an ordinary user (``arcforge-sbx``, with ``/etc/subuid`` ranges) and run
a real sandbox as that user through ``setpriv``. When Python lives below a directory other users
cannot enter (``/root/.pyenv``), the run happens in a private mount namespace where that directory
is replaced by a tmpfs holding a bind of Python's tree, so the user can start the same interpreter.
Run as an ordinary user, the same scripts run directly.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

USER = "arcforge-sbx"
MIRROR = "def solve(grid):\n    return [row[::-1] for row in grid]\n"
SCRIPT = """
import asyncio, json, sys
from arcforge.errors import SandboxError
from arcforge.sandbox import Limits, Sandbox

async def main():
    out = {"results": []}
    try:
        async with Sandbox(workers=1, isolation=sys.argv[1], limits=Limits(wall_s=3)) as box:
            out["isolation"] = box.isolation
            out["pid_before"] = box._pool[0].process.pid
            for code in json.loads(sys.argv[2]):
                [r] = await box.run(code, [[[1, 2, 3], [4, 5, 6]]])
                out["results"].append({"status": r.status, "error": r.error, "stdout": r.stdout,
                                       "output": r.output.to_list() if r.output else None})
            out["pid_after"] = box._pool[0].process.pid
    except SandboxError as exc:
        out["error"] = str(exc)
    print(json.dumps(out))

asyncio.run(main())
"""


def _hidden_ancestor(path: str) -> str | None:
    """The outermost ancestor of ``path`` that other users cannot enter, if any."""
    parts = Path(path).parts
    for index in range(2, len(parts) + 1):
        ancestor = str(Path(*parts[:index]))
        if os.stat(ancestor).st_mode & 0o001 == 0:
            return ancestor
    return None


def run_as_user(mode: str, programs: list[str]) -> dict[str, Any]:
    argv = [sys.executable, "-c", SCRIPT, mode, json.dumps(programs)]
    if os.geteuid() != 0:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=180, check=False, cwd="/tmp")
        return json.loads(done.stdout or "{}")
    if shutil.which("setpriv") is None or shutil.which("unshare") is None:
        pytest.skip("setpriv/unshare (util-linux) are needed to run as another user")
    if subprocess.run(["id", USER], capture_output=True, check=False).returncode != 0:
        made = subprocess.run(
            ["useradd", "-m", "-s", "/usr/sbin/nologin", USER], capture_output=True, check=False
        )
        if made.returncode != 0:
            pytest.skip(f"cannot create the test user {USER}: {made.stderr!r}")
    real = os.path.realpath(sys.executable)
    hidden = _hidden_ancestor(os.path.dirname(real))
    env = "env -i HOME=/tmp PATH=/usr/bin:/bin"
    drop = f"exec setpriv --reuid={USER} --regid={USER} --init-groups {env}"
    if hidden is None:
        command = f'{drop} {sys.executable} -c "$SCRIPT" {mode} "$PROGRAMS"'
    else:
        inner = Path(real).relative_to(hidden).parts[0]
        stash = f"/run/arcforge-test-{uuid.uuid4().hex[:8]}"
        command = (
            f"mkdir -p {stash} && mount --bind {hidden}/{inner} {stash} && "
            f"mount -t tmpfs -o mode=755,size=1m none {hidden} && mkdir {hidden}/{inner} && "
            f'mount --bind {stash} {hidden}/{inner} && {drop} {sys.executable} -c "$SCRIPT" {mode} "$PROGRAMS"'
        )
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", command], capture_output=True, text=True, timeout=180, check=False,
        cwd="/tmp", env={"SCRIPT": SCRIPT, "PROGRAMS": json.dumps(programs), "PATH": "/usr/bin:/bin:/usr/sbin:/sbin"},
    )  # fmt: skip
    if not done.stdout.strip():
        pytest.fail(f"the script as {USER} printed nothing: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


FORK_EXEC_SHELL = """
import _posixsubprocess, os
def solve(grid):
    r, w = os.pipe()
    _posixsubprocess.fork_exec([b"/bin/sh", b"-c", b"echo pwned > /tmp/arcforge-pwned-{tag}"], [b"/bin/sh"],
        True, (w,), None, None, -1, -1, -1, -1, -1, -1, r, w, True, False, 0, None, None, None, -1, None, False)
    return grid
"""


def test_basic_mode_for_an_ordinary_user_adds_landlock_and_seccomp() -> None:
    secret = Path(f"/tmp/arcforge-secret-{uuid.uuid4().hex}.txt")
    secret.write_text("do not read")
    secret.chmod(0o644)
    tag = uuid.uuid4().hex[:8]
    hostile = {
        "import socket\ndef solve(grid):\n    socket.socket()\n": "socket",
        f"def solve(grid):\n    return open({str(secret)!r}).read()\n": "refuses to open",
        "def solve(grid):\n    open('/tmp/arcforge-out', 'w')\n": "refuses to open",
        "import subprocess\ndef solve(grid):\n    subprocess.run(['true'])\n": "subprocess",
        "import os\ndef solve(grid):\n    os.kill(os.getppid(), 9)\n": "os.kill",
        "import ctypes\ndef solve(grid):\n    ctypes.CDLL(None)\n": "ctypes",
        "from multiprocessing import shared_memory\ndef solve(grid):\n    pass\n": "_posixshmem",
        FORK_EXEC_SHELL.replace("{tag}", tag): "Error",
    }
    writes = "def solve(grid):\n    open('here.txt', 'w').write('ok')\n    return [[len(open('here.txt').read())]]\n"
    try:
        out = run_as_user("basic", [MIRROR, *hostile, writes, MIRROR])
    finally:
        secret.unlink()
    assert "error" not in out, out.get("error")
    info = out["isolation"]
    assert info["mode"] == "basic" and info["seccomp"]["loaded"]
    if not info["landlock"]["enabled"]:
        pytest.fail(f"Landlock is missing: {info['landlock']}")
    results = out["results"]
    assert results[0]["output"] == [[3, 2, 1], [6, 5, 4]]
    for (code, words), result in zip(hostile.items(), results[1:-2], strict=True):
        assert result["status"] == "exception" and words in result["error"], (code, result)
    assert not Path(f"/tmp/arcforge-pwned-{tag}").exists(), "fork_exec ran a shell"
    assert not Path("/tmp/arcforge-out").exists()
    assert results[-2]["output"] == [[2]]
    assert results[-1]["output"] == [[3, 2, 1], [6, 5, 4]]


USERNS_ATTACKS = """
import os, signal
def solve(grid):
    facts = {"uid": os.getuid()}
    for target, number in ((1, signal.SIGINT), (1, signal.SIGTERM), (os.getppid(), signal.SIGINT)):
        try:
            os.kill(target, number)
            facts[f"kill {target} {number}"] = "sent"
        except OSError as exc:
            facts[f"kill {target} {number}"] = type(exc).__name__
    for path in ("/tmp/planted", "/tmp/run-0000000000000000"):
        try:
            os.mkdir(path)
            facts[path] = "made"
        except OSError as exc:
            facts[path] = type(exc).__name__
    raise LookupError(repr(facts))
"""

LOOK_FOR_PLANTS = "import os\ndef solve(grid):\n    return [[len([n for n in os.listdir('/tmp') if 'run-' not in n]) + 1]]\n"


def test_user_namespace_mode_for_an_ordinary_user_runs_children_under_a_second_uid() -> None:
    out = run_as_user("user-namespace", [USERNS_ATTACKS, LOOK_FOR_PLANTS, MIRROR])
    if "error" in out and "no user namespace" in out["error"]:
        pytest.skip(f"this kernel gives ordinary users no user namespaces: {out['error']}")
    assert "error" not in out, out.get("error")
    info = out["isolation"]
    assert info["user_namespace"] and info["second_uid"], info
    attacks, plants, mirror = out["results"]
    facts = attacks["error"].rsplit("LookupError: ", 1)[1]
    assert "'uid': 1" in facts, facts
    assert "sent" not in facts and "made" not in facts, facts
    assert plants["output"] == [[1]], plants
    assert mirror["output"] == [[3, 2, 1], [6, 5, 4]]
    assert out["pid_before"] == out["pid_after"], "the worker was killed and replaced"
