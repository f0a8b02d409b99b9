"""The basic layer's Landlock rule set on its own: the kernel refuses ``execve`` under it.

In the basic mode a program cannot start a process at all (``RLIMIT_NPROC`` is 0 there, which is what
stops ``_posixsubprocess.fork_exec`` in ``test_nonroot.py``), so no program run can show the second
line of defence. This test builds the rule set exactly as the fork server does
(:func:`_landlock.ruleset` with Python's read-only paths and a writable runs directory), puts a forked
child under it, and has the child try what a program would: run ``/bin/sh`` and ``/bin/true``
and a binary copied into the writable runs directory (refused: no path has the execute right), read a
file outside the view (refused), write in the runs directory (allowed).
"""

from __future__ import annotations

import errno
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

from arcforge.sandbox import _isolation, _landlock


def _in_child(fd: int, attempt) -> int:  # type: ignore[no-untyped-def]
    """Run ``attempt`` in a forked child under the rule set; its exit code."""
    pid = os.fork()
    if pid == 0:
        try:
            _landlock.restrict_self(fd)
            os._exit(attempt())
        except BaseException:
            os._exit(99)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def test_the_rule_set_refuses_execve_and_reads_outside_the_view(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    runs.mkdir()
    secret = Path(tempfile.mkdtemp(prefix="arcforge-landlock-")) / "secret.txt"
    secret.write_text("outside the view")
    readable = _isolation.readonly_paths([os.path.dirname(os.__file__)])
    assert not any(str(secret).startswith(path) for path in readable)
    fd, info = _landlock.ruleset(readable=readable, writable=str(runs))
    if not info["enabled"]:
        pytest.fail(f"Landlock is missing from this kernel: {info}")
    os.set_inheritable(fd, True)

    def run(path: str) -> int:
        def attempt() -> int:
            try:
                os.execv(path, [path, "-c", "exit 0"])
            except PermissionError as exc:
                return 13 if exc.errno == errno.EACCES else 12
            return 11

        return attempt()

    # a binary a program could write into its own working directory, where it may write: without
    # the execute right there, it cannot run it (the test at the end shows it runs without the rules)
    dropped = runs / "true"
    shutil.copy("/bin/true", dropped)
    dropped.chmod(0o755)
    try:
        for program in ("/bin/sh", "/bin/true", sys.executable, str(dropped)):
            assert _in_child(fd, lambda program=program: run(program)) == 13, program

        def read_secret() -> int:
            try:
                secret.read_text()
            except PermissionError:
                return 13
            return 0

        assert _in_child(fd, read_secret) == 13

        def write_in_runs() -> int:
            (runs / "out.txt").write_text("ok")
            return 0 if (runs / "out.txt").read_text() == "ok" else 1

        assert _in_child(fd, write_in_runs) == 0
        # and without the rule set the same child runs the dropped binary: the refusal is Landlock's
        pid = os.fork()
        if pid == 0:
            try:
                os.execv(str(dropped), [str(dropped)])
            finally:
                os._exit(98)
        assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
    finally:
        os.close(fd)
        secret.unlink()
        secret.parent.rmdir()
