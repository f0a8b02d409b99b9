"""The warm fork server: one per sandbox worker, run as ``python -I _forkserver.py`` (no arcforge).

Started with an empty environment, it imports the modules solver programs use most (numpy among
them), isolates itself once (``_setup``), imports the solver libraries, freezes its heap and then
serves requests from its control socket (file descriptor 0, a Unix stream socket to the parent).

**The server never holds a program's data.** A request is a small JSON header (limits only) with one
file descriptor attached (``SCM_RIGHTS``): one end of a socket pair whose other end the parent keeps.
The server forks a child and hands it that descriptor; the child reads its program and grids from
it and writes its result lines back on it, straight to the parent. So the server's heap, which every
child inherits, holds no program's source, grids, outputs or results, ever: there is nothing of
another program for a child to find in the memory it starts with. The server watches the child
through a pidfd, kills it at its wall deadline, reaps it (and any process it left), removes its
working directory, and only then writes its JSON account of how the child ended as the last line on
the same socket (never reading it) and closes it: the parent reads one stream until end of file.

Framing on the control socket: a 4-byte big-endian length, then that many bytes. The first message
in is the configuration (JSON); the first message out says which isolation took effect (JSON).
"""

from __future__ import annotations

import array
import json
import os
import select
import signal
import socket
import struct
import sys
import tempfile
import time
from typing import Any

_HERE = os.path.dirname(os.path.abspath(__file__))
_HEADER = struct.Struct(">I")
# What solver programs import most. Each extension module adds mappings that every fork copies, so
# rarer ones (decimal, fractions, statistics) are left for the programs that want them to import.
WARM_MODULES = (
    "numpy", "collections", "itertools", "functools", "copy", "math", "re", "random", "heapq", "typing",
    "dataclasses", "operator", "string", "bisect", "enum", "abc", "array", "json", "traceback", "linecache",
)  # fmt: skip


