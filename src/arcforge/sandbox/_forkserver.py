"""The warm fork server: one per sandbox worker, run as ``python -I _forkserver.py`` (no arcforge).

Started with an empty environment, it imports the modules solver programs use most (numpy among
them), isolates itself once (see ``_isolation``), freezes its heap for cheap copy-on-write forks and
then serves requests read from stdin: for each it forks one child, which confines itself and runs the
program on the request's grids (``_runner``), while the server watches the clock from outside and
kills the child at its wall deadline. CPU time is capped by ``RLIMIT_CPU`` whose hard limit is a
``SIGKILL``, so neither limit can be caught.

Framing on stdin and stdout: a 4-byte big-endian length, then that many bytes. The first message
in is the configuration (JSON); the first message out says which isolation took effect (JSON). Then
each request is a JSON header and the program with its grids packed as bytes (read only by the
child: see ``_runner.decode_request``), and
each reply is a JSON account of how the child ended plus the child's raw result lines: the server,
which runs as root, never parses anything a program wrote.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import struct
import sys
import tempfile
import time

_HERE = os.path.dirname(os.path.abspath(__file__))
_HEADER = struct.Struct(">I")
# What solver programs import most. Each extension module adds mappings that every fork copies, so
# rarer ones (decimal, fractions, statistics) are left for the programs that want them to import.
WARM_MODULES = (
    "numpy", "collections", "itertools", "functools", "copy", "math", "re", "random", "heapq", "typing",
    "dataclasses", "operator", "string", "bisect", "enum", "abc", "array", "json", "traceback", "linecache",
)  # fmt: skip


def read_message(fd: int) -> dict | None:
    header = _read_exactly(fd, _HEADER.size)
    if header is None:
        return None
    body = _read_exactly(fd, _HEADER.unpack(header)[0])
    return None if body is None else json.loads(body)


def _read_exactly(fd: int, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int) -> bytes | None:
    header = _read_exactly(fd, _HEADER.size)
    return None if header is None else _read_exactly(fd, _HEADER.unpack(header)[0])


def write_message(fd: int, message: dict) -> None:
    write_frames(fd, json.dumps(message, separators=(",", ":")).encode())


def write_frames(fd: int, *bodies: bytes) -> None:
    data = b"".join(_HEADER.pack(len(body)) + body for body in bodies)
    while data:
        data = data[os.write(fd, data) :]


class Server:
    """Forks, confines, times and reaps one program child per request."""

    def __init__(self, *, isolation: object, runner: object, guard: object, config: dict) -> None:
        self.isolation, self.runner, self.guard = isolation, runner, guard
        self.libc = isolation.Libc()
        self.mode = config.get("mode", "auto")
        as_root = os.geteuid() == 0 and self.mode != "user-namespace"
        self.uid = config.get("uid") if as_root else None
        self.namespaces = False
        self.tmp_size = 16 << 20
        self.runs = 0
        self.readable: list[str] = []

    def isolate(self) -> dict:
        """Isolate this worker once; returns a description of what took effect."""
        numpy = sys.modules.get("numpy")
        prefix = os.path.dirname(os.path.dirname(numpy.__file__)) if numpy is not None else "/nonexistent"
        packages = [
            os.path.join(prefix, name)
            for name in ("numpy", "numpy.libs")
            if os.path.isdir(os.path.join(prefix, name))
        ]
        self.readable = self.isolation.readonly_paths(packages)
        info = {"mode": "basic", "uid": self.uid, "namespaces": False, "reason": ""}
        if self.mode != "basic":
            info.update(self._enter_namespaces())
        if not self.namespaces:
            self._check_uid_can_read()
            info["uid"] = self.uid
        return info

    def _enter_namespaces(self) -> dict:
        try:
            user_namespace = self.mode == "user-namespace"
            info = self.isolation.enter_worker_namespaces(self.libc, user_namespace=user_namespace)
        except self.isolation.IsolationError as exc:
            return {"reason": str(exc)}
        self._become_namespace_init()
        try:
            self.isolation.build_root(
                self.libc, staging=self.isolation.staging_dir(self.readable), readonly=self.readable
            )
        except OSError as exc:
            if self.mode == "user-namespace":
                raise
            # Namespaces but no mounts (some containers): keep the network and PID namespaces.
            return {**info, "mount": False, "reason": f"no private file-system view ({exc})"}
        self.namespaces = True
        return {**info, "mode": "namespaces", "namespaces": True}

    def _check_uid_can_read(self) -> None:
        """In basic mode the child sees the host's files: keep root (without capabilities) when the
        libraries live where another uid cannot read them (Python installed under ``/root``, say)."""
        if self.uid is None:
            return
        for path in self.readable:
            while path not in ("/", ""):
                if os.stat(path).st_mode & 0o005 != 0o005:
                    self.uid = None
                    return
                path = os.path.dirname(path)

    def _become_namespace_init(self) -> None:
        """Fork the process that is pid 1 of the new PID namespace; the original waits and exits."""
        child = os.fork()
        if child:
            for fd in (0, 1):
                os.close(fd)
            _, status = os.waitpid(child, 0)
            os._exit(os.waitstatus_to_exitcode(status) & 0xFF)
        self.libc.prctl(self.isolation.PR_SET_PDEATHSIG, signal.SIGKILL)

    def serve(self) -> None:
        """Requests are two frames: a small JSON header (id, grid count, limits) the server reads,
        and the program with its grids packed as bytes, which only the child reads. Replies are two
        frames too: a JSON header saying how the child ended, and the child's raw result lines,
        which the parent validates (the server never parses what a program wrote)."""
        while True:
            request = read_message(0)
            body = read_frame(0)
            if request is None or body is None:
                return
            write_frames(1, *self.handle(request, body))

    def handle(self, request: dict, body: bytes) -> tuple[bytes, bytes]:
        limits, count = request["limits"], request["count"]
        if not self.namespaces:  # no PID namespace to clean up after: no processes at all
            limits = {**limits, "processes": 0}
        if self.namespaces and limits["file_size_bytes"] != self.tmp_size:
            self.isolation.resize_tmp(self.libc, limits["file_size_bytes"])
            self.tmp_size = limits["file_size_bytes"]
        self.runs += 1
        if self.namespaces:
            workdir = f"/tmp/run-{self.runs}"
            os.mkdir(workdir, 0o700)
        else:
            workdir = tempfile.mkdtemp(prefix="arcforge-sandbox-")
        read_end, write_end = os.pipe()
        started = time.monotonic()
        rlimits = self.isolation.rlimits(_rlimits(limits))
        pid = self.libc.fork()
        if pid == 0:
            self._child(body, rlimits, read_end, write_end, workdir)
        os.close(write_end)
        try:
            data, killed, status, usage = self._watch(pid, read_end, limits, count, started)
        finally:
            os.close(read_end)
            if limits["processes"]:
                self._kill_strays()
            self._reap()
            try:
                os.rmdir(workdir)
            except OSError:  # the program left files: remove them all
                shutil.rmtree(workdir, ignore_errors=True)
        signalled = os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0
        exit_code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1
        ending = (
            f'{{"id":{int(request.get("id", 0))},"killed":{"true" if killed else "false"},'
            f'"signal":{signalled},"exit":{exit_code},"cpu_s":{usage.ru_utime + usage.ru_stime:.3f},'
            f'"max_rss_kib":{usage.ru_maxrss},"wall_s":{time.monotonic() - started:.4f}}}'
        )
        return ending.encode(), data

    def _child(self, body: bytes, rlimits: list, read_end: int, write_end: int, workdir: str) -> None:
        try:
            os.close(read_end)
            self.isolation.confine_child(
                self.libc, keep_fd=write_end, uid=self.uid, workdir=workdir,
                limits=rlimits,
            )  # fmt: skip
            if not self.namespaces:
                self.guard.install(workdir=workdir, readable=self.readable)
        except BaseException as exc:
            error = f"the sandbox could not confine the program: {type(exc).__name__}: {exc}"
            os.write(write_end, (json.dumps({"fatal": error}) + "\n").encode())
            os._exit(70)
        try:
            code, grids = self.runner.decode_request(body)
            self.runner.run(code, grids, write_end)
        finally:
            os._exit(0)

    def _watch(self, pid: int, fd: int, limits: dict, count: int, started: float) -> tuple:
        """Read the child's lines until the pipe closes or the wall deadline passes (then kill it).

        The pipe closes when the child exits (it holds the only write end), so the common case costs
        one ``poll`` per line; a child that closes the pipe itself and lives on is then watched
        through a pidfd until the same deadline.
        """
        cap = 65536 + count * 32768
        deadline = started + limits["wall_s"]
        chunks, size, killed = [], 0, False
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not poller.poll(max(1, int(left * 1000) + 1)):
                if deadline - time.monotonic() > 0:
                    continue
                os.kill(pid, signal.SIGKILL)  # not yet waited for, so the pid is still ours
                killed = True
                break
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            if size < cap:
                chunks.append(chunk)
                size += len(chunk)
        if not killed:
            killed = self._await_exit(pid, deadline)
        _, status, usage = os.wait4(pid, 0)
        return b"".join(chunks)[:cap], killed, status, usage

    def _await_exit(self, pid: int, deadline: float) -> bool:
        """Wait for a child that closed its pipe to exit; kill it at the deadline. True if killed."""
        if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
            return False
        pidfd = os.pidfd_open(pid)
        try:
            left = deadline - time.monotonic()
            if left > 0 and select.select([pidfd], [], [], left)[0]:
                return False
            signal.pidfd_send_signal(pidfd, signal.SIGKILL)
            return True
        finally:
            os.close(pidfd)

    def _kill_strays(self) -> None:
        """Kill and reap anything a program left behind (possible only when it may start processes).

        As PID 1 of the worker's namespace, ``kill(-1)`` reaches every other process in it; orphans
        are re-parented to us, so waiting until no child is left means none is left at all (a zombie
        still counts against its uid's process limit).
        """
        if not (self.namespaces and os.getpid() == 1):
            return
        while True:
            try:
                os.kill(-1, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                os.waitpid(-1, 0)
            except ChildProcessError:
                return

    def _reap(self) -> None:
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return


def _rlimits(limits: dict) -> dict[str, int]:
    cpu = max(1, int(-(-limits["cpu_s"] // 1)))
    return {
        "as": int(limits["memory_bytes"]),
        "fsize": int(limits["file_size_bytes"]),
        "nofile": int(limits["open_files"]),
        "nproc": int(limits["processes"]) + 1 if limits["processes"] else 0,
        "cpu": cpu,
        "core": 0,
    }


def main() -> None:
    for name, value in (("OPENBLAS_NUM_THREADS", "1"), ("OMP_NUM_THREADS", "1"), ("MKL_NUM_THREADS", "1")):
        os.environ[name] = value
    for module in WARM_MODULES:
        try:
            __import__(module)
        except ImportError:  # a program that needs it gets its own ImportError
            pass
    sys.path.insert(0, _HERE)
    import _guard
    import _isolation
    import _runner

    sys.path.remove(_HERE)
    config = read_message(0) or {}
    server = Server(isolation=_isolation, runner=_runner, guard=_guard, config=config)
    server.libc.prctl(_isolation.PR_SET_PDEATHSIG, signal.SIGKILL)
    try:
        info = server.isolate()
    except OSError as exc:
        write_message(1, {"error": f"the sandbox could not isolate its worker: {exc}"})
        return
    server.libc.prctl(_isolation.PR_SET_DUMPABLE, 0)
    server.libc.prctl(_isolation.PR_SET_NO_NEW_PRIVS, 1)  # inherited by every child
    os.environ.clear()
    if os.environ or os.getenv("PATH") is not None:
        write_message(1, {"error": "the sandbox could not empty its environment"})
        return
    import gc

    gc.collect()
    gc.freeze()
    write_message(1, {"ready": True, "isolation": info})
    server.serve()


if __name__ == "__main__":
    main()
