"""One control group per sandbox worker: memory that counts everything, a process cap, a CPU share.

The fork server joins a cgroup of its own at start (before its namespaces hide ``/sys``); the
program children it forks are in it too. ``memory`` caps resident memory of the whole worker,
counting what ``RLIMIT_AS`` cannot see (tmpfs files, shared memory); ``pids`` caps processes and
threads; ``cpu`` gives the worker a weight, so workers share the CPU with the rest of the machine
instead of taking it. cgroup v2 is used where its controllers are enabled (``memory.max``,
``pids.max``, ``cpu.weight``, no swap); on a hybrid v1 machine (like the development VM) the v1
hierarchies with the same meaning (``memory.limit_in_bytes``, ``pids.max``, ``cpu.shares``). Only
root can usually do either; otherwise nothing is joined and ``RLIMIT_AS`` alone limits memory. The
parent removes the (then empty) groups when the worker ends. Stdlib only.
"""

from __future__ import annotations

import os
import time
from typing import Any

_ROOT = "/sys/fs/cgroup"
_STALE_S = 60.0


def _own_paths() -> dict[str, str]:
    """controller (or "" for v2) -> this process's cgroup path, from /proc/self/cgroup."""
    paths = {}
    with open("/proc/self/cgroup") as handle:
        for line in handle:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            for name in controllers.split(",") if controllers else [""]:
                paths[name] = path
    return paths


def _write(path: str, value: str) -> None:
    with open(path, "w") as handle:
        handle.write(value)


def _sweep(parent: str) -> None:
    """Remove empty groups of earlier workers whose parent died without removing them."""
    try:
        names = [n for n in os.listdir(parent) if n.startswith("arcforge-sandbox-")]
    except OSError:
        return
    for name in names:
        try:
            if time.time() - os.stat(os.path.join(parent, name)).st_mtime > _STALE_S:
                os.rmdir(os.path.join(parent, name))
        except OSError:
            pass


def join(limits: dict[str, int]) -> dict[str, Any]:
    """Make this process's own cgroup(s) with ``limits`` and move in; say what took effect."""
    try:
        own = _own_paths()
    except OSError as exc:
        return {"kind": "none", "reason": f"no /proc/self/cgroup ({exc})"}
    name = f"arcforge-sandbox-{os.getpid()}-{os.urandom(4).hex()}"
    memory, pids, weight = limits["memory_bytes"], limits["pids"], limits.get("cpu_weight", 100)
    skip = {"cpu"} if not weight else set()  # a weight of 0: no CPU controller (to measure its cost)
    v2 = _ROOT + own.get("", "/").rstrip("/") if "" in own else ""
    if v2 and os.path.exists(os.path.join(_ROOT, "cgroup.controllers")):
        try:
            return _join_v2(v2, name, memory, pids, weight, skip)
        except OSError as exc:
            reason = f"cgroup v2: {exc}"
    else:
        reason = "no cgroup v2 controllers"
    try:
        return _join_v1(own, name, memory, pids, weight, skip)
    except OSError as exc:
        return {"kind": "none", "reason": f"{reason}; cgroup v1: {exc}"}


def _join_v2(parent: str, name: str, memory: int, pids: int, weight: int, skip: set[str]) -> dict[str, Any]:
    with open(os.path.join(parent, "cgroup.subtree_control")) as handle:
        enabled = set(handle.read().split())
    missing = {"memory", "pids", "cpu"} - enabled - skip
    if missing:
        _write(os.path.join(parent, "cgroup.subtree_control"), " ".join(f"+{c}" for c in sorted(missing)))
    _sweep(parent)
    path = os.path.join(parent, name)
    os.mkdir(path, 0o755)
    try:
        _write(os.path.join(path, "memory.max"), str(memory))
        if os.path.exists(os.path.join(path, "memory.swap.max")):
            _write(os.path.join(path, "memory.swap.max"), "0")
        _write(os.path.join(path, "pids.max"), str(pids))
        if "cpu" not in skip:
            _write(os.path.join(path, "cpu.weight"), str(weight))
        _write(os.path.join(path, "cgroup.procs"), str(os.getpid()))
    except OSError:
        os.rmdir(path)
        raise
    return {"kind": "v2", "paths": [path], "memory_bytes": memory, "pids": pids, "cpu_weight": weight}


def _join_v1(
    own: dict[str, str], name: str, memory: int, pids: int, weight: int, skip: set[str]
) -> dict[str, Any]:
    settings = {
        "memory": [("memory.limit_in_bytes", str(memory)), ("memory.memsw.limit_in_bytes", str(memory))],
        "pids": [("pids.max", str(pids))],
        "cpu": [("cpu.shares", str(max(2, weight * 1024 // 100)))],
    }
    for controller in skip:
        settings.pop(controller, None)
    made: list[str] = []
    try:
        for controller, values in settings.items():
            mount = next(
                (os.path.join(_ROOT, d) for d in (controller, "cpu,cpuacct") if os.path.isdir(os.path.join(_ROOT, d))
                 and controller in d.split(",")), None,
            )  # fmt: skip
            if mount is None or controller not in own:
                raise OSError(f"no v1 {controller} hierarchy")
            parent = mount + own[controller].rstrip("/")
            _sweep(parent)
            path = os.path.join(parent, name)
            os.mkdir(path, 0o755)
            made.append(path)
            for file, value in values:
                if os.path.exists(os.path.join(path, file)):
                    _write(os.path.join(path, file), value)
            _write(os.path.join(path, "cgroup.procs"), str(os.getpid()))
    except OSError:
        for path in reversed(made):
            try:
                os.rmdir(path)
            except OSError:
                pass
        raise
    return {"kind": "v1", "paths": made, "memory_bytes": memory, "pids": pids, "cpu_weight": weight}