class Channel:
    """Length-prefixed frames on the control socket, with descriptors passed alongside."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def _exactly(self, size: int) -> bytes | None:
        chunks, left = [], size
        while left:
            chunk = self.sock.recv(min(left, 1 << 20))
            if not chunk:
                return None
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def receive(self) -> tuple[bytes, int] | None:
        """The next frame and the descriptor sent with it (-1 if none); None at end of input."""
        fds = array.array("i")
        header, ancillary, _, _ = self.sock.recvmsg(_HEADER.size, socket.CMSG_SPACE(fds.itemsize))
        for level, kind, data in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(data[: len(data) - len(data) % fds.itemsize])
        if len(header) < _HEADER.size:
            rest = self._exactly(_HEADER.size - len(header)) if header else None
            if rest is None:
                for fd in fds:
                    os.close(fd)
                return None
            header += rest
        body = self._exactly(_HEADER.unpack(header)[0])
        for extra in fds[1:]:
            os.close(extra)
        if body is None:
            if fds:
                os.close(fds[0])
            return None
        return body, (fds[0] if fds else -1)

    def send(self, message: dict[str, Any]) -> None:
        self.send_raw(json.dumps(message, separators=(",", ":")).encode())

    def send_raw(self, body: bytes) -> None:
        self.sock.sendall(_HEADER.pack(len(body)) + body)


class Server:
    """Forks, confines, times and reaps one program child per request."""

    def __init__(self, *, setup: Any, runner: Any, config: dict[str, Any]) -> None:
        self.setup, self.runner = setup, runner
        self.confinement = setup.Confinement(config)
        self.runs_dir = "/tmp"
        self._parsed: dict[bytes, tuple[dict[str, Any], list[tuple[int, int]]]] = {}
        self._poller = select.poll()

    def serve(self, channel: Channel) -> None:
        while True:
            received = channel.receive()
            if received is None:
                return
            raw, fd = received
            if fd < 0:
                return  # a request always comes with its channel: the parent is not ours
            ending = self.handle(self._limits(raw), fd)
            try:  # after the child's lines, which can no longer grow: the child and its strays are dead
                _write_all(fd, b"\n" + ending + b"\n")
            except OSError:  # the parent stopped reading (a program that wrote too much)
                pass
            os.close(fd)

    def _workdir(self) -> str:
        """A fresh directory with an unpredictable name, created here and only here (``O_EXCL``)."""
        if not self.confinement.namespaces:
            return tempfile.mkdtemp(prefix="run-", dir=self.confinement.runs_base)
        while True:
            path = f"/tmp/run-{os.urandom(8).hex()}"
            try:
                os.mkdir(path, 0o700)
                return path
            except FileExistsError:
                continue

    def _limits(self, raw: bytes) -> tuple[dict[str, Any], list[tuple[int, int]]]:
        """A request header's limits and resource limits, parsed once per distinct header.

        A header holds only limits (never a program's data), and a run uses the same few headers
        over and over: the cache spares the server's loop a JSON parse and the objects it touches,
        each a page that fork made copy-on-write. It keeps at most 64 headers.
        """
        parsed = self._parsed.get(raw)
        if parsed is None:
            limits = json.loads(raw)["limits"]
            if not self.confinement.namespaces:  # no PID namespace to clean up after: no processes
                limits = {**limits, "processes": 0}
            parsed = (limits, self.setup.rlimits(_rlimits(limits)))
            if len(self._parsed) >= 64:
                self._parsed.clear()
            self._parsed[raw] = parsed
        return parsed

    def handle(self, parsed: tuple[dict[str, Any], list[tuple[int, int]]], fd: int) -> bytes:
        limits, rlimits = parsed
        try:
            workdir = self._workdir()
        except OSError as exc:
            return json.dumps({"ending": 1, "error": f"no working directory: {exc}"}).encode()
        started = time.monotonic()
        pid = self.confinement.fork()
        if pid == 0:
            self._child(fd, rlimits, workdir)
        try:
            killed = self._watch(pid, started + limits["wall_s"])
            _, status, usage = os.wait4(pid, 0)
        finally:
            if limits["processes"]:  # else RLIMIT_NPROC = 0: the child was the only process
                self._kill_strays()
                self._reap()
            self.setup.remove_workdir(workdir)
        signalled = os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0
        exit_code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1
        return (
            f'{{"ending":1,"killed":{"true" if killed else "false"},'
            f'"signal":{signalled},"exit":{exit_code},"cpu_s":{usage.ru_utime + usage.ru_stime:.3f},'
            f'"max_rss_kib":{usage.ru_maxrss},"wall_s":{time.monotonic() - started:.4f}}}'
        ).encode()

    def _child(self, fd: int, rlimits: list[tuple[int, int]], workdir: str) -> None:
        try:
            self.confinement.confine_child(keep_fd=fd, workdir=workdir, limits=rlimits)
        except BaseException as exc:
            error = f"the sandbox could not confine the program: {type(exc).__name__}: {exc}"
            os.write(fd, (json.dumps({"fatal": error}) + "\n").encode())
            os._exit(70)
        try:
            code, grids = self.runner.decode_request(_read_request(fd))
            self.runner.run(code, grids, fd)
        finally:
            os._exit(0)

    def _watch(self, pid: int, deadline: float) -> bool:
        """Wait for the child to exit, killing it at the deadline; True if it had to be killed."""
        pidfd = os.pidfd_open(pid)
        poller = self._poller
        try:
            poller.register(pidfd, select.POLLIN)
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    signal.pidfd_send_signal(pidfd, signal.SIGKILL)
                    return True
                if poller.poll(int(left * 1000) + 1):
                    return False
        finally:
            poller.unregister(pidfd)
            os.close(pidfd)

    def _kill_strays(self) -> None:
        """Kill and reap anything a program left behind (possible only when it may start processes).

        As PID 1 of the worker's namespace, ``kill(-1)`` reaches every other process in it; orphans
        are re-parented to us, so waiting until no child is left means none is left at all (a zombie
        still counts against its uid's process limit).
        """
        if not (self.confinement.namespaces and os.getpid() == 1):
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


def _write_all(fd: int, data: bytes) -> None:
    while data:
        data = data[os.write(fd, data) :]


def _read_request(fd: int) -> bytes:
    """The child's request: a 4-byte length, then the packed program and grids."""
    data = b""
    while len(data) < _HEADER.size:
        chunk = os.read(fd, _HEADER.size - len(data))
        if not chunk:
            os._exit(0)
        data += chunk
    size = _HEADER.unpack(data)[0]
    chunks, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            os._exit(0)
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _rlimits(limits: dict[str, Any]) -> dict[str, int]:
    cpu = max(1, int(-(-limits["cpu_s"] // 1)))
    return {
        "as": int(limits["memory_bytes"]),
        "fsize": int(limits["file_size_bytes"]),
        "nofile": int(limits["open_files"]),
        "nproc": int(limits["processes"]) + 1 if limits["processes"] else 0,
        "cpu": cpu,
        "core": 0,
    }


REHEARSALS = (  # a program that solves, one that raises, one that does not compile
    "def solve(grid):\n    return [[(cell + 1) % 10 for cell in row[::-1]] for row in grid]\n",
    "def solve(grid):\n    print(len(grid))\n    raise ValueError('rehearsal')\n",
    "def solve(grid)\n    return grid\n",
)


def _rehearse(runner: Any, times: int = 200) -> None:
    """Run the runner's own code on a program of ours, so its bytecode is warm in every child.

    CPython 3.11 writes to a code object while it warms up and specialises (a counter per function
    and per instruction), so each child would copy those pages on its first calls. Done here, once,
    the children inherit code that has settled. The program and grids are the server's own constants:
    no program's data, and the server's output streams are restored afterwards.
    """
    grids = bytes((3, 3)) + bytes(range(9)) + bytes((2, 1)) + bytes((4, 5))
    bodies = [_HEADER.pack(len(code)) + code + grids for code in (text.encode() for text in REHEARSALS)]
    null = os.open("/dev/null", os.O_WRONLY)
    streams = sys.stdin, sys.stdout, sys.stderr
    try:
        for index in range(times):
            source, cells = runner.decode_request(bodies[index % len(bodies)])
            runner.run(source, cells, null)
    finally:
        sys.stdin, sys.stdout, sys.stderr = streams
        os.close(null)
        runner.linecache.cache.pop(runner.FILENAME, None)


def main() -> None:
    for name, value in (("OPENBLAS_NUM_THREADS", "1"), ("OMP_NUM_THREADS", "1"), ("MKL_NUM_THREADS", "1")):
        os.environ[name] = value
    for module in WARM_MODULES:
        try:
            __import__(module)
        except ImportError:  # a program that needs it gets its own ImportError
            pass
    sys.path.insert(0, _HERE)
    import _runner
    import _setup

    sys.path.remove(_HERE)
    channel = Channel(socket.socket(fileno=0))
    received = channel.receive()
    config = json.loads(received[0]) if received else {}
    try:
        server = Server(setup=_setup, runner=_runner, config=config)
        info = server.confinement.isolate()
        server.confinement.finish()
        _setup.load_libraries(config.get("libraries") or [])
    except _setup.LibraryError as exc:
        channel.send({"error": str(exc), "kind": "library"})
        return
    except _setup.SetupError as exc:
        channel.send({"error": str(exc)})
        return
    except OSError as exc:
        channel.send({"error": f"the sandbox could not isolate its worker: {exc}"})
        return
    _rehearse(_runner)
    import gc

    gc.collect()
    gc.freeze()
    channel.send({"ready": True, "isolation": info})
    server.serve(channel)
    os._exit(0)  # at end of input: nothing to finalise, and the exit is quick


if __name__ == "__main__":
    main()
