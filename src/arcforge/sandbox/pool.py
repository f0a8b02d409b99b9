"""The sandbox pool: one warm fork server per core, and a queue of programs waiting for them.

:class:`Sandbox` starts ``workers`` fork servers (``_forkserver.py`` run with ``python -I`` and an
empty environment, so nothing of this process, arcforge included, reaches them) and hands each
:meth:`Sandbox.run` to the next idle one; callers beyond that wait in FIFO order on an
:class:`asyncio.Queue` of idle workers, so thousands of programs can be submitted at once. Talking
to a worker is asynchronous pipe I/O, so the event loop never blocks on a program.

A worker that dies, stops answering (its own clock is the fork server's; ours is a backstop at
``wall_s + 10`` seconds) or whose request is cancelled mid-way is killed and replaced; the run it
was serving is retried once on the fresh worker before :class:`SandboxError` is raised.
"""

from __future__ import annotations

import array
import asyncio
import contextlib
import json
import logging
import os
import secrets
import socket
import struct
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from arcforge.errors import SandboxError, UsageError
from arcforge.sandbox.libraries import Library, load_libraries
from arcforge.sandbox.results import MAX_LINE, GridResult, Limits, PairResult, results_from_wire
from arcforge.task.grid import Grid
from arcforge.task.model import Task

__all__ = ["Sandbox"]

_LOG = logging.getLogger(__name__)
_SERVER = Path(__file__).with_name("_forkserver.py")
_HEADER = struct.Struct(">I")
_MAX_REPLY = 1 << 20
_ISOLATION_MODES = ("auto", "namespaces", "user-namespace", "basic")
_CGROUP_SLACK = 384 << 20  # the server's own memory, its tmpfs and page tables, beyond one program's cap
# A worker's server and program child take turns; weighted as one ordinary process (100), a worker
# ran at half its speed on a busy machine (docs/sandbox.md). 400 keeps its speed and still bounds it.
_CPU_WEIGHT = 400


