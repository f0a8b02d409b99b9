"""Verification on a Ray cluster: one sandbox pool per node, batches of programs, results streamed back.

:class:`RaySandbox` has the one method verification needs from a
:class:`~arcforge.sandbox.Sandbox`, ``run_task(code, task)``, so ``verify_run(run, sandbox=...)`` runs
unchanged on a cluster and writes the same ``verification.jsonl`` into the same run folder (and so is
resumable the same way). Behind it:

- one :class:`NodeSandbox` actor per alive Ray node, pinned to it, owning a local
  :class:`~arcforge.sandbox.Sandbox` (one fork server per core of that node, or ``workers_per_node``);
- requests are gathered into batches of up to ``batch_size`` programs (a task's grids sent once per
  batch) and each batch goes to the node with the fewest batches in flight, at most ``per_node``
  at a time;
- a batch whose node dies (actor or raylet lost) is put back at the front of the queue and redone on
  the nodes that remain; a node that joins later gets an actor when one dies;
- each program runs under the same :class:`~arcforge.sandbox.Limits` as a local run, so the results
  are exactly the local ones (only a ``timeout`` near the limit can differ, as between two local runs).

What crosses the network: program text, task grids and limits out; per-pair results back. No
settings, no environment variables, no API keys: actors are started without a ``runtime_env``, and the
sandbox's fork servers start with an empty environment on every node. arcforge (same version) must be
installed on every node.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from arcforge.errors import SandboxError, UsageError
from arcforge.sandbox.results import Limits, PairResult
from arcforge.task.grid import Grid
from arcforge.task.model import Task

if TYPE_CHECKING:
    from arcforge.pipelines.verify import VerifySummary
    from arcforge.sandbox import Sandbox

__all__ = ["NodeSandbox", "RaySandbox", "RayStats", "verify_on_ray"]

# (code, task key, limits or None) for each program; the batch carries each task's data once
_Item = tuple[str, str, Limits | None]
_WirePair = tuple[str, int, str, list[list[int]] | None, str | None, list[list[int]] | None, str]
_MAX_REDO = 5  # a batch lost with this many nodes in a row fails (something kills nodes, not bad luck)


def _pair_to_wire(result: PairResult) -> _WirePair:
    return (
        result.split,
        result.index,
        result.status,
        result.output.to_list() if result.output is not None else None,
        result.error,
        result.expected.to_list() if result.expected is not None else None,
        result.kind,
    )


def _pair_from_wire(wire: Sequence[Any]) -> PairResult:
    split, index, status, output, error, expected, kind = wire
    return PairResult(
        split=split,
        index=index,
        status=status,
        output=Grid(output) if output is not None else None,
        error=error,
        expected=Grid(expected) if expected is not None else None,
        kind=kind,
    )


def _check_reachable(address: str) -> None:
    """A one-line usage error, at once, for a ``HOST:PORT`` where nothing listens (Ray would retry)."""
    if address == "auto" or "://" in address:
        return
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise UsageError(
            f"--ray {address!r}: give HOST:PORT of the Ray head node (e.g. 10.0.0.5:6379) or auto"
        )
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except OSError as exc:
        raise UsageError(
            f"--ray {address}: nothing answers there ({exc.strerror or exc}); start the head with "
            "`ray start --head` and pass the address it prints"
        ) from None


async def verify_on_ray(
    run_dir: Path | str,
    address: str,
    *,
    workers_per_node: int | None = None,
    limits: Limits | None = None,
    progress: bool | None = None,
    fresh: bool = False,
) -> VerifySummary:
    """``arcforge verify RUN_DIR --ray ADDRESS``: :func:`~arcforge.pipelines.verify.verify_run` with a
    :class:`RaySandbox`, so results land in the run folder as they come and a stopped run continues."""
    from arcforge.pipelines.verify import verify_run

    async with RaySandbox(address, limits=limits, workers_per_node=workers_per_node) as sandbox:
        # verify_run needs only run_task (its docstring says so; its annotation names the local pool)
        local_shaped = cast("Sandbox", sandbox)
        return await verify_run(run_dir, sandbox=local_shaped, progress=progress, fresh=fresh)


def _task_key(task: Task) -> str:
    return f"{task.id}:{task.version}:{task.content_hash()}"


class NodeSandbox:
    """The Ray actor on one node: a local sandbox pool that runs batches of programs."""

    def __init__(self, limits: Limits, workers: int | None) -> None:
        from arcforge.sandbox import Sandbox

        self._sandbox = Sandbox(workers=workers, limits=limits)
        self._started = False
        self._lock = asyncio.Lock()

    async def _ready(self) -> None:
        async with self._lock:
            if not self._started:
                await self._sandbox.start()
                self._started = True

    async def run_batch(
        self, tasks: dict[str, tuple[str, int, dict[str, Any]]], items: list[_Item]
    ) -> list[list[_WirePair] | str]:
        """Each item's pair results (or the sandbox's error message for that item)."""
        await self._ready()
        built = {
            key: Task.from_dict(data, task_id=task_id, version=version)
            for key, (task_id, version, data) in tasks.items()
        }

        async def one(code: str, key: str, limits: Limits | None) -> list[_WirePair] | str:
            try:
                results = await self._sandbox.run_task(code, built[key], limits)
            except SandboxError as exc:
                return str(exc)
            return [_pair_to_wire(result) for result in results]

        return list(await asyncio.gather(*(one(*item) for item in items)))

    async def describe(self) -> dict[str, Any]:
        """Where this actor runs, its pool, and the names of any ``*_API_KEY`` variables it can see."""
        await self._ready()
        return {
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "workers": self._sandbox.workers,
            "isolation": self._sandbox.isolation.get("mode"),
            "api_key_variables": sorted(name for name in os.environ if name.endswith("_API_KEY")),
        }

    async def close(self) -> None:
        await self._sandbox.close()


@dataclass
class RayStats:
    """What the cluster did: batches run and redone, and programs run per node."""

    batches: int = 0
    redone: int = 0
    nodes_lost: int = 0
    programs_by_node: dict[str, int] = field(default_factory=dict)


@dataclass(eq=False)
class _Node:
    node_id: str
    actor: Any
    in_flight: int = 0
    alive: bool = True


@dataclass(eq=False)
class _Batch:
    items: list[tuple[str, Task, Limits | None, asyncio.Future[list[PairResult]]]]
    lost: int = 0


class RaySandbox:
    """Runs programs on a Ray cluster with the interface of a local sandbox (see the module docstring).

    ``address``: a Ray address (``HOST:PORT``, ``ray://...``) or ``auto`` (the cluster this machine
    belongs to). Use ``async with RaySandbox(address, limits=...) as sandbox``.
    """

    def __init__(
        self,
        address: str,
        *,
        limits: Limits | None = None,
        workers_per_node: int | None = None,
        batch_size: int = 16,
        per_node: int = 2,
    ) -> None:
        if not address:
            raise UsageError("--ray needs an address: HOST:PORT of the head node, or auto")
        self.address = address
        self.limits = limits or Limits()
        self.workers_per_node = workers_per_node
        self.batch_size = batch_size
        self.per_node = per_node
        self.stats = RayStats()
        self._nodes: list[_Node] = []
        self._queue: deque[_Batch | tuple[str, Task, Limits | None, asyncio.Future[list[PairResult]]]] = (
            deque()
        )
        self._wake = asyncio.Event()
        self._dispatcher: asyncio.Task[None] | None = None
        self._pending: set[asyncio.Task[None]] = set()
        self._connected_here = False
        self._actor_class: Any = None

    # -- lifecycle ---------------------------------------------------------------------------------
    async def __aenter__(self) -> RaySandbox:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def start(self) -> None:
        try:
            import ray
        except ImportError:
            raise UsageError("--ray needs the ray package: pip install 'arcforge[ray]'") from None
        if not ray.is_initialized():
            _check_reachable(self.address)
            try:
                await asyncio.to_thread(
                    ray.init,
                    address=self.address,
                    log_to_driver=False,
                    logging_level=logging.ERROR,
                    include_dashboard=False,
                )
            except (ConnectionError, RuntimeError, ValueError) as exc:
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise UsageError(
                    f"cannot connect to the Ray cluster at {self.address!r} ({first}); "
                    "start one with `ray start --head` or pass its HOST:PORT"
                ) from None
            self._connected_here = True
        self._actor_class = ray.remote(num_cpus=0, max_restarts=0)(NodeSandbox)
        self._add_nodes()
        if not self._nodes:
            raise SandboxError(f"the Ray cluster at {self.address} has no alive node")
        await asyncio.gather(*(self._ping(node) for node in self._nodes))
        self._dispatcher = asyncio.create_task(self._dispatch())

    async def _ping(self, node: _Node) -> None:
        await node.actor.describe.remote()

    def _add_nodes(self) -> None:
        import ray
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        seen = {node.node_id for node in self._nodes}  # a node whose actor was lost is not retried
        for info in ray.nodes():  # type: ignore[no-untyped-call]
            node_id = info.get("NodeID")
            if not info.get("Alive") or node_id in seen:
                continue
            actor = self._actor_class.options(
                scheduling_strategy=NodeAffinitySchedulingStrategy(node_id=node_id, soft=False)
            ).remote(self.limits, self.workers_per_node)
            self._nodes.append(_Node(node_id, actor))

    async def describe(self) -> list[dict[str, Any]]:
        """Each node actor's :meth:`NodeSandbox.describe`, with its Ray node id."""
        alive = [node for node in self._nodes if node.alive]
        found = await asyncio.gather(*(node.actor.describe.remote() for node in alive))
        return [{"node_id": node.node_id, **info} for node, info in zip(alive, found, strict=True)]

    async def close(self) -> None:
        if self._dispatcher is not None:
            self._dispatcher.cancel()
            await asyncio.gather(self._dispatcher, return_exceptions=True)
            self._dispatcher = None
        for task in list(self._pending):
            task.cancel()
        await asyncio.gather(*self._pending, return_exceptions=True)
        self._fail_queue(SandboxError("the Ray sandbox was closed"))
        import ray

        for node in self._nodes:
            if node.alive:
                try:
                    await asyncio.wait_for(node.actor.close.remote(), 10)
                except Exception:  # noqa: BLE001 - a node gone already needs no closing
                    pass
                ray.kill(node.actor)
        self._nodes = []
        if self._connected_here:
            ray.shutdown()
            self._connected_here = False

    # -- the sandbox interface ---------------------------------------------------------------------
    async def run_task(self, code: str, task: Task, limits: Limits | None = None) -> list[PairResult]:
        """Run ``code`` on every pair of ``task`` on some node; the same results as a local sandbox."""
        if self._dispatcher is None:
            raise SandboxError("the Ray sandbox is not started: use `async with RaySandbox(...)`")
        future: asyncio.Future[list[PairResult]] = asyncio.get_running_loop().create_future()
        self._queue.append((code, task, limits, future))
        self._wake.set()
        return await future

    # -- dispatch ----------------------------------------------------------------------------------
    def _free_node(self) -> _Node | None:
        alive = [node for node in self._nodes if node.alive and node.in_flight < self.per_node]
        return min(alive, key=lambda node: node.in_flight) if alive else None

    def _next_batch(self) -> _Batch:
        first = self._queue.popleft()
        if isinstance(first, _Batch):
            return first  # a batch lost with its node: redone whole
        items = [first]
        while self._queue and len(items) < self.batch_size and not isinstance(self._queue[0], _Batch):
            item = self._queue.popleft()
            assert not isinstance(item, _Batch)
            items.append(item)
        return _Batch([item for item in items if not item[3].done()])

    async def _dispatch(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                node = self._free_node()
                if node is None:
                    if not any(n.alive for n in self._nodes):
                        self._fail_queue(SandboxError("every Ray node running the sandbox was lost"))
                    break
                if len(self._queue) < self.batch_size and node.in_flight:
                    await asyncio.sleep(0.002)  # let a few more requests arrive to fill the batch
                batch = self._next_batch()
                if not batch.items:
                    continue
                node.in_flight += 1
                task = asyncio.create_task(self._send(node, batch))
                self._pending.add(task)
                task.add_done_callback(self._pending.discard)

    async def _send(self, node: _Node, batch: _Batch) -> None:
        import ray.exceptions as rex

        tasks: dict[str, tuple[str, int, dict[str, Any]]] = {}
        items: list[_Item] = []
        for code, task, limits, _ in batch.items:
            key = _task_key(task)
            tasks.setdefault(key, (task.id, task.version, task.to_dict()))
            items.append((code, key, limits))
        lost = (rex.RayActorError, rex.ObjectLostError, rex.WorkerCrashedError, rex.NodeDiedError)
        try:
            answers = await node.actor.run_batch.remote(tasks, items)
        except lost as exc:
            self._lose(node, batch, exc)
            return
        except rex.RayError as exc:
            for *_, future in batch.items:
                if not future.done():
                    future.set_exception(SandboxError(f"the Ray sandbox failed: {exc}"))
            return
        finally:
            node.in_flight -= 1
            self._wake.set()
        self.stats.batches += 1
        counts = self.stats.programs_by_node
        counts[node.node_id] = counts.get(node.node_id, 0) + len(items)
        for (*_, future), answer in zip(batch.items, answers, strict=True):
            if future.done():
                continue
            if isinstance(answer, str):
                future.set_exception(SandboxError(answer))
            else:
                future.set_result([_pair_from_wire(wire) for wire in answer])

    def _lose(self, node: _Node, batch: _Batch, exc: BaseException) -> None:
        if node.alive:
            node.alive = False
            self.stats.nodes_lost += 1
            try:
                self._add_nodes()  # a node that joined since takes over
            except Exception:  # noqa: BLE001 - the cluster state is unreadable: go on with the rest
                pass
        batch.lost += 1
        if batch.lost >= _MAX_REDO:
            for *_, future in batch.items:
                if not future.done():
                    future.set_exception(
                        SandboxError(f"a batch was lost with {batch.lost} Ray nodes ({exc})")
                    )
            return
        self.stats.redone += 1
        self._queue.appendleft(batch)
        self._wake.set()

    def _fail_queue(self, error: SandboxError) -> None:
        while self._queue:
            entry = self._queue.popleft()
            futures = [item[3] for item in entry.items] if isinstance(entry, _Batch) else [entry[3]]
            for future in futures:
                if not future.done():
                    future.set_exception(error)
