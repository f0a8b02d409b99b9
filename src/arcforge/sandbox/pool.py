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

import asyncio
import contextlib
import json
import logging
import os
import secrets
import struct
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from arcforge.errors import SandboxError, UsageError
from arcforge.sandbox.results import GridResult, Limits, PairResult, results_from_wire
from arcforge.task.grid import Grid
from arcforge.task.model import Task

__all__ = ["Sandbox"]

_LOG = logging.getLogger(__name__)
_SERVER = Path(__file__).with_name("_forkserver.py")
_HEADER = struct.Struct(">I")
_MAX_REPLY = 64 << 20
_ISOLATION_MODES = ("auto", "namespaces", "user-namespace", "basic")


class _Worker:
    """One fork server process and the framing to talk to it."""

    def __init__(self, process: asyncio.subprocess.Process, info: dict[str, Any]) -> None:
        self.process = process
        self.info = info
        self.broken = False

    @classmethod
    async def start(cls, *, uid: int, mode: str) -> _Worker:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-I", str(_SERVER),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
            env={}, cwd="/", limit=_MAX_REPLY,
        )  # fmt: skip
        worker = cls(process, {})
        try:
            reply = await asyncio.wait_for(worker.message({"uid": uid, "mode": mode}), timeout=60)
        except (SandboxError, TimeoutError) as exc:
            await worker.kill()
            raise SandboxError(f"the sandbox worker did not start ({exc}); is numpy installed?") from None
        if "error" in reply or not reply.get("ready"):
            await worker.kill()
            raise SandboxError(str(reply.get("error", "the sandbox worker did not start")))
        worker.info = dict(reply.get("isolation", {}))
        return worker

    async def exchange(self, message: dict[str, Any], *bodies: bytes, frames: int = 1) -> list[bytes]:
        """Send a JSON message (plus raw frames), read ``frames`` frames back; failure breaks the worker."""
        assert self.process.stdin is not None and self.process.stdout is not None
        out = [json.dumps(message, separators=(",", ":")).encode(), *bodies]
        try:
            self.process.stdin.write(b"".join(_HEADER.pack(len(body)) + body for body in out))
            await self.process.stdin.drain()
            replies = []
            for _ in range(frames):
                size = _HEADER.unpack(await self.process.stdout.readexactly(_HEADER.size))[0]
                if size > _MAX_REPLY:
                    raise SandboxError(f"the sandbox worker sent a reply of {size} bytes")
                replies.append(await self.process.stdout.readexactly(size))
        except (OSError, asyncio.IncompleteReadError) as exc:
            self.broken = True
            raise SandboxError(f"the sandbox worker failed ({type(exc).__name__})") from None
        except BaseException:
            self.broken = True
            raise
        return replies

    async def message(self, message: dict[str, Any]) -> dict[str, Any]:
        """Send one JSON message and read one JSON reply (the start-up handshake)."""
        [raw] = await self.exchange(message)
        try:
            reply = json.loads(raw)
        except ValueError:
            reply = None
        if not isinstance(reply, dict):
            self.broken = True
            raise SandboxError("the sandbox worker sent a malformed reply")
        return reply

    async def kill(self) -> None:
        self.broken = True
        if self.process.stdin is not None:
            self.process.stdin.close()
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
        await self.process.wait()
        # Close the pipes' transport now: uvloop (uvicorn's loop) refuses to close with it open.
        transport = getattr(self.process, "_transport", None)
        if transport is not None:
            transport.close()


class Sandbox:
    """A pool of isolated fork servers that run untrusted solver programs.

    ``async with Sandbox() as sandbox: results = await sandbox.run(code, grids)``. ``isolation`` is
    ``"auto"`` (kernel namespaces where allowed, else the basic layer), ``"namespaces"`` (fail if not
    allowed), ``"user-namespace"`` (namespaces inside a user namespace, what a non-root user gets;
    as root it tests that path) or ``"basic"`` (resource limits and a Python audit hook only; see
    ``docs/sandbox.md``).
    """

    def __init__(
        self, workers: int | None = None, limits: Limits | None = None, *, isolation: str = "auto"
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

    async def start(self) -> None:
        if self._idle is not None:
            return
        self._pool = list(await asyncio.gather(*(self._spawn(i) for i in range(self.workers))))
        self._idle = asyncio.Queue()
        for index in range(self.workers):
            self._idle.put_nowait(index)

    async def _spawn(self, index: int) -> _Worker:
        mode = "auto" if self.mode == "namespaces" else self.mode
        worker = await _Worker.start(uid=self._uid_base + index, mode=mode)
        if self.mode in ("namespaces", "user-namespace") and not worker.info.get("namespaces"):
            await worker.kill()
            raise SandboxError(
                f"kernel namespaces are not allowed here ({worker.info.get('reason')}); use isolation='auto'"
            )
        if worker.info.get("mode") == "basic" and self.mode == "auto" and not self._info:
            _LOG.warning(
                "sandbox: no kernel namespaces (%s); using the basic layer", worker.info.get("reason")
            )
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
        header = {"id": 0, "count": len(values), "limits": limits.to_wire()}
        body = _pack(code, values)
        for attempt in (1, 2):
            try:
                ending, data = await self._request(header, body, timeout=limits.wall_s + 10)
            except SandboxError:
                if attempt == 2:
                    raise
                continue
            try:
                account = json.loads(ending)
            except ValueError:
                account = None
            if not isinstance(account, dict):
                raise SandboxError("the sandbox worker sent a malformed reply")
            return results_from_wire(data, len(values), account, limits)
        raise AssertionError("unreachable")

    async def _request(self, header: dict[str, Any], body: bytes, *, timeout: float) -> list[bytes]:
        assert self._idle is not None
        idle = self._idle
        index = await idle.get()
        try:
            worker = self._pool[index]
            if worker is None or worker.broken:
                if worker is not None:
                    await worker.kill()
                self._pool[index] = None
                worker = self._pool[index] = await self._spawn(index)
            try:
                async with asyncio.timeout(timeout):  # cheaper than wait_for: no extra task
                    return await worker.exchange(header, body, frames=2)
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