class _Worker:
    """One fork server process, its control socket, and one socket pair per program."""

    def __init__(self, process: asyncio.subprocess.Process, control: socket.socket) -> None:
        self.process = process
        self.control = control
        self.info: dict[str, Any] = {}
        self.broken = False
        self._buffer = bytearray()

    @classmethod
    async def start(cls, config: dict[str, Any]) -> _Worker:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-I", str(_SERVER),
                stdin=theirs.fileno(), stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
                env={}, cwd="/",
            )  # fmt: skip
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        ours.setblocking(False)
        worker = cls(process, ours)
        try:
            async with asyncio.timeout(60):
                await worker.send(json.dumps(config, separators=(",", ":")).encode())
                raw = await worker.receive()
            reply = json.loads(raw)
        except (SandboxError, TimeoutError, ValueError) as exc:
            await worker.kill()
            raise SandboxError(f"the sandbox worker did not start ({exc}); is numpy installed?") from None
        if not isinstance(reply, dict) or "error" in reply or not reply.get("ready"):
            await worker.kill()
            error = reply.get("error") if isinstance(reply, dict) else None
            if isinstance(reply, dict) and reply.get("kind") == "library":
                raise UsageError(f"{error}; fix the library (no program was run)")
            raise SandboxError(str(error or "the sandbox worker did not start"))
        worker.info = dict(reply.get("isolation", {}))
        return worker

    async def send(self, body: bytes, fd: int = -1) -> None:
        """One frame on the control socket, with ``fd`` passed alongside (``SCM_RIGHTS``)."""
        loop = asyncio.get_running_loop()
        frame = _HEADER.pack(len(body)) + body
        try:
            if fd >= 0:
                ancillary = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [fd]))]
                while True:
                    try:
                        sent = self.control.sendmsg([frame], ancillary)
                        break
                    except BlockingIOError:
                        writable = loop.create_future()
                        loop.add_writer(self.control, writable.set_result, None)
                        try:
                            await writable
                        finally:
                            loop.remove_writer(self.control)
                frame = frame[sent:]
            if frame:
                await loop.sock_sendall(self.control, frame)
        except OSError as exc:
            self.broken = True
            raise SandboxError(f"the sandbox worker failed ({type(exc).__name__})") from None

    async def receive(self) -> bytes:
        """The next frame from the control socket."""
        loop = asyncio.get_running_loop()
        try:
            while True:
                if len(self._buffer) >= _HEADER.size:
                    size = _HEADER.unpack_from(self._buffer)[0]
                    if size > _MAX_REPLY:
                        raise SandboxError(f"the sandbox worker sent a reply of {size} bytes")
                    if len(self._buffer) >= _HEADER.size + size:
                        frame = bytes(self._buffer[_HEADER.size : _HEADER.size + size])
                        del self._buffer[: _HEADER.size + size]
                        return frame
                chunk = await loop.sock_recv(self.control, 65536)
                if not chunk:
                    raise SandboxError("the sandbox worker ended")
                self._buffer += chunk
        except OSError as exc:
            self.broken = True
            raise SandboxError(f"the sandbox worker failed ({type(exc).__name__})") from None
        except BaseException:
            self.broken = True
            raise

    async def execute(self, header: bytes, body: bytes, cap: int) -> tuple[bytes, bytes]:
        """Run one program: its own socket pair carries the request in and the result lines out.

        The fork server only passes the child its end; it never reads the program or its results.
        The stream ends with the server's account of how the child ended, written after the child
        and anything it started are dead, so it is the last line. Returns ``(ending, lines)``; an
        ending of ``b""`` means the program wrote more than ``cap`` bytes.
        """
        loop = asyncio.get_running_loop()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            try:
                await self.send(header, theirs.fileno())
            finally:
                theirs.close()
            ours.setblocking(False)
            request = _HEADER.pack(len(body)) + body
            with contextlib.suppress(OSError):  # a child that could not be confined reads nothing
                sent = ours.send(request)  # most requests fit the socket's buffer at once
                if sent < len(request):
                    await loop.sock_sendall(ours, request[sent:])
            data = await _read_to_end(loop, ours, cap)
        except BaseException:
            self.broken = True
            raise
        finally:
            ours.close()
        if data is None:
            return b"", b""
        lines, _, ending = bytes(data).rstrip(b"\n").rpartition(b"\n")
        if not ending.startswith(b'{"ending":1,'):
            if self._alive():  # the program shut the socket down: the server could not write to it
                return b'{"ending":1,"closed":true}', bytes(data)
            self.broken = True
            raise SandboxError("the sandbox worker ended during a program")
        return ending, lines

    def _alive(self) -> bool:
        """Whether the fork server still holds its end of the control socket."""
        try:
            return self.control.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) != b""
        except BlockingIOError:
            return True
        except OSError:
            return False

    async def kill(self) -> None:
        self.broken = True
        self.control.close()
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
        await self.process.wait()
        # Close the process transport now: uvloop (uvicorn's loop) refuses to close with it open.
        transport = getattr(self.process, "_transport", None)
        if transport is not None:
            transport.close()
        paths = list(reversed(self.info.get("cgroup", {}).get("paths", [])))
        for _ in range(50):  # the worker's other processes die with it, a moment later
            for path in list(paths):
                with contextlib.suppress(FileNotFoundError):
                    try:
                        os.rmdir(path)
                    except OSError:
                        continue
                paths.remove(path)
            if not paths:
                return
            await asyncio.sleep(0.01)


async def _read_to_end(loop: asyncio.AbstractEventLoop, sock: socket.socket, cap: int) -> bytearray | None:
    """Everything until end of file (one reader registration, drained per wake-up); None past ``cap``."""
    data = bytearray()
    done: asyncio.Future[bool] = loop.create_future()

    def drain() -> None:
        while not done.done():
            try:
                chunk = sock.recv(1 << 18)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                done.set_result(True)
                return
            if not chunk:
                done.set_result(True)
            elif len(data) + len(chunk) > cap:
                done.set_result(False)
            else:
                data.extend(chunk)

    loop.add_reader(sock.fileno(), drain)  # nothing to read yet: the child has only just started
    try:
        await done
    finally:
        loop.remove_reader(sock.fileno())
    return data if done.result() else None


