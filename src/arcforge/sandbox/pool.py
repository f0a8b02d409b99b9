"""The sandbox pool: warm fork servers (one per core, plus one), and a queue of programs waiting for them.

:class:`Sandbox` starts ``workers`` fork servers (``_forkserver.py`` run with ``python -I`` and an
empty environment, so nothing of this process, arcforge included, reaches them) and hands each
:meth:`Sandbox.run` to the next idle one; callers beyond that wait in FIFO order on an
:class:`asyncio.Queue` of idle workers, so thousands of programs can be submitted at once. Talking
to a worker is asynchronous socket I/O (``worker.py``), so the event loop never blocks on a program.

A worker that dies, stops answering (its own clock is the fork server's; ours is a backstop at
``wall_s + 10`` seconds) or whose request is cancelled mid-way is killed and replaced; the run it
was serving is retried once on the fresh worker before :class:`SandboxError` is raised.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import struct
from collections.abc import Sequence
from typing import Any

from arcforge.errors import SandboxError, UsageError
from arcforge.sandbox.libraries import Library, load_libraries
from arcforge.sandbox.results import MAX_LINE, GridResult, Limits, PairResult, results_from_wire
from arcforge.sandbox.worker import Worker
from arcforge.task.grid import Grid
from arcforge.task.model import Task

__all__ = ["Sandbox"]

_LOG = logging.getLogger(__name__)
_HEADER = struct.Struct(">I")
_ISOLATION_MODES = ("auto", "namespaces", "user-namespace", "basic")
_CGROUP_SLACK = 384 << 20  # the server's own memory, its tmpfs and page tables, beyond one program's cap
# A worker's server and program child take turns; weighted as one ordinary process (100), a worker
# ran at half its speed on a busy machine (docs/sandbox.md). 400 keeps its speed and still bounds it.
_CPU_WEIGHT = 400


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
        self.workers = workers or default_workers()
        self.limits = limits or Limits()
        self.mode = isolation
        self._uid_base = 1_000_000 + secrets.randbelow(1 << 30)
        self._libraries: list[Library] = load_libraries(list(libraries or []))
        self._idle: asyncio.Queue[int] | None = None
        self._pool: list[Worker | None] = []
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
        spawned = await asyncio.gather(*(self._spawn(i) for i in range(self.workers)), return_exceptions=True)
        failed = [result for result in spawned if isinstance(result, BaseException)]
        if failed:
            # one worker could not start (a library that raises, no namespaces): stop the ones that did,
            # so a failed start leaves no server running behind the error
            for result in spawned:
                if not isinstance(result, BaseException):
                    await result.kill()
            raise failed[0]
        self._pool = [result for result in spawned if not isinstance(result, BaseException)]
        self._idle = asyncio.Queue()
        for index in range(self.workers):
            self._idle.put_nowait(index)

    async def _spawn(self, index: int) -> Worker:
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
        worker = await Worker.start(config)
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
        await asyncio.gather(*(worker.kill(graceful=True) for worker in pool if worker is not None))

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


def default_workers() -> int:
    """One fork server per core this process may use, plus one.

    A worker runs one program at a time, and between two programs its core waits while the result
    travels back and the next request arrives. The extra worker fills those gaps: on the 2-core
    development machine, alternating runs of `benchmarks/sandbox_throughput.py --rounds 3` measured
    698 and 707 programs/s with 2 workers, 755 and 750/s with 3 (CPU per program unchanged, 2.5 ms).
    """
    return (len(os.sched_getaffinity(0)) or 1) + 1


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