class Sandbox:
    """A pool of isolated fork servers that run untrusted solver programs.

    ``async with Sandbox() as sandbox: results = await sandbox.run(code, grids)``. ``isolation`` is
    ``"auto"`` (kernel namespaces where allowed, else the basic layer), ``"namespaces"`` (fail if not
    allowed), ``"user-namespace"`` (namespaces inside a user namespace, what a non-root user gets;
    as root it tests that path) or ``"basic"`` (Landlock, seccomp, resource limits and a Python audit
    hook; refused as root; see ``docs/sandbox.md``). ``libraries`` are solver libraries (``.py``
    files or folders) imported once in every worker; :attr:`libraries` names and hashes them.
    """

    def __init__(
        self,
        workers: int | None = None,
        limits: Limits | None = None,
        *,
        isolation: str = "auto",
        libraries: Sequence[str | os.PathLike[str]] | None = None,
    ) -> None:
        if workers is not None and not (isinstance(workers, int) and 1 <= workers <= 256):
            raise UsageError(f"sandbox workers must be 1-256, not {workers!r}")
        if isolation not in _ISOLATION_MODES:
            raise UsageError(
                f"sandbox isolation must be one of {', '.join(_ISOLATION_MODES)}, not {isolation!r}"
            )
        self.workers = workers or len(os.sched_getaffinity(0)) or 1
        self.limits = limits or Limits()
        self.mode = isolation
        self._uid_base = 1_000_000 + secrets.randbelow(1 << 30)
        self._libraries: list[Library] = load_libraries(list(libraries or []))
        self._idle: asyncio.Queue[int] | None = None
        self._pool: list[_Worker | None] = []
        self._info: dict[str, Any] = {}

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def isolation(self) -> dict[str, Any]:
        """What the workers enforce: ``mode`` ("namespaces" or "basic"), ``uid``-style details."""
        return dict(self._info)

    @property
    def libraries(self) -> list[dict[str, Any]]:
        """Each solver library's name, path, sha256 and modules (for a run's manifest)."""
        return [library.manifest() for library in self._libraries]

    async def start(self) -> None:
        if self._idle is not None:
            return
        self._pool = list(await asyncio.gather(*(self._spawn(i) for i in range(self.workers))))
        self._idle = asyncio.Queue()
        for index in range(self.workers):
            self._idle.put_nowait(index)

    async def _spawn(self, index: int) -> _Worker:
        mode = "auto" if self.mode == "namespaces" else self.mode
        limits = self.limits
        config = {
            "uid": self._uid_base + index,
            "mode": mode,
            "tmp_bytes": limits.file_size_bytes,
            "cgroup": {
                "memory_bytes": limits.memory_bytes + limits.file_size_bytes + _CGROUP_SLACK,
                "pids": 80,
                "cpu_weight": _CPU_WEIGHT,
            },
            "libraries": [library.to_wire() for library in self._libraries],
        }
        worker = await _Worker.start(config)
        if self.mode in ("namespaces", "user-namespace") and not worker.info.get("namespaces"):
            await worker.kill()
            raise SandboxError(
                f"kernel namespaces are not allowed here ({worker.info.get('reason')}); use isolation='auto'"
            )
        if not self._info:
            info = worker.info
            if info.get("mode") == "basic" and self.mode == "auto":
                _LOG.warning("sandbox: no kernel namespaces (%s); using the basic layer", info.get("reason"))
            if info.get("uid_warning"):
                _LOG.warning("sandbox: programs share the worker's uid: %s", info["uid_warning"])
            if not info.get("seccomp", {}).get("loaded"):
                _LOG.warning("sandbox: no system-call filter (%s)", info.get("seccomp", {}).get("reason"))
        self._info = self._info or worker.info
        return worker

    async def close(self) -> None:
        pool, self._pool, self._idle = self._pool, [], None
        await asyncio.gather(*(worker.kill() for worker in pool if worker is not None))

    async def run(
        self, code: str, grids: Sequence[Grid | Sequence[Sequence[int]]], limits: Limits | None = None
    ) -> list[GridResult]:
        """Run ``code``'s solver on every grid in one execution; one :class:`GridResult` per grid."""
        if self._idle is None:
            raise SandboxError("the sandbox is not started: use `async with Sandbox() as sandbox`")
        if not isinstance(code, str):
            raise UsageError(f"sandbox code must be a string, not {type(code).__name__}")
        values = [grid if isinstance(grid, Grid) else Grid(grid) for grid in grids]
        if not values:
            return []
        limits = limits or self.limits
        header = json.dumps({"limits": limits.to_wire()}, separators=(",", ":")).encode()
        body = _pack(code, values)
        cap = (1 << 20) + len(values) * MAX_LINE
        for attempt in (1, 2):
            try:
                ending, data = await self._request(header, body, cap, timeout=limits.wall_s + 10)
            except SandboxError:
                if attempt == 2:
                    raise
                continue
            if not ending:
                too_much = f"not a grid: the program wrote more than {cap} bytes to its result channel"
                return [GridResult("invalid_output", error=too_much) for _ in values]
            try:
                account = json.loads(ending)
            except ValueError:
                account = None
            if not isinstance(account, dict) or "error" in account:
                error = account.get("error") if isinstance(account, dict) else ending[:200]
                raise SandboxError(f"the sandbox worker failed: {error!r}")
            return results_from_wire(data, len(values), account, limits)
        raise AssertionError("unreachable")

    async def _request(self, header: bytes, body: bytes, cap: int, *, timeout: float) -> tuple[bytes, bytes]:
        assert self._idle is not None
        idle = self._idle
        index = await idle.get()
        try:
            worker = self._pool[index]
            if worker is None or worker.broken or worker.process.returncode is not None:
                if worker is not None:
                    await worker.kill()
                self._pool[index] = None
                worker = self._pool[index] = await self._spawn(index)
            try:
                async with asyncio.timeout(timeout):  # cheaper than wait_for: no extra task
                    return await worker.execute(header, body, cap)
            except TimeoutError:
                await worker.kill()
                raise SandboxError(f"the sandbox worker did not answer within {timeout:g} s") from None
        finally:
            idle.put_nowait(index)

    async def run_task(self, code: str, task: Task, limits: Limits | None = None) -> list[PairResult]:
        """Run ``code`` on every train and test input of ``task`` (one execution) and judge each pair."""
        pairs = [("train", i, pair) for i, pair in enumerate(task.train)]
        pairs += [("test", i, pair) for i, pair in enumerate(task.test)]
        results = await self.run(code, [pair.input for _, _, pair in pairs], limits)
        return [
            _judge(split, index, pair.output, result)
            for (split, index, pair), result in zip(pairs, results, strict=True)
        ]


def _pack(code: str, grids: list[Grid]) -> bytes:
    """The request body: the program's length and UTF-8 text, then per grid height, width and cells."""
    text = code.encode("utf-8", "surrogatepass")
    parts = [_HEADER.pack(len(text)), text]
    for grid in grids:
        parts.append(bytes((grid.height, grid.width)))
        parts.append(grid.cells)
    return b"".join(parts)


def _judge(split: str, index: int, expected: Grid | None, result: GridResult) -> PairResult:
    if not result.ok:
        error = f"{result.status.replace('_', ' ')}: {result.error}" if result.error else result.status
        return PairResult(split, index, "error", error=error, expected=expected, kind=result.status)
    if expected is None:
        status = "unknown"
    else:
        status = "passed" if result.output == expected else "failed"
    return PairResult(split, index, status, output=result.output, expected=expected)
